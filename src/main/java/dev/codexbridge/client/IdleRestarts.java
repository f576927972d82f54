package dev.codexbridge.client;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.IdleRestart;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.protocol.ThreadLoadedListResponse;
import dev.codexbridge.rpc.PeerStats;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.transport.CodexTransport;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Watches one client's codex process and starts it again by its {@link IdleRestart} policy: a
 * look every {@link IdleRestart#checkEvery}, on the waits pool, holding nothing between looks. A
 * restart holds every thread load back ({@link ThreadOpenWindow#takeAllIfUnused}), asks codex
 * itself that nothing is loaded, then has the connection move ({@link ClientConnection#restart}).
 */
final class IdleRestarts {
    private static final Logger LOG = SafeLogger.getLogger(CodexClient.class);
    /** How long the old codex may take to answer what it was asked before the move. */
    private static final Duration DRAIN = Duration.ofSeconds(30);

    private final ClientConnection connection;
    private final IdleRestart policy;
    // the watcher's own state: one look at a time (each schedules the next)
    private CodexTransport watched;
    private long baseline = -1;
    private long traffic = -1;
    private long quietSince;

    private IdleRestarts(ClientConnection connection, IdleRestart policy) {
        this.connection = connection;
        this.policy = policy;
    }

    /** Starts watching when the policy is on and the client starts codex itself. */
    static void watch(ClientConnection connection) {
        ClientOptions options = connection.options();
        CodexLaunch launch = options.transport() == null ? options.launch() : null;
        if (launch != null) {
            watch(connection, launch.idleRestart());
        }
    }

    /** Starts watching by {@code policy} whatever the transport, when the policy is on (a fake codex's in the tests). */
    static void watch(ClientConnection connection, IdleRestart policy) {
        if (policy.enabled()) {
            IdleRestarts watcher = new IdleRestarts(connection, policy);
            watcher.startFrom(connection.current());
            watcher.next();
        }
    }

    /** What codex {@code t} holds now is what it starts with: measured right after its handshake where the watcher can. */
    private void startFrom(CodexTransport t) {
        watched = t;
        baseline = t == null ? -1 : t.codexResidentBytes().orElse(-1);
        traffic = -1;
    }

    private void next() {
        if (connection.closedCause() != null) {
            return;
        }
        try {
            RpcThreads.timer().schedule(() -> RpcThreads.waits().execute(this::look), policy.checkEvery().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("codex's idle restarts stop: the library's threads are shutting down");
        }
    }

    private void look() {
        try {
            lookOnce();
        } catch (RuntimeException e) {
            LOG.debug("codex was not restarted: {}", e.toString());
            quietSince = System.nanoTime();
        } finally {
            next();
        }
    }

    private void lookOnce() {
        CodexTransport t = connection.current();
        if (t == null || !t.peer().isOpen() || connection.closedByHost()) {
            watched = null;
            return;
        }
        long now = System.nanoTime();
        if (t != watched) {
            startFrom(t);     // a reconnect's codex: measured at the first look after it
            return;
        }
        if (baseline < 0) {
            // not readable at its start (no /proc, or codex under a wrapper not found yet): from the first look that can
            baseline = t.codexResidentBytes().orElse(-1);
            return;
        }
        WorkHold work = connection.work();
        if (work != null && work.holding()) {
            return;     // a recycle is under way (decision 0116)
        }
        UnchangingRequests.Mark unchanging = connection.unchanging().mark();
        PeerStats stats = t.peer().stats();
        long said = unchanging.activity(stats.messagesRead() + stats.messagesSent());
        if (said < 0) {
            return;     // a request codex answers alike after a restart is in flight: neither traffic nor quiet; look again later
        }
        if (said != traffic || stats.pendingRequests() > 0 || stats.unansweredInboundRequests() > 0
                || connection.events().attachedThreads() > 0) {
            traffic = said;
            quietSince = now;
            return;
        }
        if (now - quietSince < policy.quietFor().toNanos()) {
            return;
        }
        OptionalLong rss = t.codexResidentBytes();
        if (rss.isEmpty() || rss.getAsLong() - baseline < policy.minGrowthBytes()) {
            return;
        }
        ThreadOpenWindow loads = connection.threadOpens();
        if (!loads.takeAllIfUnused()) {
            quietSince = now;
            return;
        }
        try {
            ThreadLoadedListResponse loaded = t.peer().request("thread/loaded/list", new ThreadLoadedListParams(null, 1L),
                    connection.options().requestTimeout(), ThreadLoadedListResponse.class).join();
            if (loaded.data() != null && !loaded.data().isEmpty()) {
                quietSince = now;   // codex still has a thread loaded the client does not know of (one still unloading)
                return;
            }
            long grown = rss.getAsLong() - baseline;
            long started = System.nanoTime();
            if (connection.restart(t, DRAIN)) {
                startFrom(connection.current());
                LOG.info("codex started again to give back memory: nothing loaded for {} s, it had grown by {} MiB "
                        + "since its start (the new one answered in {} ms)", policy.quietFor().toSeconds(), grown >> 20,
                        (System.nanoTime() - started) / 1_000_000);
            }
        } finally {
            loads.giveAllBack();
        }
    }
}
