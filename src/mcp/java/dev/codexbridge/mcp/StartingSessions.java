package dev.codexbridge.mcp;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * {@link McpSessions#starting}: the server answers {@code initialize} and {@code tools/list}
 * while codex starts (decision 0110); each call that needs a conversation waits here for the
 * source, up to the bound.
 */
final class StartingSessions implements McpSessions {
    private final CompletableFuture<? extends McpSessions> source;
    private final Duration bound;

    StartingSessions(CompletionStage<? extends McpSessions> source, Duration bound) {
        this.source = source.toCompletableFuture();
        this.bound = bound;
    }

    /** The call is refused because codex is not up: not started in time, failed to start, or the server stops first. */
    static final class NotUp extends McpCallException {
        NotUp(String message) {
            super(message);
        }
    }

    private McpSessions ready() {
        try {
            return source.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new NotUp("codex is still starting (waited " + (bound.toMillis() % 1000 == 0 ? bound.toSeconds() + " s"
                    : bound.toMillis() + " ms") + " for it); nothing was run; try again");
        } catch (ExecutionException | CompletionException | CancellationException e) {
            // the reason last: codex's own account of its end runs over several lines
            throw new NotUp("codex did not start; nothing was run, and this server runs nothing until it is started again: " + reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotUp("the server is stopping; nothing was run");
        }
    }

    private static String reason(Exception e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof CancellationException) {
            return "its start was called off";
        }
        return t.getMessage() != null && !t.getMessage().isBlank() ? t.getMessage() : t.toString();
    }

    @Override
    public CodexSession open(String principal, @Nullable ApprovalHandler caller) {
        return ready().open(principal, caller);
    }

    @Override
    public CodexSession open(String principal, @Nullable ApprovalHandler caller, UnaryOperator<ThreadOptions> thread) {
        return ready().open(principal, caller, thread);
    }

    @Override
    public CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller) {
        return ready().resume(principal, threadId, caller);
    }

    @Override
    public boolean callerApprovals() {
        return ready().callerApprovals();
    }

    /** The started source's: a call sent with a key waits for codex as any call does, so every copy meets one record. */
    @Override
    public dev.codexbridge.callers.@Nullable Resends resends() {
        return ready().resends();
    }
}
