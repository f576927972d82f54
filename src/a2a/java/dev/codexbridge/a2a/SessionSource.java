package dev.codexbridge.a2a;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.session.CodexSession;
import java.util.Objects;

/**
 * Opens the codex session behind one A2A context: {@link #open} on the context's first message,
 * {@link #resume} for a context the {@link ContextStore} knows from before (the server restarted,
 * or the context was closed to make room). {@code principal} is the authenticated caller;
 * {@code caller} asks that caller as the task's {@code input-required}. A {@code contextId} is its
 * principal's own name for the context (decision 0102): two principals may use the same id for two
 * contexts, so a source that keeps anything by context id keeps it by principal and id.
 *
 * <p>Sessions come from the host's {@link CodexGateway} ({@link #of}): its approval policy decides
 * codex's requests first, and the caller is asked only what that policy leaves open, and only where
 * the gateway lets callers answer ({@link CodexGateway.Builder#callerApprovals}). The server checks
 * that a context is the caller's before it asks for its thread; a pool's or the tenants'
 * {@code ThreadAccess} rule ({@link ContextStore#threadAccess()}) is asked again before codex is.
 * A source of the host's own builds the session it likes; whatever policy it sets is the host's.
 */
public interface SessionSource {
    CodexSession open(String principal, String contextId, ApprovalHandler caller);

    /**
     * The session of a known context, on its codex thread {@code threadId} (resumed with its
     * history). The default cannot resume, and says so: a lambda source serves contexts for the
     * server's lifetime only; {@link #of} resumes.
     */
    default CodexSession resume(String principal, String contextId, String threadId, ApprovalHandler caller) {
        throw new UnsupportedOperationException("this SessionSource cannot resume codex thread " + threadId
                + ": implement SessionSource.resume (CodexSession.builder().resumeThread(id)) or use SessionSource.of(gateway)");
    }

    /**
     * Whether the codex thread {@code threadId} of a known context of {@code principal}'s can never
     * be resumed, on any host: the conversation store never kept it and nobody holds it (its first
     * turn's lease was lost before the turn was stored). Asked only after {@link #resume} was
     * refused; true lets the context start a fresh thread in its place (decision 0093). The default
     * knows no store: false, and the refusal stands. {@link #of} asks the gateway
     * ({@link CodexGateway#abandoned}).
     *
     * @throws dev.codexbridge.store.ConversationLeasedException when a host holds the thread (it may still store it)
     */
    default boolean abandoned(String principal, String contextId, String threadId) {
        return false;
    }

    /** Every context's session from the host's gateway: its settings, policy, tenants and access rule. */
    static SessionSource of(CodexGateway gateway) {
        Objects.requireNonNull(gateway, "gateway");
        return new SessionSource() {
            @Override
            public CodexSession open(String principal, String contextId, ApprovalHandler caller) {
                return gateway.open(principal, caller);
            }

            @Override
            public CodexSession resume(String principal, String contextId, String threadId, ApprovalHandler caller) {
                return gateway.resume(principal, threadId, caller);
            }

            @Override
            public boolean abandoned(String principal, String contextId, String threadId) {
                return gateway.abandoned(threadId);
            }
        };
    }
}
