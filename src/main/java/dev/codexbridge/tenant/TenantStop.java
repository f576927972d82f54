package dev.codexbridge.tenant;

/** Why a tenant's codex process was stopped ({@link TenantListener#processStopped}). */
public enum TenantStop {
    /** No session was open on it for the idle timeout. */
    IDLE,
    /** Another tenant needed a process while every process of the cap was taken; this one was idle longest. */
    EVICTED,
    /** Codex exited or the connection was lost on its own. */
    DIED,
    /** {@link CodexTenants#close()}. */
    CLOSED
}
