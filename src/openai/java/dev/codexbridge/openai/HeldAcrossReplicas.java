package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DoorRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A turn held for its caller's answers (function outputs, approval responses) answered through
 * another replica sharing the store (decision 0136). The replica the answers reach, not holding the
 * turn, leaves them in the store under the first question's id ({@link #ASK}); the replica holding
 * it looks for answers to its held questions every {@link #LOOK_EVERY}, takes them by one
 * compare-and-set, and goes on with the turn as if they had reached it — under the response id the
 * asking replica chose, writing the response as it stands while it runs, as a background response
 * is written. The asking replica answers its caller from that record once the response ended (or at
 * once, for a background one). Answers nobody takes within {@link #TAKE_WAIT} are withdrawn the same
 * way and answered 404, as an answer no held turn waits for.
 */
final class HeldAcrossReplicas implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeldAcrossReplicas.class);
    /** Answers sent to a replica not holding their turn, under the first question's id. */
    static final String ASK = "openai.held-answer";
    /** How often the replica holding turns looks for answers other replicas left for them. */
    static final Duration LOOK_EVERY = Duration.ofMillis(200);
    /** How long answers wait to be taken by the replica holding their turn before they are withdrawn (404). */
    static final Duration TAKE_WAIT = Duration.ofSeconds(3);
    /** How long the response's first record may take to appear once the holding replica took the answers. */
    static final Duration START_WAIT = Duration.ofSeconds(10);
    /** How often the asking replica reads the response the holding replica runs. */
    static final Duration READ_EVERY = Duration.ofMillis(100);

    static final byte[] TAKEN = state("taken").getBytes(StandardCharsets.UTF_8);
    private static final byte[] WITHDRAWN = state("withdrawn").getBytes(StandardCharsets.UTF_8);

    /** Runs answers taken from the store on this replica: {@code principal}'s request {@code body} as response {@code responseId}. */
    interface Runner {
        void run(String principal, JsonNode body, String responseId);
    }

    /** A question of a turn held here, for the look: whose it is, and the conversation that waits for it. */
    private record Held(String principal, Conversation conversation) {
    }

    private final @Nullable DoorRecords store;
    private final ResponseRecords records;
    private volatile Runner runner = (principal, body, responseId) -> {
        throw new IllegalStateException("no runner");
    };
    // guarded by this
    private final Map<String, Held> held = new HashMap<>();
    private final Set<CompletableFuture<ObjectNode>> relaying = new HashSet<>();
    private boolean looking;
    private boolean closed;
    private final StoreLooks looks = new StoreLooks("codex-bridge-openai-held");

    /** {@code store}: the door records every replica shares; null when this door shares none (nothing is relayed). */
    HeldAcrossReplicas(@Nullable DoorRecords store, ResponseRecords records) {
        this.store = store;
        this.records = records;
    }

    void runWith(Runner runner) {
        this.runner = runner;
    }

    /** Whether answers for a turn held elsewhere can reach it: the door shares a store. */
    boolean shared() {
        return store != null;
    }

    private static String state(String state) {
        return Json.write(Json.object().put("state", state));
    }

    // ---- the replica holding the turn

    /** {@code principal}'s turn on {@code c} waits for {@code questions}: answers left for them in the store are looked for. */
    void awaiting(String principal, Conversation c, List<HeldTurn.Question> questions) {
        if (store == null || questions.isEmpty()) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            questions.forEach(q -> held.put(q.id(), new Held(principal, c)));
            if (looking) {
                return;
            }
            looking = true;
        }
        looks.schedule(this::look, LOOK_EVERY);
    }

    /** One look for answers left for this replica's held questions; again while any is held. */
    private void look() {
        Map<String, Held> now;
        synchronized (this) {
            held.entrySet().removeIf(e -> !e.getValue().conversation().held.awaits(e.getKey()));
            if (held.isEmpty() || closed) {
                looking = false;
                return;
            }
            now = new HashMap<>(held);
        }
        try {
            List<String> ids = new ArrayList<>(now.keySet());
            for (int from = 0; from < ids.size(); from += dev.codexbridge.store.spi.DoorRecordChecks.MAX_KEYS) {
                List<String> some = ids.subList(from, Math.min(ids.size(), from + dev.codexbridge.store.spi.DoorRecordChecks.MAX_KEYS));
                store.getAll(ASK, some).forEach((id, value) -> take(id, value, now.get(id)));
            }
        } catch (ConversationStoreException e) {
            LOG.debug("answers for turns held here could not be looked for ({}): looked for again in {} ms", e.getMessage(),
                    LOOK_EVERY.toMillis());
        } catch (RuntimeException e) {
            LOG.warn("a look for answers to turns held here failed; looked for again in {} ms", LOOK_EVERY.toMillis(), e);
        }
        looks.schedule(this::look, LOOK_EVERY);
    }

    /** Takes the answers {@code value} left for question {@code id} when they are {@code h}'s principal's, and goes on with the turn. */
    private void take(String id, byte[] value, @Nullable Held h) {
        JsonNode ask;
        try {
            ask = Json.parse(new String(value, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return;
        }
        // another principal's answers are left alone: the replica that left them withdraws them and answers 404
        if (h == null || !ask.path("state").asText().equals("asked") || !ask.path("principal").asText().equals(h.principal())) {
            return;
        }
        if (!store.replace(ASK, id, value, TAKEN)) {
            return;     // withdrawn meanwhile, or taken by another look
        }
        String responseId = ask.path("response").asText();
        LOG.info("the answers to {} sent to another replica go on with the turn held here, as response {}", id, responseId);
        try {
            runner.run(h.principal(), ask.path("body"), responseId);
            store.delete(ASK, id);
        } catch (OpenAiError refused) {
            store.put(ASK, id, refusal(refused));
        } catch (RuntimeException e) {
            LOG.warn("the answers to {} sent to another replica could not go on with the turn held here", id, e);
            store.put(ASK, id, refusal(Turns.unfollowed(e)));
        }
    }

    static byte[] refusal(OpenAiError e) {
        ObjectNode r = Json.object().put("state", "refused").put("status", e.status).put("type", e.type).put("param", e.param)
                .put("code", e.code).put("message", e.getMessage()).put("may_retry", e.mayRetry);
        if (e.retryAfterSeconds != null) {
            r.put("retry_after", e.retryAfterSeconds);
        }
        return Json.write(r).getBytes(StandardCharsets.UTF_8);
    }

    private static OpenAiError refused(JsonNode r) {
        return new OpenAiError(r.path("status").asInt(500), r.path("type").asText("server_error"), r.path("param").textValue(),
                r.path("code").textValue(), r.path("message").asText(), r.has("retry_after") ? r.path("retry_after").asInt() : null,
                r.path("may_retry").asBoolean(false));
    }

    // ---- the replica the answers reached

    /**
     * Sends {@code principal}'s answers ({@code request}, whose raw {@code body} it is) to the
     * replica holding their turn, and answers from the response it runs: a future completed with
     * the response once it ended (at once for a background one), and {@code events} given its
     * events then. Throws the refusal to answer when no replica takes them within
     * {@link #TAKE_WAIT} (404, as an answer no turn waits for), or the holding replica refused them.
     */
    CompletableFuture<ObjectNode> relay(String principal, JsonNode body, ResponseRequest request, @Nullable SseStream events) {
        String first = request.answers().keySet().iterator().next();
        String responseId = Ids.next("resp_");
        byte[] ask = Json.write(Json.object().put("state", "asked").put("principal", principal).put("response", responseId)
                .set("body", body)).getBytes(StandardCharsets.UTF_8);
        try {
            if (!store.replace(ASK, first, null, ask)) {
                throw OpenAiError.busy("conversation_busy", "another request answers this turn now; nothing was run: send this again "
                        + "once it has answered", 1);
            }
        } catch (IllegalArgumentException tooLarge) {
            throw OpenAiError.invalid("input", "the answers are too large to hand to the server holding their turn ("
                    + tooLarge.getMessage() + "); send them to that server");
        } catch (ConversationStoreException e) {
            throw OpenAiError.unavailable("store_unavailable", "the conversation store did not answer; nothing was run: send this again",
                    2);
        }
        try {
            awaitTaken(first, ask);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Turns.unfollowed(e);
        }
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        synchronized (this) {
            relaying.add(answer);
        }
        long startBy = System.nanoTime() + START_WAIT.toNanos();
        looks.repeatUntil(READ_EVERY, () -> {
            Optional<ResponseRecords.Entry> entry;
            try {
                entry = records.get(principal, responseId);
            } catch (OpenAiError away) {
                return false;       // the store did not answer this time: read again
            }
            if (entry.isEmpty()) {
                if (System.nanoTime() - startBy > 0) {
                    answer.completeExceptionally(Turns.unfollowed(new IllegalStateException("the server holding the turn took the "
                            + "answers and wrote no response within " + START_WAIT.toSeconds() + " s")));
                    return true;
                }
                return false;
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
            synchronized (this) {
                relaying.remove(answer);
            }
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
     * Waits until the holding replica took the answers {@code ask} left under {@code id} and went
     * on with the turn; withdraws them (404) when none took them in time, and throws its refusal
     * when it refused them.
     */
    private void awaitTaken(String id, byte[] ask) throws InterruptedException {
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
                    try {
                        store.delete(ASK, id);
                    } catch (ConversationStoreException e) {
                        LOG.debug("a refusal left for {} stays until its window ends: {}", id, e.getMessage());
                    }
                    throw refused(state);
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
                        throw ResponsesApi.waitsFor(id, Set.of(), "input");
                    }
                }
            }
            Thread.sleep(50);
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

    /** Stops looking and reading; a caller still waiting for a response another replica runs is told it could not be followed. */
    @Override
    public void close() {
        List<CompletableFuture<ObjectNode>> waiting;
        synchronized (this) {
            closed = true;
            looks.close();
            held.clear();
            waiting = new ArrayList<>(relaying);
            relaying.clear();
        }
        waiting.forEach(w -> w.completeExceptionally(Turns.unfollowed(new IllegalStateException("this server closed while another one "
                + "ran the turn"))));
    }
}
