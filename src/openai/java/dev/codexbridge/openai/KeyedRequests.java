package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.callers.Drain;
import dev.codexbridge.callers.Resends;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.SendKey;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The door's requests sent with an {@code Idempotency-Key} header (decision 0117; docs/openai.md,
 * "Sending again"): the first request with a key runs and its answer — the response, the chat
 * completion or the error — is kept ({@link Resends}); a copy of it (the same key, the same
 * request, from the same principal) is answered with that answer, streamed when the copy asks for
 * a stream, and never runs a second turn. The key is the principal's: another principal's request
 * of the same key is its own.
 */
final class KeyedRequests {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KeyedRequests.class);
    /** The header the caller sends the key in, as OpenAI's APIs and the IETF draft name it. */
    static final String HEADER = "Idempotency-Key";
    /** The send records' scope: this door's. */
    static final String SCOPE = "openai";

    private final Resends resends;
    /** The door's calls in flight: a copy's wait for the first's answer is one, and ends "send again later" once the door stops. */
    private final Drain draining;

    KeyedRequests(Resends resends, Drain draining) {
        this.resends = resends;
        this.draining = draining;
    }

    /**
     * The send of a request with {@code key} on {@code api} ({@code responses}, {@code chat}); null
     * without a key. A copy's send carries the first's {@link Resends.Send#answer}.
     */
    Resends.@Nullable Send begin(String principal, String api, @Nullable String key, JsonNode body) {
        if (key == null) {
            return null;
        }
        if (!SendKey.validKey(key)) {
            throw new OpenAiError(400, "invalid_request_error", null, "invalid_idempotency_key", "the Idempotency-Key header is 1 to "
                    + SendKey.MAX_KEY_CHARS + " printable ASCII characters; nothing was run", null, false);
        }
        Runnable leave = draining.enter();
        try {
            return resends.begin(new SendKey(SCOPE, principal, key), fingerprint(api, body),
                    () -> outcome(OpenAiError.afterStart("the request first sent with this idempotency key was served by a replica that "
                            + "stopped while codex ran it: codex may have run it, and it is not run again; read the conversation, and send "
                            + "a new request with a new key")), draining::stopping);
        } catch (Resends.Mismatch e) {
            throw new OpenAiError(422, "invalid_request_error", null, "idempotency_key_reused", e.getMessage() + "; nothing was run", null,
                    false);
        } catch (Resends.StillRunning e) {
            // the draft's answer for a key whose first request is still being processed; the SDKs retry it after retry-after
            throw new OpenAiError(409, "invalid_request_error", null, "idempotency_key_in_use", e.getMessage(), 2, true);
        } catch (dev.codexbridge.store.ConversationStoreException e) {
            throw OpenAiError.unavailable("store_unavailable", "the conversation store did not answer; nothing was run: send this again", 2);
        } finally {
            leave.run();
        }
    }

    /** The first was refused before or as codex was asked: a refusal with nothing run lets a copy run it; one after codex may have run is its answer. */
    static void refused(Resends.@Nullable Send send, RuntimeException e) {
        if (send == null) {
            return;
        }
        try {
            if (e instanceof OpenAiError error && (error.status < 500 || error.mayRetry)) {
                send.notRun();
            } else if (e instanceof OpenAiError error) {
                send.answered(outcome(error), KeyedRequests::tooLarge);
            } else {
                send.close();
            }
        } catch (RuntimeException unkept) {
            // the caller is told of its request's own failure; the record's hold runs out, and a copy is told it may have run
            LOG.warn("what became of a request sent with an idempotency key could not be kept: {}", unkept.toString());
        }
    }

    /** The first's answer, kept for its copies once it comes. */
    static void keep(Resends.@Nullable Send send, CompletableFuture<ObjectNode> answer) {
        if (send == null) {
            return;
        }
        answer.whenComplete((json, failure) -> {
            Throwable why = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            try {
                send.answered(json != null ? outcome(json) : outcome(why instanceof OpenAiError known ? known : Turns.unfollowed(why)),
                        KeyedRequests::tooLarge);
            } catch (RuntimeException unkept) {
                // copies on this replica have it; elsewhere the record's hold runs out, and a copy is told it may have run
                LOG.warn("the answer to a request sent with an idempotency key could not be kept: {}", unkept.toString());
            }
        });
    }

    /** A response (200) as kept. */
    private static String outcome(ObjectNode body) {
        ObjectNode o = Json.object().put("status", 200);
        o.set("body", body);
        return Json.write(o);
    }

    /** An error as kept: its status, body and retry headers, given again as they were. */
    static String outcome(OpenAiError e) {
        ObjectNode o = Json.object().put("status", e.status);
        o.set("body", e.body());
        o.put("type", e.type).put("mayRetry", e.mayRetry);
        if (e.retryAfterSeconds != null) {
            o.put("retryAfter", e.retryAfterSeconds);
        }
        return Json.write(o);
    }

    private static String tooLarge() {
        return outcome(OpenAiError.afterStart("the answer to the request first sent with this idempotency key ran, but was too large to "
                + "keep for its copies: read it from the conversation"));
    }

    /** A copy's answer: the kept one as a whole body, or — for a copy that asks for a stream — as the API's events. */
    record Kept(int status, JsonNode body, @Nullable OpenAiError error) {
        static Kept of(String outcome) {
            JsonNode o = Json.parse(outcome);
            int status = o.path("status").asInt(500);
            if (status == 200) {
                return new Kept(status, o.path("body"), null);
            }
            JsonNode e = o.path("body").path("error");
            return new Kept(status, o.path("body"), new OpenAiError(status, o.path("type").asText("server_error"), text(e, "param"),
                    text(e, "code"), e.path("message").asText(), o.hasNonNull("retryAfter") ? o.path("retryAfter").asInt() : null,
                    o.path("mayRetry").asBoolean(false)));
        }
    }

    private static @Nullable String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.path(field).asText() : null;
    }

    /**
     * What a copy must match: the API, and the request's body with its members in order, without
     * {@code stream} and {@code stream_options} (a copy may ask for the same answer streamed or
     * not).
     */
    static String fingerprint(String api, @Nullable JsonNode body) {
        JsonNode b = body == null ? Json.object() : body.deepCopy();
        if (b instanceof ObjectNode o) {
            o.remove("stream");
            o.remove("stream_options");
        }
        return Resends.fingerprint(api, b);
    }

    /** A kept response as the Responses API streams one: created, in progress, each output item, its end. */
    static void responseEvents(JsonNode response, SseStream events) {
        int[] seq = {0};
        ObjectNode started = response.deepCopy();
        started.put("status", "in_progress");
        started.putArray("output");
        events.add(event("response.created", seq).set("response", started));
        events.add(event("response.in_progress", seq).set("response", started.deepCopy()));
        JsonNode output = response.path("output");
        for (int i = 0; i < output.size(); i++) {
            JsonNode item = output.get(i);
            ObjectNode added = event("response.output_item.added", seq).put("output_index", i);
            added.set("item", item);
            events.add(added);
            if (item.path("type").asText().equals("message")) {
                String text = item.at("/content/0/text").asText("");
                String id = item.path("id").asText();
                ObjectNode part = event("response.content_part.added", seq).put("item_id", id).put("output_index", i).put("content_index", 0);
                part.set("part", OutputItems.textPart(""));
                events.add(part);
                events.add(textEvent("response.output_text.delta", seq, id, i).put("delta", text));
                events.add(textEvent("response.output_text.done", seq, id, i).put("text", text));
                ObjectNode partDone = event("response.content_part.done", seq).put("item_id", id).put("output_index", i).put("content_index", 0);
                partDone.set("part", OutputItems.textPart(text));
                events.add(partDone);
            }
            ObjectNode done = event("response.output_item.done", seq).put("output_index", i);
            done.set("item", item);
            events.add(done);
        }
        events.add(event(ResponseTurn.endEvent(response.path("status").asText("completed")), seq).set("response", response));
        events.end();
    }

    /** A kept chat completion as Chat Completions streams one: the role and the whole text or calls, the finish, the usage. */
    static void chatChunks(JsonNode completion, boolean usage, SseStream events) {
        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        ObjectNode delta = Json.object().put("role", "assistant").put("content", message.path("content").asText(""));
        if (message.path("tool_calls").isArray()) {
            ArrayNode calls = delta.putArray("tool_calls");
            for (int i = 0; i < message.path("tool_calls").size(); i++) {
                calls.add(((ObjectNode) message.path("tool_calls").get(i).deepCopy()).put("index", i));
            }
        }
        events.add(chunk(completion, delta, null));
        events.add(chunk(completion, Json.object(), choice.path("finish_reason").asText("stop")));
        if (usage) {
            ObjectNode last = chunk(completion, Json.object(), null);
            last.putArray("choices");
            last.set("usage", completion.path("usage"));
            events.add(last);
        }
        events.end();
    }

    private static ObjectNode chunk(JsonNode completion, ObjectNode delta, @Nullable String finish) {
        ObjectNode c = Json.object().put("id", completion.path("id").asText()).put("object", "chat.completion.chunk")
                .put("created", completion.path("created").asLong()).put("model", completion.path("model").asText());
        c.putNull("system_fingerprint");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        return c;
    }

    private static ObjectNode event(String type, int[] seq) {
        return Json.object().put("type", type).put("sequence_number", seq[0]++);
    }

    private static ObjectNode textEvent(String type, int[] seq, String itemId, int index) {
        ObjectNode e = event(type, seq).put("item_id", itemId).put("output_index", index).put("content_index", 0);
        e.putArray("logprobs");
        return e;
    }
}
