package dev.codexbridge.tenant;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import java.time.Duration;
import java.util.Objects;

/**
 * A session was refused because a cap of {@link CodexTenants} is reached: the tenant's own
 * ({@link TenantLimit#THREADS_PER_TENANT}, {@link TenantLimit#PROCESSES_PER_TENANT}) or the
 * JVM-wide one with no idle process left to evict ({@link TenantLimit#PROCESSES}). Thrown at once,
 * never after a wait: the host decides whether to queue, retry after {@link #retryAfter()} or tell
 * its user (an HTTP host answers 429 or 503 with {@code Retry-After}).
 */
public class TenantCapacityException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final String tenantId;
    private final TenantLimit limit;
    private final Duration retryAfter;

    public TenantCapacityException(String tenantId, TenantLimit limit, Duration retryAfter, String message) {
        super(message, FailureKind.CAPACITY);
        this.tenantId = Objects.requireNonNull(tenantId, "tenantId");
        this.limit = Objects.requireNonNull(limit, "limit");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** The tenant whose session was refused. */
    public String tenantId() {
        return tenantId;
    }

    /** The cap that refused it. */
    public TenantLimit limit() {
        return limit;
    }

    /**
     * When trying again may succeed: the builder's {@code retryAfter}, a hint and not a
     * reservation. Room comes back when a session is closed: one of the tenant's for its own caps,
     * any tenant's for {@link TenantLimit#PROCESSES} (an idle process is evicted at once, so this
     * refusal means none was idle).
     */
    public Duration retryAfter() {
        return retryAfter;
    }
}
