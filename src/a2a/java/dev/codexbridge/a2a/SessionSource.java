package dev.codexbridge.a2a;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.tenant.CodexTenants;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Opens the codex session behind one A2A context: {@link #open} on the context's first message,
 * {@link #resume} for a context the {@link ContextStore} knows from before (the server restarted,
 * or the context was closed to make room). The session must use {@code approvals} (it routes
 * codex's requests to the context's task as {@code input-required}). {@code principal} is the
 * authenticated caller: a host that serves callers from separate codex homes or app-servers picks
 * them here, as {@link #tenants} does with one {@code CodexTenants} tenant per principal.
 *
 * <p>The server checks that a context is the caller's before it asks for its thread; the
 * {@link #pool} and {@link #tenants} sources also give the pool or the tenants the caller, so
 * their {@code ThreadAccess} rule ({@link ContextStore#threadAccess()}) is asked again before codex is.
 */
@FunctionalInterface
public interface SessionSource {
    CodexSession open(String principal, String contextId, ApprovalPolicy approvals);

    /**
     * The session of a known context, on its codex thread {@code threadId} (resumed with its
     * history). The default cannot resume, and says so: a lambda source serves contexts for the
     * server's lifetime only; the sources made by {@link #shared}, {@link #pool} and {@link #tenants}
     * resume.
     */
    default CodexSession resume(String principal, String contextId, String threadId, ApprovalPolicy approvals) {
        throw new UnsupportedOperationException("this SessionSource cannot resume codex thread " + threadId
                + ": implement SessionSource.resume (CodexSession.builder().resumeThread(id)) or use SessionSource.shared, pool or tenants");
    }

    /**
     * Every context a thread on one shared connection; {@code configure} sets each session up
     * (thread options, limits) as on {@link CodexSession#builder()}; the client and approvals are
     * set here.
     */
    static SessionSource shared(CodexClient client, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(configure, "configure");
        return new SessionSource() {
            @Override
            public CodexSession open(String principal, String contextId, ApprovalPolicy approvals) {
                return build(null, approvals);
            }

            @Override
            public CodexSession resume(String principal, String contextId, String threadId, ApprovalPolicy approvals) {
                return build(threadId, approvals);
            }

            private CodexSession build(@Nullable String threadId, ApprovalPolicy approvals) {
                CodexSession.Builder b = CodexSession.builder();
                configure.accept(b);
                return b.client(client).resumeThread(threadId).approvals(approvals).build();
            }
        };
    }

    /**
     * Contexts spread over a {@link CodexPool}'s app-servers: a new context goes to the least
     * loaded one, a known one back to the app-server that has its thread (or, with a shared
     * {@code CODEX_HOME}, any). Resumes ask the pool's {@code ThreadAccess} rule with the
     * principal as the caller: build the pool with {@code threadAccess(store.threadAccess())}.
     */
    static SessionSource pool(CodexPool pool, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(configure, "configure");
        return new SessionSource() {
            @Override
            public CodexSession open(String principal, String contextId, ApprovalPolicy approvals) {
                return pool.newSession(withApprovals(configure, approvals));
            }

            @Override
            public CodexSession resume(String principal, String contextId, String threadId, ApprovalPolicy approvals) {
                return pool.resumeSession(principal, threadId, withApprovals(configure, approvals));
            }
        };
    }

    /**
     * Each principal a {@link CodexTenants} tenant (the principal's name is the tenant id): its own
     * codex home and app-server, so no caller's codex holds another's threads. Build the tenants
     * with {@code threadAccess(store.threadAccess())} so a thread id is refused for any other
     * tenant after a restart too.
     */
    static SessionSource tenants(CodexTenants tenants, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(tenants, "tenants");
        Objects.requireNonNull(configure, "configure");
        return new SessionSource() {
            @Override
            public CodexSession open(String principal, String contextId, ApprovalPolicy approvals) {
                return tenants.newSession(principal, withApprovals(configure, approvals));
            }

            @Override
            public CodexSession resume(String principal, String contextId, String threadId, ApprovalPolicy approvals) {
                return tenants.resumeSession(principal, threadId, withApprovals(configure, approvals));
            }
        };
    }

    /** The host's settings, then the context's approvals (which the host's cannot replace). */
    private static Consumer<CodexSession.Builder> withApprovals(Consumer<CodexSession.Builder> configure, ApprovalPolicy approvals) {
        return b -> {
            configure.accept(b);
            b.approvals(approvals);
        };
    }
}
