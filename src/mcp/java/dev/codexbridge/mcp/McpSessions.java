package dev.codexbridge.mcp;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.gateway.CodexGateway;
import java.util.Objects;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Where the server gets its sessions: one per conversation. {@code caller} is the
 * server's side of approvals, which asks the MCP client by elicitation; the source puts the host's
 * approval policy before it and decides whether it may be asked at all
 * ({@link #callerApprovals()}). The library's gateway is the usual source.
 */
public interface McpSessions {
    /** A new conversation of {@code principal}'s. */
    CodexSession open(String principal, @Nullable ApprovalHandler caller);

    /**
     * A new conversation with thread settings the caller gave ({@code base-instructions},
     * {@code developer-instructions}, {@code profile}, {@code config}, {@code compact-prompt}).
     * A source that cannot apply them refuses, never drops them silently.
     */
    default CodexSession open(String principal, @Nullable ApprovalHandler caller, UnaryOperator<ThreadOptions> thread) {
        throw new McpCallException("this server's session source takes no thread settings from callers");
    }

    /** A conversation of {@code principal}'s that this server does not hold open (a restart, or closed to make room). */
    CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller);

    /** Whether the host lets callers answer what its own policy leaves undecided. */
    boolean callerApprovals();

    /**
     * These sessions with a record of who opened each thread: a new conversation is recorded as its
     * principal's, and a resume of a thread not recorded as the caller's — another's, or one never
     * seen — is refused before this source is asked, so the server answers it as an unknown id.
     * For a source whose principals share one codex home (a gateway without tenants and without
     * {@code CodexGateway.Builder.threadOwners}).
     */
    static McpSessions owned(McpSessions sessions, dev.codexbridge.gateway.ThreadOwners owners) {
        Objects.requireNonNull(sessions, "sessions");
        Objects.requireNonNull(owners, "owners");
        return new McpSessions() {
            @Override
            public CodexSession open(String principal, @Nullable ApprovalHandler caller) {
                return owners.owned(principal, sessions.open(principal, caller));
            }

            @Override
            public CodexSession open(String principal, @Nullable ApprovalHandler caller, UnaryOperator<ThreadOptions> thread) {
                return owners.owned(principal, sessions.open(principal, caller, thread));
            }

            @Override
            public CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller) {
                if (!owners.owns(principal, threadId)) {
                    throw Conversations.notFound(threadId);
                }
                return sessions.resume(principal, threadId, caller);
            }

            @Override
            public boolean callerApprovals() {
                return sessions.callerApprovals();
            }

        };
    }

    /** Sessions from the library's gateway: its backend, settings, approval policy, tenants and thread-access rule. */
    static McpSessions of(CodexGateway gateway) {
        Objects.requireNonNull(gateway, "gateway");
        return new McpSessions() {
            @Override
            public CodexSession open(String principal, @Nullable ApprovalHandler caller) {
                return gateway.open(principal, caller);
            }

            @Override
            public CodexSession open(String principal, @Nullable ApprovalHandler caller, UnaryOperator<ThreadOptions> thread) {
                return gateway.open(principal, caller, thread);
            }

            @Override
            public CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller) {
                return gateway.resume(principal, threadId, caller);
            }

            @Override
            public boolean callerApprovals() {
                return gateway.callerApprovals();
            }
        };
    }
}
