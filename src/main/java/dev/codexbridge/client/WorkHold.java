package dev.codexbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.protocol.ThreadScoped;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What a recycle (decision 0116) needs to know of one client's connection, and what it holds back:
 * the threads loaded on each connection, the turns it was asked to start and has not seen end,
 * and, while {@link #hold held}, the requests that would start a turn, sent once the hold ends
 * (on the connection current then). Only a client whose launch recycles codex keeps one.
 * Thread-safe.
 */
final class WorkHold {
    /** The requests that start a turn on a thread. */
    static final Set<String> TURN_METHODS = Set.of("turn/start", "review/start", "thread/compact/start");

    /**
     * A turn asked for on a connection: its start unanswered, or answered and not seen to end;
     * whether codex said it started ({@code turn/started}), and when its start was sent.
     */
    private record TurnSent(int generation, boolean answered, boolean seenStarting, long sentAt) {
        TurnSent nowAnswered() {
            return new TurnSent(generation, true, seenStarting, sentAt);
        }
    }

    /**
     * How long a turn whose start codex answered but whose {@code turn/started} has not come counts
     * as running whatever {@code thread/read} says: codex answers the start before its thread's
     * status turns active, and a read in between says idle (a recycle then moved a running turn's
     * codex away under load). Past this, the read is believed: a start can end with no event for its thread.
     */
    static final Duration UNSEEN_START = Duration.ofSeconds(30);

    private final Map<String, TurnSent> turns = new HashMap<>();
    /**
     * Threads started on a connection that have had no turn yet, with when: codex writes a thread's
     * rollout with its first turn, so another codex could not resume one; its first turn goes out
     * even while held, and a recycle waits for it (decision 0116).
     */
    private final Map<String, Started> unwritten = new HashMap<>();

    private record Started(int generation, long at) {
    }

    /** How long a thread started and given no turn is waited for. */
    static final Duration LEFT_AFTER = Duration.ofMinutes(1);
    private final List<Runnable> held = new ArrayList<>();
    private boolean holding;
    private int loadsOn;
    private long loads;
    private int recycles;

    /**
     * A turn's start ({@code method} with {@code params}, which name its thread): sent now, or once
     * the hold ends, to the codex current then (connection {@code generation}, reached by {@code
     * peer}); counted as unanswered from before it goes out, so that a recycle looking meanwhile
     * waits for its answer. A start that cannot be sent reaches {@code onAnswer} as its failure.
     */
    void turnStart(String method, Object params, Duration timeout, BiConsumer<JsonNode, Throwable> onAnswer, IntSupplier generation,
                   Supplier<JsonRpcPeer> peer) {
        int on;
        synchronized (this) {
            String thread = threadOf(params);
            on = generation.getAsInt();
            Started first = thread == null ? null : unwritten.remove(thread);
            if (holding && (first == null || first.generation() != on)) {
                held.add(() -> turnStart(method, params, timeout, onAnswer, generation, peer));
                return;
            }
            if (thread != null) {
                turns.put(thread, new TurnSent(on, false, false, System.nanoTime()));
            }
        }
        try {
            peer.get().requestInOrder(method, params, timeout, (result, failure) -> {
                turnAnswered(on, params, failure == null ? result : null, failure == null);
                onAnswer.accept(result, failure);
            });
        } catch (RuntimeException e) {
            turnAnswered(on, params, null, false);
            onAnswer.accept(null, e);
        }
    }

    /**
     * Codex answered a turn's start ({@code started}, with its {@code result}) or refused it, or
     * the request failed. A review codex runs on a thread of its own ({@code reviewThreadId}) is
     * followed there: its events name that thread.
     */
    private synchronized void turnAnswered(int generation, Object params, JsonNode result, boolean started) {
        String thread = threadOf(params);
        TurnSent t = thread == null ? null : turns.get(thread);
        if (t == null || t.generation() != generation) {
            return;     // ended before its answer came, or asked again on a later connection
        }
        if (!started) {
            turns.remove(thread);
            return;
        }
        JsonNode review = result == null ? null : result.get("reviewThreadId");
        if (review != null && review.isTextual() && !review.asText().equals(thread)) {
            turns.remove(thread);
            turns.put(review.asText(), t.nowAnswered());
        } else {
            turns.put(thread, t.nowAnswered());
        }
    }

    /** Codex says a turn on {@code thread} started, on connection {@code generation}: its thread's status is active from now. */
    synchronized void turnStarted(int generation, String thread) {
        TurnSent t = turns.get(thread);
        if (t != null && t.generation() == generation && !t.seenStarting()) {
            turns.put(thread, new TurnSent(generation, t.answered(), true, t.sentAt()));
        }
    }

    /** Codex says the turn on {@code thread} ended, on connection {@code generation}. */
    synchronized void turnCompleted(int generation, String thread) {
        TurnSent t = turns.get(thread);
        if (t != null && t.generation() == generation) {
            turns.remove(thread);
        }
    }

    /** {@link #turnStart(String, Object, Duration, BiConsumer, IntSupplier, Supplier)} as a future, completed off the reader thread. */
    CompletableFuture<JsonNode> turnStart(String method, Object params, Duration timeout, IntSupplier generation,
                                          Supplier<JsonRpcPeer> peer) {
        CompletableFuture<JsonNode> answered = new CompletableFuture<>();
        turnStart(method, params, timeout, (result, failure) -> RpcThreads.callbacks().execute(() -> {
            if (failure != null) {
                answered.completeExceptionally(failure);
            } else {
                answered.complete(result);
            }
        }), generation, peer);
        return answered;
    }

    /**
     * What counts a thread load ({@code method}) on connection {@code generation} once it
     * succeeded, in {@code work} when there is one; a thread started or forked is remembered until
     * its first turn.
     */
    static BiConsumer<Object, Throwable> countsLoad(WorkHold work, int generation, String method) {
        return (answer, failure) -> {
            if (work != null && failure == null) {
                work.loaded(generation);
                JsonNode id = answer instanceof JsonNode node ? node.path("thread").path("id") : null;
                if (!method.equals("thread/resume") && id != null && id.isTextual()) {
                    work.started(generation, id.asText());
                }
            }
        };
    }

    /**
     * A thread load's in-order answer: counted ({@link #countsLoad}), handed to {@code onAnswer},
     * and only then is its slot in the window released ({@code release}), so that no recycle moves
     * the connection before the session has read which connection answered.
     */
    static BiConsumer<JsonNode, Throwable> loadAnswered(WorkHold work, int generation, String method,
                                                        BiConsumer<JsonNode, Throwable> onAnswer, Runnable release) {
        BiConsumer<Object, Throwable> counted = countsLoad(work, generation, method);
        return (result, failure) -> {
            counted.accept(result, failure);
            try {
                onAnswer.accept(result, failure);
            } finally {
                release.run();
            }
        };
    }

    private synchronized void started(int generation, String thread) {
        forgetLeft(System.nanoTime());
        unwritten.put(thread, new Started(generation, System.nanoTime()));
    }

    /**
     * Whether a thread started on {@code generation} has not had its first turn yet: one started
     * more than {@link #LEFT_AFTER} ago is not waited for (its host left it, and its first turn, if
     * it ever comes, finds a fresh thread in its place).
     */
    synchronized boolean awaitingFirstTurn(int generation) {
        forgetLeft(System.nanoTime());
        return unwritten.values().stream().anyMatch(s -> s.generation() == generation);
    }

    private void forgetLeft(long now) {
        unwritten.values().removeIf(s -> now - s.at() > LEFT_AFTER.toNanos());
    }

    /** A thread was loaded (started, resumed, forked) on connection {@code generation}. */
    synchronized void loaded(int generation) {
        if (generation != loadsOn) {
            loadsOn = generation;
            loads = 0;
        }
        loads++;
    }

    /** Threads loaded on connection {@code generation} so far. */
    synchronized long loads(int generation) {
        return generation == loadsOn ? loads : 0;
    }

    /** Codex was started again by the recycle bound. */
    synchronized void recycled() {
        recycles++;
    }

    /** How many times codex was recycled since the client connected. */
    synchronized int recycles() {
        return recycles;
    }

    /** Starts holding back turn starts. */
    synchronized void hold() {
        holding = true;
    }

    synchronized boolean holding() {
        return holding;
    }

    /** Ends the hold: the starts held go out, in the order they came. */
    void release() {
        List<Runnable> go;
        synchronized (this) {
            holding = false;
            go = new ArrayList<>(held);
            held.clear();
        }
        go.forEach(Runnable::run);
    }

    /** Whether a turn's start on {@code generation} is still unanswered. */
    synchronized boolean starting(int generation) {
        return turns.values().stream().anyMatch(t -> t.generation() == generation && !t.answered());
    }

    /** The threads whose turn on {@code generation} codex started and has not been seen to end; earlier connections' go. */
    synchronized List<String> running(int generation) {
        turns.values().removeIf(t -> t.generation() != generation);
        List<String> out = new ArrayList<>();
        turns.forEach((thread, t) -> {
            if (t.answered()) {
                out.add(thread);
            }
        });
        return out;
    }

    /**
     * Codex's {@code thread/read} says no turn runs on {@code thread}: it no longer counts, once
     * codex said the turn started or {@link #UNSEEN_START} passed without it; before that, the
     * read may predate the turn's start (and it still counts).
     */
    synchronized boolean notRunning(int generation, String thread) {
        TurnSent t = turns.get(thread);
        if (t == null || t.generation() != generation || !t.answered()) {
            return true;
        }
        if (t.seenStarting() || System.nanoTime() - t.sentAt() > UNSEEN_START.toNanos()) {
            turns.remove(thread);
            return true;
        }
        return false;
    }

    /** The thread a turn's params name: typed (a host's request) or as JSON (a session's). */
    private static String threadOf(Object params) {
        if (params instanceof ThreadScoped scoped) {
            return scoped.threadId();
        }
        return params instanceof JsonNode node && node.path("threadId").isTextual() ? node.path("threadId").asText() : null;
    }
}
