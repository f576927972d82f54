package dev.codexbridge.session.internal.failure;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.internal.ApiAccess;

/**
 * The remedy that is true for a session's shape: a session with a codex of its own starts a fresh
 * one after a crash, a session on a shared client depends on that client's reconnect policy, and
 * a session a pool opened goes on through the pool. {@link ErrorCategory#remediation()} is the
 * remedy for the first shape; the others differ only where a connection ended.
 */
public final class FailureAdvice {
    /** How a session reaches codex. */
    public enum Shape {
        /** A codex process of its own, started by the session. */
        OWN_PROCESS,
        /** A connection of its own to a running app-server. */
        OWN_REMOTE,
        /** A client shared with other sessions, which reconnects by its policy. */
        SHARED_RECONNECTING,
        /** A client shared with other sessions, without a reconnect policy: done when its connection ends. */
        SHARED,
        /** A client a {@code CodexPool} opened for one of its endpoints. */
        POOLED,
        /** A client {@code CodexTenants} opened for a tenant, without a reconnect policy. */
        TENANT
    }

    private static final String TENANT_GOES_ON = "The tenant's codex exited; the thread is kept in the tenant's home. The same "
            + "session's next turn starts the tenant's codex again and resumes the thread, as does "
            + "tenants.resumeSession(tenantId, threadId, ..) (no new CodexClient to open).";

    private FailureAdvice() {
    }

    /** The shape of a session on {@code shared} (null: a connection of its own, to a running app-server when {@code remote}). */
    public static Shape shapeOf(CodexClient shared, boolean remote) {
        if (shared == null) {
            return remote ? Shape.OWN_REMOTE : Shape.OWN_PROCESS;
        }
        ClientPlumbing<CodexClient> plumbing = ClientPlumbing.of(shared);
        if (plumbing.pooled()) {
            return Shape.POOLED;
        }
        if (shared.options().reconnect() != null) {
            return Shape.SHARED_RECONNECTING;
        }
        return plumbing.tenant() ? Shape.TENANT : Shape.SHARED;
    }

    /** {@code failure} with the remedy for {@code shape}; null stays null, and another host's hold keeps its own (the same for every shape). */
    public static TurnFailure forShape(TurnFailure failure, Shape shape) {
        if (failure == null || shape == null || failure.heldUntil() != null) {
            return failure;
        }
        String advice = remediation(failure.category(), shape);
        return advice.equals(failure.remediation()) ? failure : ApiAccess.get().withRemediation(failure, advice);
    }

    public static String remediation(ErrorCategory category, Shape shape) {
        return switch (category) {
            case PROCESS_DIED -> switch (shape) {
                case OWN_PROCESS -> category.remediation();
                case OWN_REMOTE -> "The connection to the app-server ended; the session connects again and resumes the thread on the next turn.";
                case SHARED_RECONNECTING -> "codex exited or its connection ended; the shared client reconnects by its ReconnectPolicy "
                        + "and the session resumes the thread there (at the latest on the next turn).";
                case SHARED -> "codex exited, and the shared client has no ReconnectPolicy, so it is done: open a new CodexClient "
                        + "(a ReconnectPolicy lets it survive this) and build a session on it with resumeThread(threadId).";
                case POOLED -> "codex exited; the endpoint's client reconnects by its ReconnectPolicy, or else "
                        + "pool.resumeSession(threadId, ..) goes on with the thread on a healthy endpoint.";
                case TENANT -> TENANT_GOES_ON;
            };
            case CLOSED_BY_HOST -> switch (shape) {
                case OWN_PROCESS, OWN_REMOTE -> "The session was closed; it runs no more turns. To go on with the thread, build a new "
                        + "session with resumeThread(threadId).";
                case SHARED_RECONNECTING, SHARED -> "The host closed the shared CodexClient; a closed client never reconnects, so this "
                        + "session runs no more turns. To go on with the thread, build a session on an open client with resumeThread(threadId).";
                case POOLED -> "The pool's client for this endpoint was closed; go on with the thread with pool.resumeSession(threadId, ..).";
                case TENANT -> "The tenants stopped this tenant's codex (evicted while its sessions slept, or the tenants closed); "
                        + "unless they closed, the same session's next turn starts it again, as does tenants.resumeSession(tenantId, threadId, ..).";
            };
            case CONNECTION_CLOSED -> shape == Shape.POOLED
                    ? "This endpoint's connection is gone for good; pool.resumeSession(threadId, ..) goes on with the thread on a healthy endpoint."
                    : shape == Shape.TENANT ? TENANT_GOES_ON : category.remediation();
            default -> category.remediation();
        };
    }
}
