package dev.codexbridge.tenant;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The caps and the placement of sessions on processes, under one lock: which of a tenant's
 * processes a session goes to, when a process is started, which idle process is evicted to make
 * room, and which processes the idle timeout stops. Decides only; starting and stopping codex
 * happen outside the lock ({@link CodexTenants}).
 */
final class TenantTable {
    /** Where a session goes: a process (to start when {@code start}) and the processes to stop first. */
    record Placement(TenantProcess process, boolean start, List<Removal> removed) {
    }

    /** A process taken out of the table, and why. */
    record Removal(TenantProcess process, TenantStop why) {
    }

    private final int maxProcesses;
    private final int maxProcessesPerTenant;
    private final int maxThreadsPerProcess;
    private final int maxThreadsPerTenant;
    private final Duration idleTimeout;
    private final Duration retryAfter;
    private final LongSupplier nanoTime;
    private final List<TenantProcess> all = new ArrayList<>();
    private boolean closed;

    TenantTable(int maxProcesses, int maxProcessesPerTenant, int maxThreadsPerProcess, int maxThreadsPerTenant,
                Duration idleTimeout, Duration retryAfter, LongSupplier nanoTime) {
        this.maxProcesses = maxProcesses;
        this.maxProcessesPerTenant = maxProcessesPerTenant;
        this.maxThreadsPerProcess = maxThreadsPerProcess;
        this.maxThreadsPerTenant = maxThreadsPerTenant;
        this.idleTimeout = idleTimeout;
        this.retryAfter = retryAfter;
        this.nanoTime = nanoTime;
    }

    /**
     * Reserves room for one session of {@code tenant}: on {@code preferred} when it is the tenant's,
     * running and has room; else on the tenant's fullest process that has room (a tenant's sessions
     * are packed, so its extra processes fall idle and are stopped); else on a new process, evicting
     * the least recently used idle process of any tenant when the JVM-wide cap is reached.
     *
     * @throws TenantCapacityException when a cap refuses; nothing is reserved then
     */
    synchronized Placement place(TenantState tenant, TenantProcess preferred) {
        if (closed) {
            throw new IllegalStateException("the tenants are closed");
        }
        long now = nanoTime.getAsLong();
        List<Removal> removed = new ArrayList<>();
        for (TenantProcess p : List.copyOf(tenant.processes)) {
            // a codex whose home was deleted under it and prepared again runs on nothing (its state database gone): lost
            if (p.dead() || p.homeGeneration != tenant.homeGeneration) {
                remove(p);
                removed.add(new Removal(p, TenantStop.DIED));
            }
        }
        int threads = tenant.threads();
        if (threads >= maxThreadsPerTenant) {
            throw refusal(tenant, TenantLimit.THREADS_PER_TENANT, retryAfter, "tenant " + tenant.id + " already has " + threads
                    + " sessions open, its limit (maxThreadsPerTenant " + maxThreadsPerTenant + "); close one of its sessions first");
        }
        TenantProcess chosen = null;
        if (preferred != null && tenant.processes.contains(preferred) && !preferred.dead()
                && preferred.threads() < maxThreadsPerProcess) {
            chosen = preferred;
        }
        if (chosen == null) {
            for (TenantProcess p : tenant.processes) {
                int n = p.threads();
                if (n < maxThreadsPerProcess && !p.dead() && (chosen == null || n > chosen.threads())) {
                    chosen = p;
                }
            }
        }
        if (chosen != null) {
            reserve(chosen, now);
            return new Placement(chosen, false, removed);
        }
        if (tenant.processes.size() >= maxProcessesPerTenant) {
            throw refusal(tenant, TenantLimit.PROCESSES_PER_TENANT, retryAfter, "tenant " + tenant.id + " runs "
                    + tenant.processes.size() + " codex processes, its share (maxProcessesPerTenant " + maxProcessesPerTenant
                    + "), each serving " + maxThreadsPerProcess + " sessions (maxThreadsPerProcess); close one of its sessions first");
        }
        if (all.size() >= maxProcesses) {
            TenantProcess lru = leastRecentlyUsedIdle();
            if (lru == null) {
                throw refusal(tenant, TenantLimit.PROCESSES, retryAfter, "all " + all.size()
                        + " codex processes (maxProcesses) serve open sessions, none is idle to stop for tenant " + tenant.id);
            }
            remove(lru);
            removed.add(new Removal(lru, lru.dead() ? TenantStop.DIED : TenantStop.EVICTED));
        }
        TenantProcess fresh = new TenantProcess(tenant, tenant.nextProcessNumber++, now);
        tenant.processes.add(fresh);
        all.add(fresh);
        reserve(fresh, now);
        return new Placement(fresh, true, removed);
    }

    private void reserve(TenantProcess p, long now) {
        p.pending++;
        p.lastUsedNanos = now;
        p.idleSinceNanos = -1;
    }

    /** Gives back the reservation {@link #place} made (the session now holds a thread place, or failed). */
    synchronized void release(TenantProcess p) {
        p.pending--;
        p.lastUsedNanos = nanoTime.getAsLong();
    }

    /** Takes a process that could not be started out of the table. */
    synchronized void failed(TenantProcess p) {
        p.pending = 0;
        remove(p);
    }

    /**
     * The periodic look: processes found dead leave the table, idle ones older than the idle
     * timeout are taken out to be stopped, and the others' idle clocks are kept.
     */
    synchronized List<Removal> sweep() {
        List<Removal> out = new ArrayList<>();
        long now = nanoTime.getAsLong();
        for (TenantProcess p : List.copyOf(all)) {
            if (p.dead()) {
                remove(p);
                out.add(new Removal(p, TenantStop.DIED));
            } else if (p.idle()) {
                if (p.idleSinceNanos < 0) {
                    p.idleSinceNanos = now;
                } else if (now - p.idleSinceNanos >= idleTimeout.toNanos()) {
                    remove(p);
                    out.add(new Removal(p, TenantStop.IDLE));
                }
            } else {
                p.idleSinceNanos = -1;
                if (p.ready.isDone()) {
                    p.lastUsedNanos = now;
                }
            }
        }
        return out;
    }

    /** Closes the table and hands back every process, to be stopped. */
    synchronized List<TenantProcess> closeAll() {
        closed = true;
        List<TenantProcess> out = List.copyOf(all);
        for (TenantProcess p : out) {
            remove(p);
        }
        return out;
    }

    synchronized int processes() {
        return all.size();
    }

    synchronized TenantUsage usage(TenantState tenant) {
        return new TenantUsage(tenant.id, tenant.processes.size(), tenant.threads());
    }

    private TenantProcess leastRecentlyUsedIdle() {
        TenantProcess lru = null;
        for (TenantProcess p : all) {
            if ((p.idle() || p.dead()) && (lru == null || p.lastUsedNanos < lru.lastUsedNanos)) {
                lru = p;
            }
        }
        return lru;
    }

    private void remove(TenantProcess p) {
        p.stopped = true;
        all.remove(p);
        p.tenant.processes.remove(p);
        p.tenant.threadPlaces.removeValuesIf(q -> q == p);
    }

    private static TenantCapacityException refusal(TenantState tenant, TenantLimit limit, Duration retryAfter, String why) {
        return new TenantCapacityException(tenant.id, limit, retryAfter, why + "; retry after " + retryAfter.toMillis() + " ms");
    }
}
