package dev.codexbridge.tenant;

import java.time.Duration;

/**
 * What {@link CodexTenants} tells the host about its processes, for metrics and logs: cheap hooks
 * called on the thread that did the work (a host's thread for a start or a refusal, the library's
 * timer for an idle stop), so an implementation must return quickly and must not call back into
 * {@link CodexTenants}. Every method does nothing by default.
 */
public interface TenantListener {
    /** A codex process of {@code tenantId} was started and answered the handshake after {@code took}. */
    default void processStarted(String tenantId, Duration took) {
    }

    /** A codex process of {@code tenantId} was stopped (or found dead) for {@code why}. */
    default void processStopped(String tenantId, TenantStop why) {
    }

    /** A session of a tenant was refused at a cap. */
    default void refused(TenantCapacityException refusal) {
    }

    /** The tenant's home was prepared (once per tenant and home folder) in {@code took}. */
    default void homePrepared(String tenantId, Duration took) {
    }
}
