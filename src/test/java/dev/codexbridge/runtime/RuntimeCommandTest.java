package dev.codexbridge.runtime;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code codex-bridge runtime} with a stand-in codex: the Hermes words and what a re-enable re-applies. */
class RuntimeCommandTest {
    @TempDir
    Path tmp;

    @Test
    void onOffAutoAndAPlainReEnable() throws Exception {
        Path codex = Scripts.write(tmp.resolve("bin"), "codex", "echo 'codex-cli 0.169.0'");
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path config = home.resolve("config.toml");
        Path mcp = tmp.resolve("mcp.json");
        Files.writeString(mcp, "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\"}}}");
        String[] c = {"--codex-home", home.toString(), "--state-file", tmp.resolve("state.json").toString(), "--codex-bin", codex.toString()};

        String[] on = run(cat(new String[] {"runtime", "on", "--mcp-config", mcp.toString(), "--no-plugins"}, c));
        assertThat(on[0]).as(on[1] + on[2]).isEqualTo("0");
        assertThat(on[1]).contains("codex runtime enabled").contains("default_permissions = \":workspace\"")
                .contains("Effective for new sessions");

        String[] off = run(cat(new String[] {"runtime", "off", "--remove-block"}, c));
        assertThat(off[0]).isEqualTo("0");
        assertThat(Files.readString(config)).doesNotContain("fetch");

        String[] again = run(cat(new String[] {"runtime", "codex"}, c));
        assertThat(again[0]).isEqualTo("0");
        assertThat(Files.readString(config)).contains("[mcp_servers.fetch]").contains("default_permissions = \":workspace\"");
        assertThat(run(cat(new String[] {"runtime", "status"}, c))[1]).contains("codex runtime: enabled since")
                .contains("remembered for re-enable: 1 MCP config(s) " + mcp.toAbsolutePath());

        assertThat(run(cat(new String[] {"runtime", "hermes"}, c))[1]).contains("codex runtime disabled");
        String before = Files.readString(config);
        String[] noCodex = run("runtime", "auto", "--codex-home", home.toString(), "--state-file", tmp.resolve("state.json").toString(),
                "--codex-bin", tmp.resolve("nope").toString());
        assertThat(noCodex[0]).as("auto without a codex is not an error").isEqualTo("0");
        assertThat(noCodex[1]).startsWith("left as it was: ").contains("does not exist");
        assertThat(Files.readString(config)).isEqualTo(before);
        assertThat(run(cat(new String[] {"runtime", "status"}, c))[1]).contains("codex runtime: disabled");

        String[] auto = run(cat(new String[] {"runtime", "auto"}, c));
        assertThat(auto[0]).isEqualTo("0");
        assertThat(auto[1]).contains("codex runtime enabled");
        assertThat(run(cat(new String[] {"runtime", "enable", "--mcp-config", tmp.resolve("missing.json").toString()}, c))[0])
                .isEqualTo("2");
    }

    /** Issue 26, finding 4: {@code runtime enable --json} and its text output show literal secrets as {@code ***}. */
    @Test
    void enableNeverPrintsALiteralSecret() throws Exception {
        String token = "ghp_FAKEruntimeTOKEN000000000000000000";
        String apiKey = "FAKEruntimeAPIKEY-0a1b2c3d";
        Path codex = Scripts.write(tmp.resolve("bin"), "codex", "echo 'codex-cli 0.169.0'");
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path mcp = tmp.resolve("mcp.json");
        Files.writeString(mcp, "{\"mcpServers\":{\"github\":{\"command\":\"npx\",\"env\":{\"GITHUB_TOKEN\":\"" + token + "\"}},"
                + "\"api\":{\"url\":\"https://x.example/mcp\",\"headers\":{\"X-Api-Key\":\"" + apiKey + "\"}}}}");
        String[] c = {"--codex-home", home.toString(), "--state-file", tmp.resolve("state.json").toString(), "--codex-bin", codex.toString()};

        String[] json = run(cat(new String[] {"runtime", "enable", "--mcp-config", mcp.toString(), "--no-plugins", "--json"}, c));
        assertThat(json[0]).as(json[1] + json[2]).isEqualTo("0");
        assertThat(json[1]).contains("GITHUB_TOKEN = \\\"***\\\"").contains("X-Api-Key = \\\"***\\\"");
        String[] text = run(cat(new String[] {"runtime", "disable", "--remove-block", "--json"}, c));
        String[] again = run(cat(new String[] {"runtime", "on"}, c));
        String[] status = run(cat(new String[] {"runtime", "status", "--json"}, c));
        for (String[] r : List.of(json, text, again, status)) {
            assertThat(r[1] + r[2]).doesNotContain(token).doesNotContain(apiKey);
        }
        assertThat(Files.readString(home.resolve("config.toml"))).contains(token).contains(apiKey);
    }

    private static String[] cat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
