package dev.codexbridge.client;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.observe.ClientTelemetry;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.process.AppServerRecycle;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.protocol.ThreadStatus;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.transport.CodexTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Recycles one client's codex process by its launch's {@link AppServerRecycle} bound (decision
 * 0116): a look every second, on the waits pool, at the threads codex loaded since it started and
 * how much it grew; past a bound, new thread loads and new turns are held back, and once codex
 * has answered every turn start sent and runs no turn, a fresh codex on the same home takes the
 * connection ({@link ClientConnection#restart}). Each step is short; between them the timer waits,
 * holding no thread.
 */
final class Recycles {
    private static final Logger LOG = SafeLogger.getLogger(CodexClient.class);
    private static final long LOOK_MS = 1_000;
    private static final long TICK_MS = 50;
    /** How long the old codex may take to answer what it was asked before the move. */
    private static final Duration DRAIN = Duration.ofSeconds(30);

    private final ClientConnection connection;
    private final AppServerRecycle policy;
    private final WorkHold work;
    // the watcher's own state: one look or one recycle at a time (each schedules the next)
    private CodexTransport watched;
    private long baseline = -1;
    private long notBefore;

    private Recycles(ClientConnection connection, AppServerRecycle policy) {
        this.connection = connection;
        this.policy = policy;
        this.work = new WorkHold();
    }

    /** Starts watching when the client starts codex itself and its launch recycles it. */
    static void watch(ClientConnection connection) {
        ClientOptions options = connection.options();
        CodexLaunch launch = options.transport() == null ? options.launch() : null;
        if (launch != null) {
            watch(connection, launch.recycle());
        }
    }

    /** Starts watching by {@code policy} whatever the transport, when it is on (a fake codex's in the tests). */
    static void watch(ClientConnection connection, AppServerRecycle policy) {
        if (policy.enabled()) {
            Recycles watcher = new Recycles(connection, policy);
            connection.work(watcher.work);
            watcher.startFrom(connection.current());
            watcher.next(LOOK_MS);
        }
    }

    /** {@code hooks} observing {@code client}: its threads, reconnects and recycles. */
    static ClientTelemetry observed(TelemetryHooks hooks, CodexClient client) {
        ClientConnection c = client.connection();
        return hooks.observeClient(client::attachedThreads, () -> client.generation() - 1 - c.restarts(),
                () -> c.work() == null ? 0 : c.work().recycles());
    }

    private void startFrom(CodexTransport t) {
        watched = t;
        baseline = t == null ? -1 : t.codexResidentBytes().orElse(-1);
    }

    private void next(long delayMs) {
        if (connection.closedCause() != null) {
            return;
        }
        try {
            RpcThreads.timer().schedule(() -> RpcThreads.waits().execute(this::look), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("codex's recycles stop: the library's threads are shutting down");
        }
    }

    private void look() {
        CodexTransport t = connection.current();
        try {
            if (t == null || !t.peer().isOpen() || connection.closedByHost()) {
                next(LOOK_MS);
                return;
            }
            if (t != watched) {
                startFrom(t);       // a reconnect's codex, or the one a restart started: measured from here
            }
            if (baseline < 0) {
                baseline = t.codexResidentBytes().orElse(-1);
            }
            int generation = connection.generation();
            long loads = work.loads(generation);
            long grown = baseline < 0 ? -1 : t.codexResidentBytes().orElse(-1) - baseline;
            if (System.nanoTime() - notBefore < 0 || !policy.due(loads, grown)) {
                next(LOOK_MS);
                return;
            }
            new Attempt(t, generation, loads, grown).begin();
        } catch (RuntimeException e) {
            LOG.debug("codex was not recycled: {}", e.toString());
            next(LOOK_MS);
        }
    }

    /** One recycle: new work held back until nothing runs, then the move to a fresh codex, or, after the hold's bound, none. */
    private final class Attempt {
        private final CodexTransport t;
        private final int generation;
        private final long loads;
        private final long grown;
        private final long started = System.nanoTime();
        private final long deadline = started + policy.hold().toNanos();

        Attempt(CodexTransport t, int generation, long loads, long grown) {
            this.t = t;
            this.generation = generation;
            this.loads = loads;
            this.grown = grown;
        }

        void begin() {
            work.hold();
            connection.threadOpens().hold();
            tick();
        }

        /** One short look, on the waits pool: still busy, given up, or quiet enough to ask codex. */
        private void tick() {
            try {
                if (connection.current() != t || !t.peer().isOpen() || connection.closedByHost()) {
                    end(false, "its connection changed meanwhile");
                } else if (System.nanoTime() - deadline > 0) {
                    end(false, "turns still ran after " + policy.hold().toMillis() + " ms; tried again in "
                            + AppServerRecycle.RETRY_SECONDS + " s");
                } else if (connection.threadOpens().inFlight() > 0 || work.starting(generation)
                        || work.awaitingFirstTurn(generation)) {
                    // a thread started here whose first turn has not gone out yet: codex has not written it, so no other
                    // codex could resume it; that turn goes out while held, and runs here
                    later();
                } else {
                    stillRunning().whenComplete((running, failure) -> RpcThreads.waits().execute(() -> {
                        if (failure != null) {
                            end(false, "codex did not say which turns run: " + failure);
                        } else if (running) {
                            later();
                        } else {
                            move();
                        }
                    }));
                }
            } catch (RuntimeException e) {
                end(false, e.toString());
            }
        }

        private void later() {
            RpcThreads.timer().schedule(() -> RpcThreads.waits().execute(this::tick), TICK_MS, TimeUnit.MILLISECONDS);
        }

        /**
         * Whether a turn codex started still runs: each thread with a turn not seen to end is asked
         * about ({@code thread/read}); one codex says is not active no longer counts once codex
         * said it started ({@link WorkHold#notRunning}). A read codex fails counts as running:
         * codex 0.171.0 fails a thread's read just after its first turn's start was answered (its
         * rollout is still empty), and a recycle that gave up on it let held turns out early.
         */
        private CompletableFuture<Boolean> stillRunning() {
            List<String> threads = work.running(generation);
            List<CompletableFuture<Boolean>> asked = new ArrayList<>();
            for (String thread : threads) {
                asked.add(t.peer().request("thread/read", new ThreadReadParams(false, thread), connection.options().requestTimeout(),
                        ThreadReadResponse.class).handle((r, failure) -> {
                            if (failure != null) {
                                LOG.debug("codex did not say whether thread {} runs a turn; it counts as running: {}", thread,
                                        failure.toString());
                                return true;
                            }
                            return r.thread().status() instanceof ThreadStatus.Active || !work.notRunning(generation, thread);
                        }));
            }
            return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
                    .thenApply(x -> asked.stream().anyMatch(CompletableFuture::join));
        }

        private void move() {
            long moving = System.nanoTime();
            boolean moved;
            CodexLaunch launch = connection.options().launch();
            // the fresh codex starts on a fresh log database: what codex logged at TRACE so far goes with the old process
            long logs = launch != null && launch.codexHome() != null ? CodexLogDatabase.letGo(launch.codexHome()) : 0;
            try {
                moved = connection.restart(t, DRAIN);
            } catch (RuntimeException e) {
                end(false, "the new codex did not start: " + e.getMessage());
                return;
            }
            if (!moved) {
                end(false, "its connection changed meanwhile");
                return;
            }
            work.recycled();
            long answered = System.nanoTime();
            // held until the old codex has exited: until then it holds the writers of the threads it had loaded, and the
            // fresh one on the same home would refuse to resume them
            connection.previousStopped().whenComplete((x, failure) -> RpcThreads.waits().execute(() -> {
                LOG.info("codex recycled ({}): {} conversations since it started, grown by {} MiB, its log database {} MiB; "
                        + "nothing ran, new turns and thread loads waited {} ms, the new one answered in {} ms and the old one "
                        + "stopped {} ms later", policy.describe(), loads, grown < 0 ? "?" : grown >> 20, logs >> 20,
                        (System.nanoTime() - started) / 1_000_000, (answered - moving) / 1_000_000,
                        (System.nanoTime() - answered) / 1_000_000);
                end(true, null);
            }));
        }

        private void end(boolean moved, String why) {
            connection.threadOpens().unhold();
            work.release();
            if (moved) {
                startFrom(connection.current());
            } else {
                LOG.debug("codex was not recycled: {}", why);
                notBefore = System.nanoTime() + TimeUnit.SECONDS.toNanos(AppServerRecycle.RETRY_SECONDS);
            }
            next(LOOK_MS);
        }
    }
}
