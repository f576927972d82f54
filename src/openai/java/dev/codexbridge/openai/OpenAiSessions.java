package dev.codexbridge.openai;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.tool.DynamicTool;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where the door gets its codex sessions: one per conversation, each its principal's. The
 * library's gateway is the usual source: its backend, settings, approval policy (fail-closed by
 * default), tenants, store and thread-access rule. The door passes the caller's function tools
 * (dynamic tools of the thread) and, when the source lets callers answer approvals
 * ({@link #callerApprovals()}), a handler that hands what the host's policy leaves open to the
 * caller; otherwise it is declined.
 */
public interface OpenAiSessions {
    /** A new conversation of {@code principal}'s with the caller's {@code tools}, its thread started; {@code caller} may be null. */
    CodexSession open(String principal, List<DynamicTool> tools, @Nullable ApprovalHandler caller);

    /**
     * {@code principal}'s conversation on {@code threadId}, which the door does not hold open, with the
     * handlers of the caller's {@code tools}; refused for another's thread.
     */
    CodexSession resume(String principal, String threadId, List<DynamicTool> tools, @Nullable ApprovalHandler caller);

    /** Whether callers answer what the host's policy leaves open (default false: declined). */
    default boolean callerApprovals() {
        return false;
    }

    /** Sessions from the library's gateway; callers answer approvals when the gateway was built with {@code callerApprovals(true)}. */
    static OpenAiSessions of(CodexGateway gateway) {
        Objects.requireNonNull(gateway, "gateway");
        return new OpenAiSessions() {
            @Override
            public CodexSession open(String principal, List<DynamicTool> tools, @Nullable ApprovalHandler caller) {
                return gateway.open(principal, caller, tools);
            }

            @Override
            public CodexSession resume(String principal, String threadId, List<DynamicTool> tools, @Nullable ApprovalHandler caller) {
                return gateway.resume(principal, threadId, caller, tools);
            }

            @Override
            public boolean callerApprovals() {
                return gateway.callerApprovals();
            }
        };
    }
}
