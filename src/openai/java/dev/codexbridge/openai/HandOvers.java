package dev.codexbridge.openai;

import static dev.codexbridge.openai.HeldAcrossReplicas.ASK;
import static dev.codexbridge.openai.HeldAcrossReplicas.RESULT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DoorRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica a caller's answers reached when it does not hold their turn (decision 0136): leaves
 * them in the store for the replica holding it ({@link HeldAcrossReplicas}), waits until that one
 * took them, and answers its caller from what it writes back — the response's record, or a chat
 * completion's {@link HeldAcrossReplicas#RESULT}. Answers nobody takes within {@link #TAKE_WAIT}
 * are withdrawn by the same compare-and-set that takes them, and answered 404 as an answer no
 * held turn waits for.
 */
final class HandOvers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HandOvers.class);
    /** How long answers wait to be taken by the replica holding their turn before they are withdrawn (404). */
    static final Duration TAKE_WAIT = Duration.ofSeconds(3);
    /** How long the answer's first record may take to appear once the holding replica took the answers. */
    static final Duration START_WAIT = Duration.ofSeconds(10);
    /** How often the asking replica reads what the holding replica writes back. */
    static final Duration READ_EVERY = Duration.ofMillis(100);
    /** How often the asking replica looks whether its answers were taken. */
    private static final Duration TAKE_LOOK = Duration.ofMillis(50);
    private static final byte[] WITHDRAWN = HeldAcrossReplicas.state("withdrawn").getBytes(StandardCharsets.UTF_8);

    private final DoorRecords store;
    private final ResponseRecords records;
    private final StoreLooks looks;
    private final Set<CompletableFuture<ObjectNode>> waiting = new HashSet<>();
    private boolean closed;

    HandOvers(DoorRecords store, ResponseRecords records, StoreLooks looks) {
        this.store = store;
        this.records = records;
        this.looks = looks;
    }

    /**
     * Hands {@code principal}'s answers ({@code request}, whose raw {@code body} it is) to the
     * replica holding their turn, and answers from the response it runs: a future completed with
     * the response once it ended (at once for a background one), and {@code events} given its
     * events then. Throws {@link NotTaken} when no replica takes them within {@link #TAKE_WAIT},
     * and the holding replica's refusal when it refused them.
     */
    CompletableFuture<ObjectNode> response(String principal, JsonNode body, ResponseRequest request, @Nullable SseStream events) {
        String responseId = Ids.next("resp_");
        handOver(principal, HeldAcrossReplicas.Api.RESPONSES, body, request.answers().keySet().iterator().next(), responseId);
        CompletableFuture<ObjectNode> answer = waiting();
        long startBy = System.nanoTime() + START_WAIT.toNanos();
        looks.repeatUntil(READ_EVERY, () -> {
            Optional<ResponseRecords.Entry> entry;
            try {
                entry = records.get(principal, responseId);
            } catch (OpenAiError away) {
                return false;       // the store did not answer this time: read again
            }
            if (entry.isEmpty()) {
                return startedIn(startBy, answer);
            }
            ObjectNode response = (ObjectNode) entry.get().response();
            if (BackgroundAcrossReplicas.running(response) && !request.background()) {
                return false;
            }
            if (!request.store() && !BackgroundAcrossReplicas.running(response)) {
                try {
                    records.delete(principal, responseId);      // written only to carry it here
                } catch (OpenAiError away) {
                    LOG.info("response {} (store false) is left in the store: {}", responseId, away.getMessage());
                }
            }
            answer.complete(response);
            return true;
        });
        answer.whenComplete((response, failed) -> {
            if (events == null) {
                return;
            }
            if (response != null && request.background() && BackgroundAcrossReplicas.running(response)) {
                streamWhenEnded(principal, responseId, events);
                return;
            }
            if (response != null) {
                KeyedRequests.responseEvents(response, events);
            } else {
                events.add(Json.object().put("type", "error").put("code", "server_error").put("message", failed.getMessage()));
            }
            events.end();
        });
        return answer;
    }

    /**
     * Hands {@code principal}'s tool messages ({@code request}, whose raw {@code body} it is) to the
     * replica holding their turn, and answers with the chat completion it writes back: a future
     * completed with it, and {@code events} given it as chunks. Refusals as {@link #response}'s.
     */
    CompletableFuture<ObjectNode> chat(String principal, JsonNode body, ChatRequest request, @Nullable SseStream events) {
        String id = Ids.next("chatcmpl-");
        handOver(principal, HeldAcrossReplicas.Api.CHAT, body, request.answers().keySet().iterator().next(), id);
        CompletableFuture<ObjectNode> answer = waiting();
        long startBy = System.nanoTime() + START_WAIT.toNanos();
        looks.repeatUntil(READ_EVERY, () -> {
            JsonNode result;
            try {
                Optional<byte[]> value = store.get(RESULT, id);
                if (value.isEmpty()) {
                    return startedIn(startBy, answer);
                }
                result = Json.parse(new String(value.get(), StandardCharsets.UTF_8));
            } catch (ConversationStoreException away) {
                return false;       // the store did not answer this time: read again
            }
            String state = result.path("state").asText();
            if (state.equals("running") && System.currentTimeMillis() - result.path("at_ms").asLong()
                    <= StoredResponseRecords.RUNNING_GONE.toMillis()) {
                return false;
            }
            forget(RESULT, id);     // before the caller hears: nothing of it is left once it is answered
            switch (state) {
                case "running" -> answer.completeExceptionally(Turns.unfollowed(new IllegalStateException("the server running the turn "
                        + "stopped writing that it runs")));
                case "done" -> answer.complete((ObjectNode) result.path("answer"));
                default -> answer.completeExceptionally(HeldAcrossReplicas.refused(result));
            }
            return true;
        });
        answer.whenComplete((completion, failed) -> {
            if (events == null) {
                return;
            }
            if (completion != null) {
                KeyedRequests.chatChunks(completion, request.includeUsage(), events);
            } else {
                // the SDKs read a data line holding "error" as the stream's failure
                events.add((failed instanceof OpenAiError e ? e : Turns.unfollowed(failed)).body());
            }
            events.end();
        });
        return answer;
    }

    /** Whether waiting for the first record must end: none came by {@code startBy}, which {@code answer} is told. */
    private static boolean startedIn(long startBy, CompletableFuture<ObjectNode> answer) {
        if (System.nanoTime() - startBy > 0) {
            answer.completeExceptionally(Turns.unfollowed(new IllegalStateException("the server holding the turn took the answers and "
                    + "wrote no answer within " + START_WAIT.toSeconds() + " s")));
            return true;
        }
        return false;
    }

    /** A caller's wait for a turn another replica runs: told it could not be followed if this door closes first. */
    private CompletableFuture<ObjectNode> waiting() {
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                answer.completeExceptionally(closedWhileWaiting());
                return answer;
            }
            waiting.add(answer);
        }
        answer.whenComplete((a, e) -> {
            synchronized (this) {
                waiting.remove(answer);
            }
        });
        return answer;
    }

    /** Leaves the answers for {@code first} in the store under hand-over {@code id}, and returns once the holding replica took them. */
    private void handOver(String principal, HeldAcrossReplicas.Api api, JsonNode body, String first, String id) {
        byte[] ask = Json.write(Json.object().put("state", "asked").put("api", api.name()).put("principal", principal).put("id", id)
                .set("body", body)).getBytes(StandardCharsets.UTF_8);
        try {
            if (!store.replace(ASK, first, null, ask)) {
                throw OpenAiError.busy("conversation_busy", "another request answers this turn now; nothing was run: send this again "
                        + "once it has answered", 1);
            }
        } catch (IllegalArgumentException tooLarge) {
            throw OpenAiError.invalid(api.param, "the answers are too large to hand to the server holding their turn ("
                    + tooLarge.getMessage() + "); send them to that server");
        } catch (ConversationStoreException e) {
            throw OpenAiError.unavailable("store_unavailable", "the conversation store did not answer; nothing was run: send this again",
                    2);
        }
        try {
            awaitTaken(first, ask, api.param);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Turns.unfollowed(e);
        }
    }

    /**
     * Waits until the holding replica took the answers {@code ask} left under {@code id} and went
     * on with the turn; withdraws them (404 naming {@code param}) when none took them in time, and
     * throws its refusal when it refused them.
     */
    private void awaitTaken(String id, byte[] ask, String param) throws InterruptedException {
        long takeBy = System.nanoTime() + TAKE_WAIT.toNanos();
        long takenAt = 0;
        while (true) {
            JsonNode state;
            try {
                Optional<byte[]> now = store.get(ASK, id);
                if (now.isEmpty()) {
                    return;     // taken, and the turn went on
                }
                state = Json.parse(new String(now.get(), StandardCharsets.UTF_8));
            } catch (ConversationStoreException e) {
                state = Json.object();      // not known this time: looked at again
            }
            switch (state.path("state").asText()) {
                case "refused" -> {
                    forget(ASK, id);
                    throw HeldAcrossReplicas.refused(state);
                }
                case "taken" -> {
                    if (takenAt == 0) {
                        takenAt = System.nanoTime();
                    } else if (System.nanoTime() - takenAt > START_WAIT.toNanos()) {
                        throw Turns.unfollowed(new IllegalStateException("the server holding the turn took the answers and did not "
                                + "go on within " + START_WAIT.toSeconds() + " s"));
                    }
                }
                default -> {
                    if (System.nanoTime() - takeBy > 0 && withdrawn(id, ask)) {
                        throw new NotTaken(ResponsesApi.waitsFor(id, Set.of(), param));
                    }
                }
            }
            Thread.sleep(TAKE_LOOK.toMillis());
        }
    }

    /** Withdraws the answers {@code ask} left under {@code id}, unless the holding replica took them first. */
    private boolean withdrawn(String id, byte[] ask) {
        try {
            if (!store.replace(ASK, id, ask, WITHDRAWN)) {
                return false;
            }
            store.delete(ASK, id);
            return true;
        } catch (ConversationStoreException e) {
            throw OpenAiError.afterStart("the conversation store did not answer while the answers were handed to the server holding "
                    + "their turn; they may have been taken: read the conversation before sending them again");
        }
    }

    /** Deletes a record read and answered; one the store does not delete now goes at the end of its window. */
    private void forget(String kind, String key) {
        try {
            store.delete(kind, key);
        } catch (ConversationStoreException e) {
            LOG.debug("{} {} stays until its window ends: {}", kind, key, e.getMessage());
        }
    }

    /** {@code events} get the response {@code responseId} runs elsewhere as it ended. */
    private void streamWhenEnded(String principal, String responseId, SseStream events) {
        looks.repeatUntil(READ_EVERY, () -> {
            Optional<ResponseRecords.Entry> entry;
            try {
                entry = records.get(principal, responseId);
            } catch (OpenAiError away) {
                return false;
            }
            if (entry.isPresent() && BackgroundAcrossReplicas.running(entry.get().response())) {
                return false;
            }
            entry.ifPresent(e -> KeyedRequests.responseEvents(e.response(), events));
            events.end();
            return true;
        });
    }

    /**
     * Answers no replica took within {@link #TAKE_WAIT}, withdrawn: no turn waits for them anywhere
     * (its wait ran out, or the replica holding it stopped). {@code refusal} is the 404 to answer
     * unless the door gives them to codex otherwise ({@link LateOutputs}).
     */
    static final class NotTaken extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final transient OpenAiError refusal;

        NotTaken(OpenAiError refusal) {
            super(refusal.getMessage(), null, false, false);
            this.refusal = refusal;
        }
    }

    private static OpenAiError closedWhileWaiting() {
        return Turns.unfollowed(new IllegalStateException("this server closed while another one ran the turn"));
    }

    /** A caller still waiting for a turn another replica runs is told it could not be followed. */
    @Override
    public void close() {
        List<CompletableFuture<ObjectNode>> left;
        synchronized (this) {
            closed = true;
            left = new ArrayList<>(waiting);
            waiting.clear();
        }
        left.forEach(w -> w.completeExceptionally(closedWhileWaiting()));
    }
}
