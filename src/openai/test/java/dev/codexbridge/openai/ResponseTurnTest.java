package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.CommandExecutionStatus;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Codex's turn events, fed by hand, as the Responses API's stream and response: the order the
 * SDKs parse, sequence numbers, stable ids and indexes, deltas that join to the done text, and the
 * last event carrying the whole output.
 */
class ResponseTurnTest {
    private final List<ObjectNode> events = new ArrayList<>();

    private ResponseTurn turn(String body) {
        return new ResponseTurn(ResponseRequest.of(Json.parse(body)), "resp_1", 1_700_000_000L, events::add);
    }

    private static ThreadItem.AgentMessage message(String id, String text) {
        return ThreadItem.AgentMessage.builder().id(id).text(text).build();
    }

    private static TurnResult result(TurnOutcome status, String finalText) {
        TokenUsage.Counts last = new TokenUsage.Counts(15, 10, 2, 5, 1);
        return new TurnResult("thread-1", "turn-1", status, finalText, null, StopReason.NATURAL, 0, 1, List.of(), 10, 1, 0,
                new TokenUsage(last, last, null), false, List.of());
    }

    private List<String> types() {
        return events.stream().map(e -> e.path("type").asText()).collect(Collectors.toList());
    }

    @Test
    void aMessageStreamsInTheOrderTheSdksParseAndItsDeltasJoinToTheDoneText() {
        ResponseTurn t = turn("{\"model\":\"gpt-5\",\"input\":\"hi\",\"stream\":true,\"metadata\":{\"k\":\"v\"}}");
        t.begin();
        t.onItemStarted(message("m1", null));
        t.onAgentMessageDelta("m1", "Hel");
        t.onAgentMessageDelta("m1", "lo ");
        // codex's completed text says more than its deltas did: the rest comes as one more delta
        t.onItemCompleted(message("m1", "Hello there"), List.of());
        ObjectNode response = t.finish(result(TurnOutcome.COMPLETED, "Hello there"));

        assertThat(types()).containsExactly("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed");
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("sequence_number").asInt()).isEqualTo(i);
        }
        String deltas = events.stream().filter(e -> e.path("type").asText().equals("response.output_text.delta"))
                .map(e -> e.path("delta").asText()).collect(Collectors.joining());
        assertThat(deltas).isEqualTo("Hello there");
        String itemId = events.get(2).path("item").path("id").asText();
        assertThat(itemId).isEqualTo("msg_m1");
        events.subList(3, 10).forEach(e -> {
            assertThat(e.path("output_index").asInt()).isZero();
            if (e.has("item_id")) {
                assertThat(e.path("item_id").asText()).isEqualTo(itemId);
            }
        });
        JsonNode completed = events.get(events.size() - 1).path("response");
        assertThat(completed).isEqualTo(response);
        assertThat(completed.path("object").asText()).isEqualTo("response");
        assertThat(completed.path("status").asText()).isEqualTo("completed");
        assertThat(completed.path("metadata").path("k").asText()).isEqualTo("v");
        JsonNode part = completed.path("output").get(0).path("content").get(0);
        assertThat(part.path("type").asText()).isEqualTo("output_text");
        assertThat(part.path("text").asText()).isEqualTo("Hello there");
        assertThat(part.path("annotations").isArray()).isTrue();
        assertThat(completed.path("usage").path("input_tokens").asLong()).isEqualTo(10);
        assertThat(completed.path("usage").path("output_tokens").asLong()).isEqualTo(5);
        assertThat(completed.path("usage").path("total_tokens").asLong()).isEqualTo(15);
        assertThat(completed.path("usage").path("input_tokens_details").path("cached_tokens").asLong()).isEqualTo(2);
        assertThat(completed.path("usage").path("output_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(1);
    }

    @Test
    void reasoningAndACommandAreOutputItemsAnSdkNeitherRunsNorRejects() {
        ResponseTurn t = turn("{\"input\":\"list the files\"}");
        t.begin();
        t.onItemCompleted(ThreadItem.Reasoning.builder().id("r1").summary(List.of("Looking at the folder.")).build(), List.of());
        ThreadItem.CommandExecution running = ThreadItem.CommandExecution.builder().id("c1").command("ls").cwd("/work")
                .status(CommandExecutionStatus.IN_PROGRESS).build();
        t.onItemStarted(running);
        t.onItemCompleted(running.toBuilder().status(CommandExecutionStatus.COMPLETED).exitCode(0).aggregatedOutput("a.txt\n").build(),
                List.of());
        t.onItemCompleted(message("m1", "One file."), List.of());
        ObjectNode response = t.finish(result(TurnOutcome.COMPLETED, "One file."));

        assertThat(types()).containsSubsequence("response.output_item.added", "response.reasoning_summary_part.added",
                "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
                "response.output_item.done");
        JsonNode output = response.path("output");
        assertThat(output).hasSize(3);
        assertThat(output.get(0).path("type").asText()).isEqualTo("reasoning");
        assertThat(output.get(0).path("summary").get(0).path("text").asText()).isEqualTo("Looking at the folder.");
        JsonNode call = output.get(1);
        assertThat(call.path("type").asText()).isEqualTo("mcp_call");
        assertThat(call.path("server_label").asText()).isEqualTo("codex");
        assertThat(call.path("name").asText()).isEqualTo("exec_command");
        assertThat(Json.parse(call.path("arguments").asText()).path("command").asText()).isEqualTo("ls");
        assertThat(call.path("output").asText()).isEqualTo("a.txt\n");
        assertThat(call.path("status").asText()).isEqualTo("completed");
        assertThat(output.get(2).path("type").asText()).isEqualTo("message");
        // the command was added when it started, with the index it keeps when done
        ObjectNode added = events.stream().filter(e -> e.path("type").asText().equals("response.output_item.added")
                && e.path("item").path("type").asText().equals("mcp_call")).findFirst().orElseThrow();
        assertThat(added.path("output_index").asInt()).isEqualTo(1);
        assertThat(added.path("item").path("status").asText()).isEqualTo("in_progress");
    }

    @Test
    void aReasoningSummaryStreamsAsCodexSendsItPartByPartAndItsDeltasJoinToTheDoneText() {
        ResponseTurn t = turn("{\"input\":\"plan it\",\"stream\":true}");
        t.begin();
        // as the recorded codex sends it (fixtures/reasoning.jsonl): the item started, the summary's deltas, then the item completed
        t.onItemStarted(ThreadItem.Reasoning.builder().id("rs-1").build());
        t.onReasoningDelta("rs-1", "Plan the ", true);
        t.onReasoningDelta("rs-1", "raw thoughts", false);
        t.onReasoningDelta("rs-1", "answer.", true);
        int beforeCompleted = events.size();
        t.onNotification(new dev.codexbridge.client.CodexEvent.Notification("item/reasoning/summaryPartAdded", "thread-1",
                Json.parse("{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\",\"itemId\":\"rs-1\",\"summaryIndex\":1}")));
        t.onReasoningDelta("rs-1", "Then ", true);
        t.onItemCompleted(ThreadItem.Reasoning.builder().id("rs-1").summary(List.of("Plan the answer.", "Then write it.")).build(),
                List.of());
        t.onItemCompleted(message("m1", "Done."), List.of());
        ObjectNode response = t.finish(result(TurnOutcome.COMPLETED, "Done."));

        assertThat(types().subList(0, beforeCompleted)).as("streamed before codex completed the item").containsExactly(
                "response.created", "response.in_progress", "response.output_item.added", "response.reasoning_summary_part.added",
                "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta");
        assertThat(types()).containsSubsequence("response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
                "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done");
        for (int part = 0; part < 2; part++) {
            int index = part;
            String joined = events.stream().filter(e -> e.path("type").asText().equals("response.reasoning_summary_text.delta")
                    && e.path("summary_index").asInt() == index).map(e -> e.path("delta").asText()).collect(Collectors.joining());
            String done = events.stream().filter(e -> e.path("type").asText().equals("response.reasoning_summary_text.done")
                    && e.path("summary_index").asInt() == index).findFirst().orElseThrow().path("text").asText();
            assertThat(joined).as("part %d's deltas join to its done text", part).isEqualTo(done);
        }
        assertThat(events).filteredOn(e -> e.toString().contains("raw thoughts")).as("codex's raw reasoning stays codex's").isEmpty();
        JsonNode reasoning = response.path("output").get(0);
        assertThat(reasoning.path("summary").findValuesAsText("text")).containsExactly("Plan the answer.", "Then write it.");
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("sequence_number").asInt()).isEqualTo(i);
        }
    }

    @Test
    void aReasoningItemCutShortKeepsTheSummaryItsDeltasSaid() {
        ResponseTurn t = turn("{\"input\":\"plan it\",\"stream\":true}");
        t.begin();
        t.onReasoningDelta("rs-2", "Half a ", true);
        ObjectNode response = t.finish(result(TurnOutcome.INTERRUPTED, ""));
        JsonNode reasoning = response.path("output").get(0);
        assertThat(reasoning.path("status").asText()).isEqualTo("incomplete");
        assertThat(reasoning.path("summary").findValuesAsText("text")).containsExactly("Half a ");
        assertThat(types()).containsSubsequence("response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
                "response.reasoning_summary_part.done", "response.output_item.done", "response.incomplete");
    }

    @Test
    void aTurnCutShortIsIncompleteAndKeepsWhatItsDeltasSaid() {
        ResponseTurn t = turn("{\"input\":\"hi\"}");
        t.begin();
        t.onAgentMessageDelta("m1", "Half an");
        ObjectNode response = t.finish(result(TurnOutcome.INTERRUPTED, null));
        assertThat(types()).endsWith("response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.incomplete");
        assertThat(response.path("status").asText()).isEqualTo("incomplete");
        assertThat(response.path("output").get(0).path("status").asText()).isEqualTo("incomplete");
        assertThat(response.path("output").get(0).path("content").get(0).path("text").asText()).isEqualTo("Half an");
    }

    @Test
    void aFailedTurnIsAFailedResponseWithItsError() {
        ResponseTurn t = turn("{\"input\":\"hi\"}");
        t.begin();
        ObjectNode response = t.finish(result(TurnOutcome.FAILED, null));
        assertThat(types()).endsWith("response.failed");
        assertThat(response.path("error").path("code").asText()).isEqualTo("server_error");
        assertThat(response.path("error").path("message").asText()).contains("failed");
    }

    @Test
    void aCallOfTheCallersToolIsAFunctionCallItemEndingTheResponseNotCodexsOwnWork() {
        ResponseTurn t = turn("{\"input\":\"weather?\",\"tools\":[{\"type\":\"function\",\"name\":\"weather\"}]}");
        t.begin();
        ThreadItem.DynamicToolCall dynamic = ThreadItem.DynamicToolCall.builder().id("d1").tool("weather").build();
        t.onItemStarted(dynamic);
        HeldTurn.Call call = new HeldTurn.Call("call_1", "weather", "{\"city\":\"Oslo\"}", new java.util.concurrent.CompletableFuture<>());
        ObjectNode response = t.pause(List.of(call));

        assertThat(types()).containsExactly("response.created", "response.in_progress", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done",
                "response.completed");
        assertThat(events.get(2).path("item").path("arguments").asText()).isEmpty();
        assertThat(events.get(3).path("delta").asText()).isEqualTo(events.get(4).path("arguments").asText());
        JsonNode item = response.path("output").get(0);
        assertThat(response.path("output")).hasSize(1);
        assertThat(item.path("type").asText()).isEqualTo("function_call");
        assertThat(item.path("call_id").asText()).isEqualTo("call_1");
        assertThat(item.path("arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");
        assertThat(response.path("status").asText()).isEqualTo("completed");
        assertThat(response.path("tools").get(0).path("name").asText()).isEqualTo("weather");
    }
}
