package dev.codexbridge.client;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.observe.ClientTelemetry;
import dev.codexbridge.observe.ReconnectTelemetry;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * Reopens a lost connection under a {@link ReconnectPolicy}: attempts with backoff on the shared
 * timer, each run on the waits pool, then every resumer (a session reopening its thread), those
 * whose turn waits for its thread first, at most {@link ReconnectPolicy#concurrentResumes} at a
 * time and fewer while codex answers slowly ({@link ResumeWindow}), each started as one before it
 * ends (on the callback pool). Holds no thread between attempts, and none per resume.
 */
final class Reconnector {
    /** The client's logger: reconnects have always been logged as the client's. */
    private static final Logger LOG = SafeLogger.getLogger(CodexClient.class);
    /**
     * Set while a reconnect's resumer runs on this thread: the thread loads it sends go ahead of
     * everyone else's in the connection's window ({@link ThreadOpenWindow}).
     */
    private static final ThreadLocal<Boolean> RESUMING = new ThreadLocal<>();

    /** Whether the calling thread is sending a reconnect's resume, or other recovery of the library's own. */
    static boolean resumingHere() {
        return RESUMING.get() != null;
    }

    /** Runs {@code send} with its thread loads counted as the library's recovery ({@link #resumingHere}). */
    static <T> T recovering(java.util.function.Supplier<T> send) {
        boolean outer = RESUMING.get() != null;
        RESUMING.set(Boolean.TRUE);
        try {
            return send.get();
        } finally {
            if (!outer) {
                RESUMING.remove();
            }
        }
    }

    /** Null: the client ends with its connection. */
    private final ReconnectPolicy policy;
    private final AtomicBoolean reconnecting = new AtomicBoolean();
    private final CopyOnWriteArrayList<Resumer> resumers = new CopyOnWriteArrayList<>();

    /** A session's resume, and whether a turn waits for it (asked as a reconnect orders its resumes). */
    private record Resumer(Function<CodexClient, CompletionStage<?>> resume, BooleanSupplier waiting) {
    }
    /** The running reconnect's span when telemetry is on, else {@link ReconnectTelemetry#NONE}. */
    private volatile ReconnectTelemetry traced = ReconnectTelemetry.NONE;

    Reconnector(ReconnectPolicy policy) {
        this.policy = policy;
    }

    boolean enabled() {
        return policy != null;
    }

    /** The policy, or null when the client ends with its connection. */
    ReconnectPolicy policy() {
        return policy;
    }

    AutoCloseable onReconnect(Function<CodexClient, CompletionStage<?>> resume, BooleanSupplier waiting) {
        Resumer r = new Resumer(Objects.requireNonNull(resume, "resume"), Objects.requireNonNull(waiting, "waiting"));
        resumers.add(r);
        return () -> resumers.remove(r);
    }

    /** False when a reconnect already runs: a failed attempt's own end, which the attempt loop handles. */
    boolean begin() {
        return reconnecting.compareAndSet(false, true);
    }

    void schedule(ClientConnection connection, ConnectionClosedException cause, int attempt) {
        if (attempt == 1) {
            ClientTelemetry telemetry = connection.owner().telemetry();
            traced = telemetry == null ? ReconnectTelemetry.NONE : telemetry.reconnecting(connection.generation(), cause);
        }
        long delay = policy.delayBefore(attempt).toNanos();
        // an attempt waits for codex to start and answer: on the waits pool, never on the callback pool it waits for
        RpcThreads.timer().schedule(() -> RpcThreads.waits().execute(() -> attempt(connection, cause, attempt)),
                delay, TimeUnit.NANOSECONDS);
    }

    private void attempt(ClientConnection connection, ConnectionClosedException cause, int attempt) {
        if (connection.closedByHost()) {
            traced.gaveUp(attempt - 1, new ConnectionClosedException("the client was closed while it reconnected"));
            return;
        }
        try {
            connection.reopen();
        } catch (RuntimeException e) {
            if (attempt >= policy.maxAttempts() || connection.closedByHost()) {
                LOG.warn("codex connection could not be reopened after {} attempts: {}", attempt, e.getMessage());
                traced.gaveUp(attempt, e);
                connection.giveUp(new ConnectionClosedException("the connection to codex was lost and "
                        + attempt + " attempts to reopen it failed; the last: " + UntrustedText.messageOf(e), e));
                return;
            }
            LOG.debug("reconnect attempt {} failed: {}", attempt, e.getMessage());
            traced.attemptFailed(attempt, e);
            schedule(connection, cause, attempt + 1);
            return;
        }
        LOG.info("codex connection reopened (connection {}); resuming {} thread(s)", connection.generation(), resumers.size());
        reconnecting.set(false);
        ReconnectTelemetry round = traced;
        if (!connection.isOpen()) {
            round.gaveUp(attempt, new ConnectionClosedException("the reopened connection closed at once"));
            // lost again before the flag was down, so its end was ignored: treat it as a new loss
            connection.lost(connection.generation(), new ConnectionClosedException("the reopened connection closed at once"));
            return;
        }
        round.reopened(attempt, connection.generation(), resumers.size());
        resumeAll(connection.owner(), round);
    }

    /**
     * Runs every resumer, those a turn waits for first (its re-attach window runs while the others'
     * resumes go ahead of it), as many at once as the {@link ResumeWindow} allows.
     */
    private void resumeAll(CodexClient client, ReconnectTelemetry traced) {
        List<Resumer> order = new ArrayList<>(resumers);
        List<Resumer> waiting = new ArrayList<>();
        List<Resumer> rest = new ArrayList<>();
        for (Resumer r : order) {
            (waitedFor(r) ? waiting : rest).add(r);
        }
        waiting.addAll(rest);
        Resumes round = new Resumes(client, new ConcurrentLinkedQueue<>(waiting), System.nanoTime(), traced,
                new ResumeWindow(policy.concurrentResumes(), policy.resumeTimeout()), new AtomicInteger(waiting.size()), new AtomicInteger());
        fill(round);
    }

    private static boolean waitedFor(Resumer r) {
        try {
            return r.waiting().getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** One reconnect's resumes: those still to run, the window, and how many are left to end (for the log line). */
    private record Resumes(CodexClient client, ConcurrentLinkedQueue<Resumer> todo, long began, ReconnectTelemetry traced,
                           ResumeWindow window, AtomicInteger left, AtomicInteger failed) {
    }

    /** Starts resumes while the window has room. */
    private void fill(Resumes round) {
        while (true) {
            long started = round.window().tryStart(System.nanoTime());
            if (started < 0) {
                return;
            }
            Resumer next = round.todo().poll();
            if (next == null) {
                round.window().unused();
                return;
            }
            run(round, next, started);
        }
    }

    private void run(Resumes round, Resumer next, long started) {
        CompletionStage<?> stage;
        // the resume's span is current while its thread/resume is written, so codex's handling joins the trace
        ReconnectTelemetry.ResumeTelemetry resume = round.traced().startResume();
        RESUMING.set(Boolean.TRUE);
        try (AutoCloseable scope = resume.makeCurrent()) {
            stage = next.resume().apply(round.client());
        } catch (Exception e) {
            stage = CompletableFuture.failedFuture(e);
        } finally {
            RESUMING.remove();
        }
        (stage == null ? CompletableFuture.completedFuture(null) : stage).whenComplete((r, e) -> {
            round.window().ended(started, System.nanoTime(), e != null);
            resume.end(e == null ? null : Futures.unwrap(e));
            if (e != null) {
                round.failed().incrementAndGet();
                LOG.warn("resuming a thread after the reconnect failed: {}", Futures.unwrap(e).getMessage());
            }
            if (round.left().decrementAndGet() == 0) {
                LOG.info("resumed the threads of connection {} in {} ms ({} failed; at most {} at a time, at least {})",
                        round.client().generation(), (System.nanoTime() - round.began()) / 1_000_000, round.failed().get(),
                        policy.concurrentResumes(), round.window().smallest());
                round.traced().resumed(round.failed().get());
            }
            fill(round);
        });
    }
}
