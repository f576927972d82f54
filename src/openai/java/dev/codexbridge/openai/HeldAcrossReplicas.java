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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A turn held for its caller's answers (function outputs, approval responses, tool messages)
 * answered through another replica sharing the store (decision 0136). The replica the answers
 * reach, not holding the turn, leaves them in the store under the first question's id
 * ({@link #ASK}; {@link HandOvers}); the replica holding it — this class — looks for answers to its
 * held questions every {@link #LOOK_EVERY}, takes them by one compare-and-set, and goes on with the
 * turn as if they had reached it. A response's record carries the Responses API's answer back (the
 * response is written as it stands while it runs, as a background response is); a chat
 * completion's goes back in a record of its own ({@link #RESULT}), refreshed while the turn runs.
 */
final class HeldAcrossReplicas implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeldAcrossReplicas.class);
    /** Answers sent to a replica not holding their turn, under the first question's id. */
    static final String ASK = "openai.held-answer";
    /** A chat completion's answer to answers handed over, under the hand-over's id: running, then done or refused. */
    static final String RESULT = "openai.held-result";
    /** How often the replica holding turns looks for answers other replicas left for them. */
    static final Duration LOOK_EVERY = Duration.ofMillis(200);
    /** How often a chat completion handed over writes that it still runs. */
    static final Duration RUNNING_EVERY = BackgroundAcrossReplicas.RUNNING_EVERY;

    static final byte[] TAKEN = state("taken").getBytes(StandardCharsets.UTF_8);

    /** The APIs whose answers are handed over. */
    enum Api {
        RESPONSES("input"), CHAT("messages");

        /** The request's parameter that carries the answers, named in a refusal. */
        final String param;

        Api(String param) {
            this.param = param;
        }
    }

    /**
     * Runs answers taken from the store on this replica: {@code principal}'s request {@code body}
     * under the hand-over's {@code id}; the answer to carry back in a {@link #RESULT} record, or null
     * when the API's own record carries it (a response).
     */
    interface Runner {
        @Nullable CompletableFuture<ObjectNode> run(String principal, JsonNode body, String id);
    }

    /** A question of a turn held here, for the look: whose it is, and the conversation that waits for it. */
    private record Held(String principal, Conversation conversation) {
    }

    private final @Nullable DoorRecords store;
    private final HandOvers handOvers;
    private final AnsweredCalls answered;
    private final Map<Api, Runner> runners = new java.util.EnumMap<>(Api.class);
    // guarded by this
    private final Map<String, Held> held = new HashMap<>();
    private boolean looking;
    private boolean closed;
    private final StoreLooks looks = new StoreLooks("codex-bridge-openai-held");

    /**
     * {@code store}: the door records every replica shares; null when this door shares none (nothing
     * is handed over). {@code door}: the door's own records, {@code store} or in memory.
     */
    HeldAcrossReplicas(@Nullable DoorRecords store, ResponseRecords records, DoorRecords door) {
        this.store = store;
        this.handOvers = store == null ? null : new HandOvers(store, records, looks);
        this.answered = new AnsweredCalls(door);
    }

    /** The questions whose answers a held turn took, here or on another replica sharing the store. */
    AnsweredCalls answered() {
        return answered;
    }

    synchronized void runWith(Api api, Runner runner) {
        runners.put(api, runner);
    }

    /** Whether answers for a turn held elsewhere can reach it: the door shares a store. */
    boolean shared() {
        return store != null;
    }

    /** The replica the answers reached, when it does not hold their turn: hands them over (a store is shared). */
    HandOvers handOvers() {
        if (handOvers == null) {
            throw new IllegalStateException("no store is shared: nothing is handed over");
        }
        return handOvers;
    }

    static String state(String state) {
        return Json.write(Json.object().put("state", state));
    }

    /** {@code e} as a record's refusal, which the replica the answers reached answers as its own. */
    static byte[] refusal(OpenAiError e) {
        ObjectNode r = Json.object().put("state", "refused").put("status", e.status).put("type", e.type).put("param", e.param)
                .put("code", e.code).put("message", e.getMessage()).put("may_retry", e.mayRetry);
        if (e.retryAfterSeconds != null) {
            r.put("retry_after", e.retryAfterSeconds);
        }
        return Json.write(r).getBytes(StandardCharsets.UTF_8);
    }

    static OpenAiError refused(JsonNode r) {
        return new OpenAiError(r.path("status").asInt(500), r.path("type").asText("server_error"), r.path("param").textValue(),
                r.path("code").textValue(), r.path("message").asText(), r.has("retry_after") ? r.path("retry_after").asInt() : null,
                r.path("may_retry").asBoolean(false));
    }

    /** {@code principal}'s turn on {@code c} waits for {@code questions}: answers left for them in the store are looked for. */
    void awaiting(String principal, Conversation c, List<? extends HeldTurn.Question> questions) {
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
        Runner runner;
        try {
            ask = Json.parse(new String(value, StandardCharsets.UTF_8));
            synchronized (this) {
                runner = runners.get(Api.valueOf(ask.path("api").asText()));
            }
        } catch (RuntimeException e) {
            return;
        }
        // another principal's answers are left alone: the replica that left them withdraws them and answers 404
        if (h == null || runner == null || !ask.path("state").asText().equals("asked")
                || !ask.path("principal").asText().equals(h.principal())) {
            return;
        }
        if (!store.replace(ASK, id, value, TAKEN)) {
            return;     // withdrawn meanwhile, or taken by another look
        }
        String handOver = ask.path("id").asText();
        LOG.info("the answers to {} sent to another replica go on with the turn held here ({})", id, handOver);
        try {
            CompletableFuture<ObjectNode> answer = runner.run(h.principal(), ask.path("body"), handOver);
            if (answer != null) {
                carry(handOver, answer);
            }
            store.delete(ASK, id);
        } catch (OpenAiError refused) {
            store.put(ASK, id, refusal(refused));
        } catch (RuntimeException e) {
            LOG.warn("the answers to {} sent to another replica could not go on with the turn held here", id, e);
            store.put(ASK, id, refusal(Turns.unfollowed(e)));
        }
    }

    /**
     * Writes that the turn answering hand-over {@code id} runs, now and every {@link #RUNNING_EVERY}
     * until {@code answer} is done, then the answer or its refusal — in that order under one lock,
     * so that the end is never written over.
     */
    private void carry(String id, CompletableFuture<ObjectNode> answer) {
        Object order = new Object();
        Runnable running = () -> {
            synchronized (order) {
                if (!answer.isDone()) {
                    write(id, Json.write(Json.object().put("state", "running").put("at_ms", System.currentTimeMillis()))
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
        };
        running.run();
        looks.repeatUntil(RUNNING_EVERY, () -> {
            running.run();
            return answer.isDone();
        });
        answer.whenComplete((done, failed) -> {
            synchronized (order) {
                if (done != null) {
                    ObjectNode r = Json.object().put("state", "done");
                    r.set("answer", done);
                    write(id, Json.write(r).getBytes(StandardCharsets.UTF_8));
                } else {
                    write(id, refusal(failed instanceof OpenAiError e ? e : Turns.unfollowed(failed)));
                }
            }
        });
    }

    private void write(String id, byte[] value) {
        try {
            store.put(RESULT, id, value);
        } catch (ConversationStoreException | IllegalArgumentException e) {
            LOG.warn("the answer to hand-over {} could not be written for the replica waiting for it ({}); it answers its caller that "
                    + "the turn may have run", id, e.getMessage());
        }
    }

    /** Stops looking; a caller still waiting for a turn another replica runs is told it could not be followed. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            held.clear();
        }
        looks.close();
        if (handOvers != null) {
            handOvers.close();
        }
    }
}
