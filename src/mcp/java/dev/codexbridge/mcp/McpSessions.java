package dev.codexbridge.mcp;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.gateway.CodexGateway;
import java.time.Duration;
import java.util.Objects;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Where the server gets its sessions: one per conversation. {@code caller} is the
 * server's side of approvals, which asks the MCP client by elicitation; the source puts the host's
 * approval policy before it and decides whether it may be asked at all
 * ({@link #callerApprovals()}). The library's gateway is the usual source.
 */
public interface McpSessions {
    /**
     * How long a call waits for codex to come up ({@link #starting}), by default: twice the 30 s
     * the library's client gives a starting codex to answer {@code initialize} (its default request
     * timeout) before the start fails by itself.
     */
    Duration START_WAIT = Duration.ofSeconds(60);

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
     * Where the calls sent with an idempotency key and their answers are kept (decision 0117): a
     * gateway's {@link CodexGateway#resends} (its conversation store's); null for a source with
     * none, whose server keeps them in its own process.
     */
    default dev.codexbridge.callers.@Nullable Resends resends() {
        return null;
    }

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

            @Override
            public dev.codexbridge.callers.@Nullable Resends resends() {
                return sessions.resends();
            }
        };
    }

    /**
     * Sessions from a source still being made, usually a gateway on a codex that starts in the
     * background, so the server answers {@code initialize} and {@code tools/list} without waiting
     * for codex (decision 0110). A call that needs a conversation waits for {@code source}, up to
     * {@code wait} ({@link #START_WAIT}), and is otherwise refused with a tool error saying codex
     * is still starting; once {@code source} failed (codex could not start), every such call is
     * refused with the reason. Nothing is run in either case.
     */
    static McpSessions starting(CompletionStage<? extends McpSessions> source, Duration wait) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(wait, "wait");
        if (wait.isNegative()) {
            throw new IllegalArgumentException("wait must not be negative: " + wait);
        }
        return new StartingSessions(source, wait);
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

            @Override
            public dev.codexbridge.callers.Resends resends() {
                return gateway.resends();
            }
        };
    }
}
