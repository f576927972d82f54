package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The MCP Inspector's CLI ({@code @modelcontextprotocol/inspector-cli}, pinned in
 * src/mcp/test/inspector, installed by the build), run as {@code mcp-inspector --cli} runs it,
 * against the server over stdio (a server process per call, as a host starts it) and over
 * Streamable HTTP, with the real codex on the scripted model: tools/list lists the three tools,
 * tools/call of codex answers with the model's text and a threadId.
 */
class McpInspectorCliLiveTest {
    private LiveMcp live;

    @AfterEach
    void tearDown() throws Exception {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void theInspectorCliOverStdio() throws Exception {
        live = new LiveMcp("mcp-inspector-stdio");
        Path home = IsolatedCodexHome.builder(Files.createTempDirectory(live.dir, "home"), live.model.baseUrl())
                .askForApproval("on-request").sandboxMode("read-only").write();
        // the server's command line as one program, as a host's configuration names it
        Path server = live.dir.resolve("codex-bridge-mcp.sh");
        Files.writeString(server, "#!/bin/sh\nexec " + ChildJvm.shellCommand() + " -cp '"
                + ChildJvm.classPath() + "' '-Dcodexbridge.schemaDir=" + System.getProperty("codexbridge.schemaDir",
                "target/codex-schema") + "' " + StdioServerMain.class.getName() + " '" + new CodexLocator().locate(null).binary() + "' '"
                + home + "' '" + live.work + "' false '" + live.dir.resolve("wire-report.txt") + "'\n");
        Files.setPosixFilePermissions(server, PosixFilePermissions.fromString("rwx------"));

        assertTheTools(inspector(server.toString(), "--method", "tools/list"));
        live.model.enqueue(ModelReply.message("Hello from the inspector."));
        assertTheAnswer(inspector(server.toString(), "--method", "tools/call", "--tool-name", "codex", "--tool-arg", "prompt=hello"));
        assertThat(live.model.responsesRequests().get(0).userTexts()).anySatisfy(t -> assertThat(t).contains("hello"));
    }

    @Test
    void theInspectorCliOverStreamableHttp() throws Exception {
        live = new LiveMcp("mcp-inspector-http").boot(false, List.of(), b -> { });
        String url = live.http.uri().toString();
        String auth = "Authorization: Bearer " + LiveMcp.ALICE;
        assertTheTools(inspector(url, "--transport", "http", "--header", auth, "--method", "tools/list"));
        live.model.enqueue(ModelReply.message("Hello from the inspector."));
        assertTheAnswer(inspector(url, "--transport", "http", "--header", auth, "--method", "tools/call", "--tool-name", "codex",
                "--tool-arg", "prompt=hello"));
    }

    private static void assertTheTools(JsonNode out) {
        List<String> names = new ArrayList<>();
        out.path("tools").forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).as(out.toString()).containsExactly("codex", "codex-reply", "codex-transcript");
    }

    private static void assertTheAnswer(JsonNode out) {
        assertThat(out.path("isError").asBoolean()).as(out.toString()).isFalse();
        assertThat(out.at("/content/0/text").asText()).isEqualTo("Hello from the inspector.");
        assertThat(out.at("/structuredContent/threadId").asText()).isNotBlank();
        assertThat(Json.convert(out.path("structuredContent"), Map.class)).containsEntry("content", "Hello from the inspector.");
    }

    /** {@code mcp-inspector --cli ARGS}: the CLI's launcher, which runs the CLI proper; its output is the method's result as JSON. */
    private static JsonNode inspector(String... args) throws Exception {
        Path dir = Paths.get(McpInspectorCliLiveTest.class.getResource("/mcp-inspector/package.json").toURI()).getParent();
        Path launcher = dir.resolve("node_modules/@modelcontextprotocol/inspector-cli/build/cli.js");
        assertThat(launcher).as("installed by the build").exists();
        List<String> command = new ArrayList<>(List.of("node", launcher.toString(), "--cli"));
        command.addAll(List.of(args));
        // the CLI finds its own package.json by a path relative to the working directory, as its build directory
        String out = McpTsClientLiveTest.node(launcher.getParent(), command);
        return Json.parse(out.substring(out.indexOf('{')));
    }
}
