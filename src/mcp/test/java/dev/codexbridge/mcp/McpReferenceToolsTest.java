package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.TestDirs;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The tools against the reference: codex 0.130.0's {@code codex mcp-server} (the last release that
 * had it, installed for the compatibility matrix) is started and asked {@code tools/list}; every
 * tool it lists is listed here with the same name, title, parameters (names, types, enums,
 * required) and output schema — but {@code profile}, which codex 0.169.0 refuses on a thread
 * whatever it names, so the tool no longer offers it. Descriptions are the project's own words.
 * Skipped when 0.130.0 is not installed.
 */
class McpReferenceToolsTest {
    @Test
    void theToolsAreThoseOfCodex0130sMcpServer() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        String compat = System.getProperty("codexbridge.compatDir");
        Path bin = compat == null ? null : Path.of(compat, "node_modules", ".bin", "codex");
        Assumptions.assumeTrue(bin != null && Files.isExecutable(bin), "codex 0.130.0 is not installed at " + compat);
        Path home = TestDirs.create("mcp-reference-home");
        try {
            StdioClientTransport transport = new StdioClientTransport(ServerParameters.builder(bin.toString()).args("mcp-server")
                    .addEnvVar("CODEX_HOME", home.toString()).build(), McpJsonDefaults.getMapper());
            List<McpSchema.Tool> reference;
            try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60))
                    .jsonSchemaValidator(new OutputSchemaCheck()).build()) {
                McpSchema.InitializeResult init = client.initialize();
                assertThat(init.serverInfo().version()).isEqualTo("0.130.0");
                reference = client.listTools().tools();
            }
            assertThat(reference).extracting(McpSchema.Tool::name).containsExactly("codex", "codex-reply");

            try (LiveMcp live = new LiveMcp("mcp-reference").boot(false, List.of(), b -> { })) {
                Map<String, McpSchema.Tool> ours = new LinkedHashMap<>();
                live.client(LiveMcp.ALICE, null, null).listTools().tools().forEach(t -> ours.put(t.name(), t));
                for (McpSchema.Tool ref : reference) {
                    McpSchema.Tool mine = ours.get(ref.name());
                    assertThat(mine).as(ref.name()).isNotNull();
                    assertThat(mine.title()).isEqualTo(ref.title());
                    Map<String, Object> expected = shape(ref.inputSchema());
                    assertThat(((Map<?, ?>) expected.get("properties")).remove("profile") != null).as("0.130.0 offered profile")
                            .isEqualTo(ref.name().equals("codex"));
                    assertThat(shape(mine.inputSchema())).as(ref.name() + " parameters").isEqualTo(expected);
                    assertThat(mine.outputSchema()).as(ref.name() + " output schema").isEqualTo(ref.outputSchema());
                }
            }
        } finally {
            TestDirs.delete(home);
        }
    }

    /** A schema without its descriptions: type, parameter names with their type and enum, required. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> shape(Map<String, Object> schema) {
        Map<String, Object> shape = new TreeMap<>(schema);
        Object required = schema.get("required");
        shape.put("required", required == null ? List.of() : ((List<String>) required).stream().sorted().toList());
        Map<String, Object> props = new TreeMap<>();
        ((Map<String, Object>) schema.getOrDefault("properties", Map.of())).forEach((name, p) -> {
            Map<String, Object> m = new TreeMap<>((Map<String, Object>) p);
            m.remove("description");
            props.put(name, m);
        });
        shape.put("properties", props);
        return shape;
    }
}
