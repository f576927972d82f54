package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.LiveTurn;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.ItemProjector;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How codex 0.169.0 names MCP tools for the model, and what it does with a name it does not know:
 * server {@code my-tools} with tool {@code get-sum} is shown as namespace {@code mcp__my_tools},
 * function {@code get_sum}; a call under the server's own name gets {@code "unsupported call: …"}
 * back to the model and no item or notification at all.
 */
class McpToolNamesLiveTest {
    private static final String SERVER = "my-tools";

    @TempDir
    Path tmp;

    private static List<TranscriptMessage> project(LiveTurn.Result r) {
        ItemProjector p = new ItemProjector();
        for (JsonRpcMessage.Inbound m : r.messages()) {
            if (!(m instanceof JsonRpcMessage.Request)) {
                p.onNotification(m.method(), m.params());
            }
        }
        p.finish();
        return p.messages();
    }

    /** The function names codex listed in the model request under {@code namespace}. */
    private static List<String> namespaceTools(RecordedRequest request, String namespace) {
        List<String> names = new ArrayList<>();
        for (JsonNode tool : request.body().path("tools")) {
            if (namespace.equals(tool.path("name").asText())) {
                tool.path("tools").forEach(t -> names.add(t.path("name").asText()));
            }
        }
        return names;
    }

    /**
     * Codex lists an MCP server's tools to the model only once the server is ready, which a slow
     * start (the echo server is a JVM) puts after the first turns; warm-up turns until it is listed.
     */
    private static List<String> awaitListedTools(LiveTurn live, ScriptedModelServer model, String namespace) throws Exception {
        for (int i = 0; i < 30; i++) {
            model.enqueue(ModelReply.message("warm-up"));
            live.runTurn("warm-up", (m, p) -> null);
            List<RecordedRequest> requests = model.responsesRequests();
            List<String> listed = namespaceTools(requests.get(requests.size() - 1), namespace);
            if (!listed.isEmpty()) {
                return listed;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("codex never listed " + namespace + " to the model");
    }

    @Test
    void aHyphenatedToolIsCalledByTheServersNameThroughMcpCall() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp, h -> h.extraToml(EchoMcpServer.configToml(SERVER, "get-sum")))) {
            assertThat(awaitListedTools(live, model, "mcp__my_tools")).as("the names codex shows its model")
                    .containsExactlyInAnyOrder("get_sum", "say", "ask");
            int before = model.responsesRequests().size();
            model.enqueue(ModelReply.builder().mcpCall("call-sum", SERVER, "get-sum", Json.object().put("a", 1).put("b", 2)).build(),
                    ModelReply.message("Summed."));
            LiveTurn.Result r = live.runTurn("add 1 and 2", (m, p) -> null);

            assertThat(r.completedTurn().path("status").asText()).isEqualTo("completed");
            assertThat(r.completedItems("mcpToolCall")).singleElement().satisfies(item -> {
                assertThat(item.path("server").asText()).isEqualTo(SERVER);
                assertThat(item.path("tool").asText()).as("the item carries the server's own name").isEqualTo("get-sum");
            });
            assertThat(model.responsesRequests().get(before + 1).functionCallOutput("call-sum").orElseThrow())
                    .as("the server answered under its own name").contains("get-sum called with");

            List<TranscriptMessage> transcript = project(r);
            TranscriptMessage.ToolCall call = transcript.stream().filter(m -> m.toolCalls() != null)
                    .findFirst().orElseThrow().toolCalls().get(0);
            assertThat(call.function().name()).isEqualTo("mcp__my-tools__get-sum");
            assertThat(call.source().server()).isEqualTo(SERVER);
            assertThat(call.source().tool()).isEqualTo("get-sum");
            assertThat(transcript).filteredOn(m -> m.role() == TranscriptMessage.Role.TOOL).singleElement()
                    .extracting(TranscriptMessage::content).isEqualTo("get-sum called with {\"a\":1,\"b\":2}");
        }
    }

    @Test
    void aCallUnderANameCodexDoesNotKnowLeavesNoTraceButTheAnswerToTheModel() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp, h -> h.extraToml(EchoMcpServer.configToml(SERVER, "get-sum")))) {
            awaitListedTools(live, model, "mcp__my_tools");
            int before = model.responsesRequests().size();
            // the server's own names, which codex does not show the model
            model.enqueue(ModelReply.builder().functionCall("call-raw", "mcp__" + SERVER, "get-sum", Json.object()).build(),
                    ModelReply.message("That did not work."));
            LiveTurn.Result r = live.runTurn("add", (m, p) -> null);

            assertThat(r.completedTurn().path("status").asText()).isEqualTo("completed");
            assertThat(model.responsesRequests().get(before + 1).functionCallOutput("call-raw"))
                    .contains("unsupported call: mcp__my-toolsget-sum");
            assertThat(r.completedItems("mcpToolCall")).isEmpty();
            assertThat(r.messages()).as("no request or notification mentions the call")
                    .noneMatch(m -> Json.write(m.params()).contains("call-raw") || Json.write(m.params()).contains("unsupported call"));
            List<TranscriptMessage> transcript = project(r);
            assertThat(transcript).noneMatch(m -> m.toolCalls() != null || m.role() == TranscriptMessage.Role.TOOL);
            assertThat(transcript).last().extracting(TranscriptMessage::content).isEqualTo("That did not work.");
        }
    }

    /**
     * The same silence for a call that reaches codex while the MCP server is still starting: codex
     * has not listed the server's tools yet, so even the right names are an unsupported call. (This
     * is why a scripted MCP call in a turn's first reply can fail on a loaded machine.)
     */
    @Test
    void aCallWhileTheServerIsStillStartingIsAnUnsupportedCallToo() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp,
                     h -> h.extraToml(EchoMcpServer.configToml(SERVER, java.time.Duration.ofSeconds(8), "get-sum")))) {
            model.enqueue(ModelReply.builder().mcpCall("call-early", SERVER, "get-sum", Json.object()).build(),
                    ModelReply.message("Not yet."));
            LiveTurn.Result r = live.runTurn("add", (m, p) -> null);

            assertThat(r.completedTurn().path("status").asText()).isEqualTo("completed");
            assertThat(namespaceTools(model.responsesRequests().get(0), "mcp__my_tools")).isEmpty();
            assertThat(model.responsesRequests().get(1).functionCallOutput("call-early"))
                    .contains("unsupported call: mcp__my_toolsget_sum");
            assertThat(r.completedItems("mcpToolCall")).isEmpty();
            assertThat(project(r)).noneMatch(m -> m.toolCalls() != null);
        }
    }
}
