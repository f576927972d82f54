package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexConnection;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexProcessException;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.LiveTurn;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of step the scripted model server can play, run through the real pinned codex, so the
 * test kit's promises are checked against the binary rather than assumed.
 */
class ScriptedStepsLiveTest {
    @TempDir
    Path tmp;

    private static void assertSentMessagesMatchSchema(LiveTurn turn, WireSchema schema) {
        assertThat(turn.wire().sent()).isNotEmpty();
        for (JsonNode m : turn.wire().sent()) {
            if (m.has("method")) {
                assertThat(schema.validateOutgoing(m)).as("schema errors of %s", m).isEmpty();
            }
        }
        for (var answer : turn.answers()) {
            assertThat(schema.validateResponse(answer.getKey(), answer.getValue()))
                    .as("schema errors of the answer to %s: %s", answer.getKey(), answer.getValue()).isEmpty();
        }
    }

    @Test
    void streamedAndWholeMessagesAndReasoning() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp, h -> { })) {
            model.enqueue(ModelReply.builder().reasoning("Plan the greeting", "raw thought").message("Hello from the script").build());
            LiveTurn.Result streamed = live.runTurn("hi", (m, p) -> null);
            assertThat(streamed.completedTurn().path("status").asText()).isEqualTo("completed");
            assertThat(streamed.params("item/agentMessage/delta")).extracting(p -> p.path("delta").asText())
                    .containsExactly("Hello f", "rom the", " script");
            assertThat(streamed.completedItems("agentMessage")).extracting(i -> i.path("text").asText())
                    .containsExactly("Hello from the script");
            JsonNode reasoning = streamed.completedItems("reasoning").get(0);
            assertThat(reasoning.path("summary").get(0).asText()).isEqualTo("Plan the greeting");
            assertThat(reasoning.path("content").get(0).asText()).isEqualTo("raw thought");

            model.enqueue(ModelReply.builder().wholeMessage("All at once").build());
            LiveTurn.Result whole = live.runTurn("again", (m, p) -> null);
            assertThat(whole.params("item/agentMessage/delta")).isEmpty();
            assertThat(whole.completedItems("agentMessage")).extracting(i -> i.path("text").asText())
                    .containsExactly("All at once");
            assertSentMessagesMatchSchema(live, WireSchema.pinned());
        }
    }

    @Test
    void applyPatchThroughExecCommandWritesTheFile() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp, h -> h.sandboxMode("danger-full-access"))) {
            model.enqueue(
                    ModelReply.builder().applyPatch("call-p1", "*** Begin Patch\n*** Add File: hello.txt\n+hello world\n*** End Patch").build(),
                    ModelReply.message("Wrote hello.txt."));
            LiveTurn.Result r = live.runTurn("write hello.txt", (m, p) -> null);
            assertThat(r.completedTurn().path("status").asText()).isEqualTo("completed");
            JsonNode change = r.completedItems("fileChange").get(0);
            assertThat(change.path("status").asText()).isEqualTo("completed");
            assertThat(change.path("changes").get(0).path("kind").path("type").asText()).isEqualTo("add");
            assertThat(Files.readString(live.work().resolve("hello.txt"))).isEqualTo("hello world\n");
            assertSentMessagesMatchSchema(live, WireSchema.pinned());
        }
    }

    @Test
    void escalatedCommandAsksForApprovalAndADeclineIsReportedToTheModel() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp, h -> h.askForApproval("on-request"))) {
            model.enqueue(
                    ModelReply.builder().execCommandEscalated("call-esc-1", "touch outside.txt", "Need to write").build(),
                    ModelReply.message("Understood, not writing."));
            LiveTurn.Result r = live.runTurn("touch a file", (method, params) ->
                    method.equals("item/commandExecution/requestApproval") ? Map.of("decision", "decline") : null);
            JsonNode approval = r.request("item/commandExecution/requestApproval").orElseThrow().params();
            assertThat(approval.path("reason").asText()).isEqualTo("Need to write");
            assertThat(approval.path("itemId").asText()).isEqualTo("call-esc-1");
            assertThat(live.answers()).hasSize(1);
            assertSentMessagesMatchSchema(live, WireSchema.pinned());
            assertThat(r.completedItems("commandExecution").get(0).path("status").asText()).isEqualTo("declined");
            assertThat(r.completedTurn().path("status").asText()).isEqualTo("completed");
            assertThat(model.responsesRequests().get(1).functionCallOutput("call-esc-1")).get().asString()
                    .containsIgnoringCase("rejected");
            assertThat(Files.exists(live.work().resolve("outside.txt"))).isFalse();
        }
    }

    @Test
    void dynamicToolCallIsRoutedToTheClientAndItsResultReachesTheModel() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp, h -> { })) {
            live.startThread(p -> p.set("dynamicTools", Json.parse("[{\"type\":\"function\",\"name\":\"lookup_ticket\",\"description\":\"Fetch a ticket\","
                    + "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}}]")));
            model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-dyn-1", "lookup_ticket", Json.object().put("id", "ABC-123")).build(),
                    ModelReply.message("Ticket ABC-123 is open."));
            LiveTurn.Result r = live.runTurn("check ABC-123", (method, params) -> method.equals("item/tool/call")
                    ? Json.parse("{\"contentItems\":[{\"type\":\"inputText\",\"text\":\"Ticket ABC-123 is open.\"}],\"success\":true}")
                    : null);
            assertThat(r.request("item/tool/call").orElseThrow().params().path("arguments").path("id").asText()).isEqualTo("ABC-123");
            assertThat(r.completedItems("dynamicToolCall").get(0).path("success").asBoolean()).isTrue();
            assertThat(model.responsesRequests().get(1).functionCallOutput("call-dyn-1")).contains("Ticket ABC-123 is open.");
            assertSentMessagesMatchSchema(live, WireSchema.pinnedExperimental());
            JsonNode start = live.wire().sent().stream().filter(m -> m.path("method").asText().equals("thread/start"))
                    .findFirst().orElseThrow();
            assertThat(WireSchema.pinned().validateOutgoing(start)).as("dynamicTools is experimental").isNotEmpty();
        }
    }

    @Test
    void contextLengthFailureFailsTheTurnWithItsErrorInfo() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp, h -> { })) {
            model.enqueue(ModelReply.builder().failed("context_length_exceeded", "too long").build());
            LiveTurn.Result r = live.runTurn("a lot", (m, p) -> null);
            assertThat(r.completedTurn().path("status").asText()).isEqualTo("failed");
            assertThat(r.completedTurn().path("error").path("codexErrorInfo").asText()).isEqualTo("contextWindowExceeded");
        }
    }

    @Test
    void httpErrorsAndCutStreamsFailTheTurnWhenRetriesAreOff() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp, h -> { })) {
            model.enqueue(ModelReply.httpError(500, "scripted outage"));
            LiveTurn.Result outage = live.runTurn("one", (m, p) -> null);
            assertThat(outage.completedTurn().path("status").asText()).isEqualTo("failed");
            assertThat(outage.params("error")).isNotEmpty();

            model.enqueue(ModelReply.builder().message("partial").cutBeforeCompleted().build());
            LiveTurn.Result cut = live.runTurn("two", (m, p) -> null);
            assertThat(cut.completedTurn().path("status").asText()).isEqualTo("failed");
            assertThat(cut.completedTurn().path("error").path("message").asText()).containsIgnoringCase("stream");
        }
    }

    @Test
    void aBrokenConfigMakesTheRealCodexExitBeforeInitializeWithItsErrorLine() throws Exception {
        Path codex = LiveCodex.binary();
        Path home = Files.createDirectories(tmp.resolve("bad-home"));
        Files.writeString(home.resolve("config.toml"), "approval_policy = \"untrusted\"\n");
        try (CodexConnection conn = CodexConnection.open(CodexLaunch.appServer(codex).codexHome(home)
                .workingDirectory(tmp).build(), p -> { })) {
            assertThatThrownBy(() -> dev.codexbridge.support.RawHandshake.initialize(conn, new InitializeParams(null, new ClientInfo("t", null, "0")),
                    Duration.ofSeconds(30)))
                    .isInstanceOf(CodexProcessException.class)
                    .hasMessageContaining("before answering initialize")
                    .hasMessageContaining("Error:")
                    .hasMessageContaining("untrusted");
        }
    }
}
