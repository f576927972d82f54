package dev.codexbridge.live;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeCommandLiveTest {
    @TempDir
    Path tmp;


    @Test
    void statusEnableDisableThroughTheCli() throws Exception {
        LiveCodex.binary();
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), URI.create("http://127.0.0.1:9/v1")).write();
        Path state = tmp.resolve("state.json");
        Path mcp = tmp.resolve("mcp.json");
        Files.writeString(mcp, "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\"}}}");
        String[] common = {"--codex-home", home.toString(), "--state-file", state.toString()};

        String[] status = run(concat(new String[] {"runtime", "status", "--json"}, common));
        assertThat(status[0]).isEqualTo("0");
        JsonNode s = Json.parse(status[1].strip());
        assertThat(s.path("enabled").asBoolean()).isFalse();
        assertThat(s.path("codexVersion").asText()).isEqualTo("0.171.0");

        String[] enable = run(concat(new String[] {"runtime", "enable", "--mcp-config", mcp.toString(), "--no-plugins"}, common));
        assertThat(enable[0]).isEqualTo("0");
        assertThat(enable[1]).contains("codex runtime enabled").contains("MCP servers migrated: 1");
        assertThat(run(concat(new String[] {"runtime", "status"}, common))[1])
                .contains("codex runtime: enabled").contains("managed block: 1 MCP server(s) [fetch]");

        String[] disable = run(concat(new String[] {"runtime", "disable", "--remove-block"}, common));
        assertThat(disable[0]).isEqualTo("0");
        assertThat(run(concat(new String[] {"runtime", "status"}, common))[1]).contains("codex runtime: disabled").contains("managed block: none");
        assertThat(run(concat(new String[] {"runtime", "enable", "--codex-bin", tmp.resolve("nope").toString()}, common))[0]).isEqualTo("1");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
