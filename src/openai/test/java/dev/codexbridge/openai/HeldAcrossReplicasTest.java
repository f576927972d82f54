package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.DoorRecords;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The replica that answers reach when it does not hold their turn (decision 0136), against a
 * store shared in memory, with this test playing the replica holding the turn: answers nobody
 * takes are withdrawn and answered 404, leaving nothing behind; the holder's refusal is answered
 * as its own; answers already left for the same question are "busy"; taken answers are answered
 * from the response the holder writes, once it ended, streamed as the SDKs parse it; a chat
 * completion from the result the holder writes back, or as a failure once it stops writing.
 */
class HeldAcrossReplicasTest {
    private static final String CALL = "call_tromso";
    private final DoorRecords store = DoorRecords.inMemory(100);
    private final StoredResponseRecords records = new StoredResponseRecords(store, 100);
    private final HeldAcrossReplicas relays = new HeldAcrossReplicas(store, records, store);

    @AfterEach
    void close() {
        relays.close();
    }

    private static JsonNode answer(String output) {
        return Json.parse("{\"model\":\"codex\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"" + CALL + "\",\"output\":\""
                + output + "\"}]}");
    }

    private CompletableFuture<ObjectNode> relay(JsonNode body, SseStream events) {
        return relays.handOvers().response("alice", body, ResponseRequest.of(body), events);
    }

    /** The answers left for {@link #CALL}, once some are; null when none came within 5 s. */
    private byte[] awaitAsk() throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            var v = store.get(HeldAcrossReplicas.ASK, CALL);
            if (v.isPresent()) {
                return v.get();
            }
            Thread.sleep(10);
        }
        return null;
    }

    private static ResponseRecords.Entry response(String id, String status, String text) {
        ObjectNode r = Json.object().put("id", id).put("object", "response").put("status", status).put("background", false);
        r.putArray("output").addObject().put("id", "msg_1").put("type", "message").put("role", "assistant").put("status", "completed")
                .putArray("content").add(OutputItems.textPart(text));
        return new ResponseRecords.Entry(id, "alice", "thread-1", "turn-1", r, Json.nodes().arrayNode());
    }

    @Test
    void answersNobodyTakesAreWithdrawnAndAnswered404WithNothingLeft() {
        assertThatThrownBy(() -> relay(answer("snow"), null))
                .isInstanceOfSatisfying(HandOvers.NotTaken.class, e -> {
                    assertThat(e.refusal.status).isEqualTo(404);
                    assertThat(e.refusal.getMessage()).contains(CALL);
                });
        assertThat(store.get(HeldAcrossReplicas.ASK, CALL)).as("the withdrawn answers are gone").isEmpty();
    }

    @Test
    void theHoldingReplicasRefusalIsAnsweredAsItsOwnAndNothingIsLeft() throws Exception {
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            try {
                byte[] ask = awaitAsk();
                assertThat(store.replace(HeldAcrossReplicas.ASK, CALL, ask, HeldAcrossReplicas.TAKEN)).isTrue();
                store.put(HeldAcrossReplicas.ASK, CALL, HeldAcrossReplicas.refusal(OpenAiError.invalid("input",
                        "codex waits for the answer to call_bergen too")));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> relay(answer("snow"), null))
                .isInstanceOfSatisfying(OpenAiError.class, e -> {
                    assertThat(e.status).isEqualTo(400);
                    assertThat(e.param).isEqualTo("input");
                    assertThat(e.getMessage()).contains("call_bergen");
                });
        holder.get(5, TimeUnit.SECONDS);
        assertThat(store.get(HeldAcrossReplicas.ASK, CALL)).isEmpty();
    }

    @Test
    void answersLeftAlreadyForTheSameQuestionAreBusyAndLeftAlone() {
        byte[] first = "{\"state\":\"asked\",\"api\":\"RESPONSES\",\"principal\":\"alice\",\"id\":\"resp_1\",\"body\":{}}".getBytes(StandardCharsets.UTF_8);
        store.put(HeldAcrossReplicas.ASK, CALL, first);
        assertThatThrownBy(() -> relay(answer("snow"), null))
                .isInstanceOfSatisfying(OpenAiError.class, e -> {
                    assertThat(e.status).isEqualTo(429);
                    assertThat(e.retryAfterSeconds).isNotNull();
                });
        assertThat(store.get(HeldAcrossReplicas.ASK, CALL)).hasValueSatisfying(v -> assertThat(v).isEqualTo(first));
    }

    @Test
    void takenAnswersAreAnsweredFromTheHoldersResponseOnceItEndedAndStreamedWhole() throws Exception {
        CompletableFuture<String> holder = CompletableFuture.supplyAsync(() -> {
            try {
                byte[] ask = awaitAsk();
                JsonNode asked = Json.parse(new String(ask, StandardCharsets.UTF_8));
                assertThat(asked.path("principal").asText()).isEqualTo("alice");
                assertThat(asked.at("/body/input/0/output").asText()).isEqualTo("snow");
                assertThat(asked.path("api").asText()).isEqualTo("RESPONSES");
                String id = asked.path("id").asText();
                assertThat(store.replace(HeldAcrossReplicas.ASK, CALL, ask, HeldAcrossReplicas.TAKEN)).isTrue();
                records.running(response(id, "in_progress", "Sn"), () -> true);
                store.delete(HeldAcrossReplicas.ASK, CALL);
                Thread.sleep(500);
                records.put(response(id, "completed", "Snow in Tromso."));
                return id;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        SseStream events = new SseStream();
        ObjectNode answered = relay(answer("snow"), events).get(10, TimeUnit.SECONDS);
        String id = holder.get(5, TimeUnit.SECONDS);
        assertThat(answered.path("id").asText()).isEqualTo(id);
        assertThat(answered.path("status").asText()).as("answered once it ended, not as it stood").isEqualTo("completed");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        events.writeTo(out, SseStream::typed, "");
        String stream = out.toString(StandardCharsets.UTF_8);
        List<String> types = stream.lines().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).toList();
        assertThat(types.get(0)).isEqualTo("response.created");
        assertThat(types.get(types.size() - 1)).isEqualTo("response.completed");
        assertThat(stream).contains("\"delta\":\"Snow in Tromso.\"");
    }

    @Test
    void aChatCompletionIsAnsweredFromTheHoldersResultWhileItWritesThatItRunsAndTheResultIsThenGone() throws Exception {
        JsonNode body = Json.parse("{\"model\":\"codex\",\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"" + CALL + "\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"weather\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"" + CALL
                + "\",\"content\":\"snow\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        CompletableFuture<String> holder = CompletableFuture.supplyAsync(() -> {
            try {
                byte[] ask = awaitAsk();
                JsonNode asked = Json.parse(new String(ask, StandardCharsets.UTF_8));
                assertThat(asked.path("api").asText()).isEqualTo("CHAT");
                String id = asked.path("id").asText();
                assertThat(store.replace(HeldAcrossReplicas.ASK, CALL, ask, HeldAcrossReplicas.TAKEN)).isTrue();
                store.put(HeldAcrossReplicas.RESULT, id, ("{\"state\":\"running\",\"at_ms\":" + System.currentTimeMillis() + "}")
                        .getBytes(StandardCharsets.UTF_8));
                store.delete(HeldAcrossReplicas.ASK, CALL);
                Thread.sleep(500);
                ObjectNode completion = Json.object().put("id", id).put("object", "chat.completion").put("model", "codex");
                ObjectNode choice = completion.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
                choice.putObject("message").put("role", "assistant").put("content", "Snow in Tromso.");
                completion.putObject("usage").put("prompt_tokens", 3).put("completion_tokens", 4).put("total_tokens", 7);
                ObjectNode done = Json.object().put("state", "done");
                done.set("answer", completion);
                store.put(HeldAcrossReplicas.RESULT, id, Json.write(done).getBytes(StandardCharsets.UTF_8));
                return id;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        SseStream events = new SseStream();
        ObjectNode answered = relays.handOvers().chat("alice", body, ChatRequest.of(body), events).get(10, TimeUnit.SECONDS);
        String id = holder.get(5, TimeUnit.SECONDS);
        assertThat(answered.at("/choices/0/message/content").asText()).isEqualTo("Snow in Tromso.");
        assertThat(store.get(HeldAcrossReplicas.RESULT, id)).as("the result, read, is gone").isEmpty();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        events.writeTo(out, SseStream::data, "data: [DONE]\n\n");
        String stream = out.toString(StandardCharsets.UTF_8);
        assertThat(stream).contains("\"content\":\"Snow in Tromso.\"").contains("\"total_tokens\":7").endsWith("data: [DONE]\n\n");
    }

    @Test
    void aChatCompletionWhoseHolderStoppedWritingThatItRunsIsAFailureThatMayHaveRun() throws Exception {
        JsonNode body = Json.parse("{\"model\":\"codex\",\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + CALL + "\",\"content\":\"snow\"}]}");
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            try {
                byte[] ask = awaitAsk();
                String id = Json.parse(new String(ask, StandardCharsets.UTF_8)).path("id").asText();
                store.replace(HeldAcrossReplicas.ASK, CALL, ask, HeldAcrossReplicas.TAKEN);
                // its last word, older than a running record may be: the holder went with its turn
                long stale = System.currentTimeMillis() - StoredResponseRecords.RUNNING_GONE.toMillis() - 1_000;
                store.put(HeldAcrossReplicas.RESULT, id, ("{\"state\":\"running\",\"at_ms\":" + stale + "}")
                        .getBytes(StandardCharsets.UTF_8));
                store.delete(HeldAcrossReplicas.ASK, CALL);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture<ObjectNode> answer = relays.handOvers().chat("alice", body, ChatRequest.of(body), null);
        holder.get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> answer.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(OpenAiError.class)
                .satisfies(e -> {
                    OpenAiError error = (OpenAiError) e.getCause();
                    assertThat(error.status).isEqualTo(500);
                    assertThat(error.mayRetry).as("it may have run: not to be sent again by the SDK").isFalse();
                });
    }
}
