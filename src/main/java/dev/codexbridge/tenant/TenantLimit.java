package dev.codexbridge.tenant;

/** Which cap of {@link CodexTenants} refused a session ({@link TenantCapacityException#limit()}). */
public enum TenantLimit {
    /** Every process of the JVM-wide cap ({@code maxProcesses}) serves an open session: none is idle to evict. */
    PROCESSES,
    /** The tenant already runs its share of processes ({@code maxProcessesPerTenant}), each full. */
    PROCESSES_PER_TENANT,
    /** The tenant already has {@code maxThreadsPerTenant} sessions open. */
    THREADS_PER_TENANT
}
