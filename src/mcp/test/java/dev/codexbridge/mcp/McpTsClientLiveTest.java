package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.testkit.ModelReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The MCP TypeScript SDK's client ({@code @modelcontextprotocol/sdk}, pinned in src/mcp/test/js,
 * installed by the build) against the server over Streamable HTTP, with the real codex: the tools,
 * a conversation over codex and codex-reply with progress in codex's order, an approval accepted
 * and one declined by elicitation, and an aborted call (the SDK's {@code notifications/cancelled})
 * interrupting codex's turn, as codex's own record says.
 */
class McpTsClientLiveTest {
    private LiveMcp live;

    @AfterEach
    void tearDown() throws Exception {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void theTypeScriptSdkClientOverStreamableHttp() throws Exception {
        live = new LiveMcp("mcp-ts-http").boot(true, List.of("sleep"), b -> { });
        script(live.model);
        JsonNode out = run("http", live.http.uri().toString(), LiveMcp.ALICE);
        assertTheSession(out, live.work, live.model, List.of("codex", "codex-reply", "codex-transcript"));
    }

    @Test
    void theTypeScriptSdkClientOverStdio() throws Exception {
        // the server as a process of its own, as a host starts it; the wire check is done there (StdioServerMain)
        live = new LiveMcp("mcp-ts-stdio");
        Path home = dev.codexbridge.testkit.IsolatedCodexHome.builder(java.nio.file.Files.createTempDirectory(live.dir, "home"),
                live.model.baseUrl()).askForApproval("on-request").sandboxMode("read-only").write();
        Path report = live.dir.resolve("wire-report.txt");
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.schemaDir=" + System.getProperty("codexbridge.schemaDir", "target/codex-schema"),
                StdioServerMain.class.getName(), new dev.codexbridge.process.CodexLocator().locate(null).binary().toString(),
                home.toString(), live.work.toString(), "true", report.toString(), "sleep"));
        script(live.model);
        JsonNode out = run("stdio", Json.write(command));
        assertTheSession(out, live.work, live.model, List.of("codex", "codex-reply", "codex-transcript"));
        // written by the server process once its stdin ended, and again as it ends (after the client closed it)
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).until(() -> java.nio.file.Files.exists(report));
        assertThat(java.nio.file.Files.readString(report)).as("every message the server process sent to codex matches its schema").isEmpty();
    }

    /** A call whose stream the client's fetch drops after its first event: the SDK resumes it with Last-Event-ID. */
    @Test
    void theTypeScriptSdkClientResumesABrokenCallStream() throws Exception {
        live = new LiveMcp("mcp-ts-resume").boot(false, List.of("sleep"), b -> { });
        live.model.enqueue(ModelReply.builder().message("TS starting.").execCommandEscalated("ts-r1", "sleep 3", "Needs approval").build(),
                ModelReply.message("TS resumed."));
        JsonNode out = runScript("mcp-ts-resume.mjs", live.http.uri().toString(), LiveMcp.ALICE);
        assertThat(out.has("error")).as(out.toString()).isFalse();
        assertThat(out.path("broken").asBoolean()).isTrue();
        assertThat(out.at("/result/text").asText()).isEqualTo("TS resumed.");
        assertThat(out.at("/result/isError").asBoolean()).isFalse();
        assertThat(out.path("resumedWith")).as("the SDK came back with the id of the event it had").hasSize(1);
        assertThat(out.at("/resumedWith/0").asText()).isEqualTo(out.at("/tokens/0").asText()).matches(ReplayableStreams::isOurs);
        List<String> progress = Json.convert(out.path("progress"), List.class);
        assertThat(progress).hasSize(3);
        assertThat(progress.get(0)).isEqualTo("TS starting.");
        assertThat(progress.get(1)).startsWith("ran `").contains("sleep 3");
        assertThat(progress.get(2)).isEqualTo("TS resumed.");
        assertThat(live.model.responsesRequests()).as("the turn ran once").hasSize(2);
    }

    private static void script(dev.codexbridge.testkit.ScriptedModelServer model) {
        model.enqueue(
                ModelReply.builder().message("Looking.").execCommandEscalated("ts-c1", "sleep 0", "Needs approval").build(),
                ModelReply.message("TS first."),
                ModelReply.message("TS second."),
                ModelReply.builder().execCommandEscalated("ts-c2", "touch ts-yes", "Needs approval").build(),
                ModelReply.message("made ts-yes"),
                ModelReply.builder().execCommandEscalated("ts-c3", "touch ts-no", "Needs approval").build(),
                ModelReply.message("ts-no declined"),
                // far longer than the cancel takes on a loaded machine: the bound below stays generous
                ModelReply.builder().message("Waiting.").execCommandEscalated("ts-c4", "sleep 300", "Needs approval").build());
    }

    private static void assertTheSession(JsonNode out, Path work, dev.codexbridge.testkit.ScriptedModelServer model, List<String> tools) {
        assertThat(out.has("error")).as(out.toString()).isFalse();
        assertThat(Json.convert(out.path("tools"), List.class)).isEqualTo(tools);
        assertThat(out.at("/first/text").asText()).isEqualTo("TS first.");
        String thread = out.at("/first/structured/threadId").asText();
        assertThat(out.at("/first/structured/content").asText()).isEqualTo("TS first.");
        List<String> progress = new ArrayList<>();
        for (int i = 0; i < out.path("progress").size(); i++) {
            assertThat(out.path("progress").get(i).path("progress").asDouble()).isEqualTo(i + 1.0);
            progress.add(out.path("progress").get(i).path("message").asText());
        }
        assertThat(progress).hasSize(3);
        assertThat(progress.get(0)).isEqualTo("Looking.");
        assertThat(progress.get(1)).startsWith("ran `").contains("sleep 0");
        assertThat(progress.get(2)).isEqualTo("TS first.");

        assertThat(out.at("/second/text").asText()).isEqualTo("TS second.");
        assertThat(out.at("/second/threadId").asText()).isEqualTo(thread);
        assertThat(model.responsesRequests().get(2).userTexts()).anySatisfy(t -> assertThat(t).contains("first"));

        assertThat(out.at("/approved/text").asText()).isEqualTo("made ts-yes");
        assertThat(out.at("/declined/text").asText()).isEqualTo("ts-no declined");
        assertThat(out.path("elicitations")).hasSize(2);
        assertThat(out.at("/elicitations/0/message").asText()).startsWith("Allow Codex to run `").contains("touch ts-yes");
        assertThat(out.at("/elicitations/0/meta/codex_elicitation").asText()).isEqualTo("exec-approval");
        assertThat(work.resolve("ts-yes")).exists();
        assertThat(work.resolve("ts-no")).doesNotExist();

        assertThat(out.at("/cancelled/aborted").asBoolean()).as(out.path("cancelled").toString()).isTrue();
        JsonNode turns = out.at("/cancelled/turns");
        assertThat(turns.get(turns.size() - 1).asText()).as(turns.toString()).isEqualTo("interrupted");
        assertThat(out.at("/cancelled/ms").asLong()).as("the 300 s command did not run to its end").isLessThan(150_000);
        assertThat(model.responsesRequests()).as("codex never went back to the model after the cancel").hasSize(8);
    }

    static JsonNode run(String... args) throws Exception {
        return runScript("mcp-ts-client.mjs", args);
    }

    static JsonNode runScript(String script, String... args) throws Exception {
        Path file = Paths.get(McpTsClientLiveTest.class.getResource("/mcp-js/" + script).toURI());
        assertThat(file.resolveSibling("node_modules/@modelcontextprotocol/sdk/package.json")).as("installed by the build").exists();
        List<String> command = new ArrayList<>(List.of("node", file.toString()));
        command.addAll(List.of(args));
        return Json.parse(node(file.getParent(), command));
    }

    /** Runs a node program in {@code dir}: its standard output, once it ended well. */
    static String node(Path dir, List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out + err.get()).isZero();
        return out;
    }
}
