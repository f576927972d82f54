package dev.codexbridge.tenant;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.Remembered;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ClientPlacement;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.RateLimitGovernor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The life of {@link CodexTenants}' tenants and their processes: a tenant is created on its first
 * session (its state, its governor, its home prepared), a session is placed on one of its processes
 * ({@link TenantTable}) and the process started when the placement says so ({@link TenantLauncher}),
 * idle and evicted processes are stopped, and closing stops them all. What a session is configured
 * with is {@link TenantSessionSetup}'s.
 */
final class TenantLifecycle {
    private static final Logger LOG = SafeLogger.getLogger(CodexTenants.class);

    private final @Nullable TenantHomes homes;
    private final TenantLauncher launcher;
    private final TenantTable table;
    private final TenantListener listener;
    private final TenantSessionSetup sessions;
    private final @Nullable Function<String, RateLimitGovernor> rateLimits;
    private final Map<String, TenantState> tenants = new ConcurrentHashMap<>();
    /** Where each thread was last opened, every tenant's: {@link TenantState#threadPlaces}. */
    private final Remembered<String, TenantProcess> places;
    private final ScheduledFuture<?> sweeper;
    private volatile boolean closed;

    /** Creates the homes root (local tenants) and starts the idle sweep; no codex starts before a session asks. */
    TenantLifecycle(TenantSettings s) {
        Map<String, String> hostEnvironment = s.environmentOfHost();
        this.rateLimits = s.rateLimits();
        this.listener = s.listener();
        this.table = new TenantTable(s.maxProcesses(), s.maxProcessesPerTenant(), s.maxThreadsPerProcess(), s.maxThreadsPerTenant(),
                s.idleTimeout(), s.retryAfter(), System::nanoTime);
        this.launcher = new TenantLauncher(s.launch(), s.codexDefaults(), s.clientConfigurer(), s.maxThreadsPerProcess(), s.listener(),
                s.connector(), s.remote(), hostEnvironment, s.bwrap(), table);
        this.launcher.hidden(s.hidden());
        TenantSettings.Roots roots = s.roots(hostEnvironment);
        this.homes = roots.homes() == null ? null : new TenantHomes(roots.homes(), roots.workspaces(), s.homeSetup(), s.inherited(),
                hostEnvironment, s.launch().environment(), s.tenantEnvironment(), s.listener(), launcher::binary);
        launcher.homes(homes);
        if (homes != null) {
            homes.template(s.template());
        }
        this.sessions = new TenantSessionSetup(s.threadAccess(), launcher.remote() ? null : homes, s.storage(), s.threadsRemembered());
        this.places = Remembered.atMost(s.threadsRemembered());
        long every = Math.max(50, Math.min(s.idleTimeout().toMillis() / 4, 5_000));
        this.sweeper = RpcThreads.timer().scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    /** The tenants' folders, or null when remote tenants were given no homes root. */
    @Nullable TenantHomes homes() {
        return homes;
    }

    boolean remote() {
        return launcher.remote();
    }

    /** The tenants' shares now, one entry per tenant seen since the start. */
    List<TenantUsage> usage() {
        List<TenantUsage> out = new ArrayList<>();
        for (TenantState t : tenants.values()) {
            out.add(table.usage(t));
        }
        return out;
    }

    /** One tenant's share now (nothing before its first session). */
    TenantUsage usage(String tenantId) {
        TenantState t = tenants.get(tenantId);
        return t == null ? new TenantUsage(tenantId, 0, 0) : table.usage(t);
    }

    /** Threads remembered per thread: started here and not stored yet, and the process each was last opened on. */
    int threadsRemembered() {
        return sessions.startedHere() + places.size();
    }

    /** Codex processes running or starting now, all tenants together. */
    int processes() {
        return table.processes();
    }

    // ---------------------------------------------------------------- opening

    /** A started session of {@code tenantId}: a new thread, or {@code threadId} resumed. */
    CodexSession open(String tenantId, @Nullable String threadId, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(configure, "configure");
        if (closed) {
            throw new IllegalStateException("the tenants are closed");
        }
        if (threadId != null) {
            sessions.requireResume(tenantId, threadId);   // before anything is read or started
        }
        TenantPaths.check(tenantId);
        TenantState tenant = tenants.computeIfAbsent(tenantId,
                id -> new TenantState(id, TenantHomes.folderName(id), rateLimits == null ? null : rateLimits.apply(id), places));
        TenantHome home = launcher.remote() ? null : homes.prepared(tenant);
        Started started = started(tenant, home, threadId);
        TenantProcess process = started.process();
        try {
            CodexSession session = sessions.start(tenant, home, started.client(), threadId, configure, id -> placedAgain(tenant, id));
            tenant.threadPlaces.put(session.threadId(), process);
            if (threadId == null) {
                sessions.startedBy(session.threadId(), tenantId);
            }
            return session;
        } finally {
            table.release(process);
        }
    }

    /** A process placed for a session of the tenant and its client, started or awaited; its reservation is held until released. */
    private record Started(TenantProcess process, CodexClient client) {
    }

    /**
     * Places a session of {@code tenant} (on the process holding {@code threadId} when there is
     * one) and returns the process with its client, starting codex when the placement says so. The
     * placement's reservation stays until {@link TenantTable#release}; on failure it is given back.
     */
    private Started started(TenantState tenant, TenantHome home, String threadId) {
        TenantTable.Placement placement;
        try {
            placement = table.place(tenant, threadId == null ? null : tenant.threadPlaces.get(threadId));
        } catch (TenantCapacityException e) {
            listener.refused(e);
            throw e;
        }
        for (TenantTable.Removal r : placement.removed()) {
            RpcThreads.waits().execute(() -> launcher.stop(r.process(), r.why()));
        }
        TenantProcess process = placement.process();
        try {
            if (!placement.start()) {
                return new Started(process, TenantLauncher.awaitStart(process));
            }
            if (home != null) {
                try {
                    homes.applyTemplate(home);   // a changed template reaches the tenant on this start
                } catch (RuntimeException e) {
                    table.failed(process);
                    process.ready.completeExceptionally(e);
                    throw e;
                }
            }
            return new Started(process, launcher.start(process, home));
        } catch (RuntimeException e) {
            table.release(process);
            throw e;
        }
    }

    /**
     * A session's thread placed again after its tenant's process was stopped or died. The home is
     * looked at anew, as for a new session: one deleted with the process (its disk lost) is
     * prepared again, else codex could not start in it and the session's conversation, whole in
     * the store, would have no codex to wake on.
     */
    private ClientPlacement.Placed placedAgain(TenantState tenant, String threadId) {
        if (closed) {
            throw new IllegalStateException("the tenants are closed");
        }
        TenantHome home = launcher.remote() ? null : homes.prepared(tenant);
        Started started = started(tenant, home, threadId);
        if (threadId != null) {
            tenant.threadPlaces.put(threadId, started.process());
        }
        return new ClientPlacement.Placed(started.client(), () -> table.release(started.process()));
    }

    // ---------------------------------------------------------------- stopping

    private void sweep() {
        try {
            for (TenantTable.Removal r : table.sweep()) {
                RpcThreads.waits().execute(() -> launcher.stop(r.process(), r.why()));
            }
        } catch (RuntimeException e) {
            LOG.warn("tenant idle sweep failed: {}", e.toString());
        }
    }

    /** Stops every tenant's codex (their sessions end), the idle sweep and the governors; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        sweeper.cancel(false);
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (TenantProcess p : table.closeAll()) {
            stops.add(CompletableFuture.runAsync(() -> launcher.stop(p, TenantStop.CLOSED), RpcThreads.waits()));
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        for (TenantState t : tenants.values()) {
            if (t.governor != null) {
                t.governor.close();
            }
        }
    }
}
