package dev.codexbridge.observe;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.protocol.ThreadItem;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One turn's telemetry: a scope in which the turn's span is current (requests sent inside carry
 * it to codex), what the turn hears while it runs (items, approvals, waits, retries, a lost
 * connection), and its end. The session calls these beside the host's {@code TurnListener}, one
 * call at a time, after the listener's call of the same event (an approval's request before it,
 * so the wait is timed from the moment it was asked); the end may come from another thread.
 * Every method has a default that records nothing; {@link #NONE} when telemetry is off.
 */
public interface TurnTelemetry {
    TurnTelemetry NONE = new TurnTelemetry() {
    };

    /** Runs {@code work} with the turn's span current on the calling thread. */
    default <T> T inScope(Supplier<T> work) {
        return work.get();
    }

    /** Codex named the turn. */
    default void turnStarted(String turnId) {
    }

    /** An item started. */
    default void itemStarted(ThreadItem item) {
    }

    /** An item completed. */
    default void itemCompleted(ThreadItem item) {
    }

    /** Codex asked for an approval; it waits from now. */
    default void approvalRequested(ApprovalRequest request) {
    }

    /** The approval was answered ({@code decision} null when no choice was made). */
    default void approvalAnswered(ApprovalRequest request, @Nullable ApprovalDecision decision) {
    }

    /** Codex withdrew the approval request. */
    default void approvalWithdrawn(ApprovalRequest request) {
    }

    /** Codex retried after an error, of category {@code errorType} (its wire name) when it said one. */
    default void retried(@Nullable String errorType) {
    }

    /**
     * The turn waits for a rate limit before attempt {@code attempt}, for {@code remaining} more
     * (zero or null: the wait is over), on a limit of type {@code limitType} when codex named it.
     */
    default void rateLimitWait(int attempt, @Nullable String limitType, @Nullable Duration remaining) {
    }

    /** The thread was replaced by a fresh one (codex had no record of it). */
    default void threadReplaced(String previousThreadId, String threadId) {
    }

    /** The turn's connection was lost; the turn waits to be re-attached. */
    default void connectionLost(String reason) {
    }

    /** The turn was re-attached after a gap of {@code gap}. */
    default void reattached(Duration gap) {
    }

    /** One model response used these tokens. */
    default void tokenUsage(long inputTokens, long outputTokens) {
    }

    /** The turn ended with a result; called once, never after {@link #failed}. */
    default void ended(TurnEnd end) {
    }

    /** The turn could not run; called once, never after {@link #ended}. */
    default void failed(Throwable failure) {
    }

    /**
     * How a turn ended: codex's ids, its status ({@code TurnOutcome}'s wire name) and whether that
     * is {@code completed}, why it stopped, its attempts and steps, the error's category (wire name)
     * when it failed with one, the last model response's tokens and the final answer (both null
     * when there were none).
     */
    record TurnEnd(@Nullable String threadId, @Nullable String turnId, String status, boolean completed,
                   @Nullable String stopReason, int attempts, int steps, @Nullable String errorCategory,
                   @Nullable Tokens lastUsage, @Nullable String finalText) {
    }

    /** Tokens of one model response. */
    record Tokens(long input, long output) {
    }
}
