package dev.codexbridge.mcp;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.session.CodexSession;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A session source with no codex behind it, for tests of the transport: every conversation is
 * refused (the tool's error result), at once or once {@code mayRefuse} opens, as a long call ends.
 */
final class NoCodex implements McpSessions {
    private final @Nullable CountDownLatch mayRefuse;

    private NoCodex(@Nullable CountDownLatch mayRefuse) {
        this.mayRefuse = mayRefuse;
    }

    static McpSessions sessions() {
        return new NoCodex(null);
    }

    /** A call's conversation is refused once {@code mayRefuse} is counted down (30 s at most). */
    static McpSessions refusingAfter(CountDownLatch mayRefuse) {
        return new NoCodex(mayRefuse);
    }

    @Override
    public CodexSession open(String principal, @Nullable ApprovalHandler caller) {
        if (mayRefuse != null) {
            try {
                mayRefuse.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new McpCallException("no codex in this test");
    }

    @Override
    public CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller) {
        throw new McpCallException("no codex in this test");
    }

    @Override
    public boolean callerApprovals() {
        return false;
    }
}
