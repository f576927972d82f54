package dev.codexbridge.session.internal.turn;

import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.ItemProjector;
import java.util.ArrayList;
import java.util.List;

/**
 * What a turn counts as it runs and the result it builds from that: its attempts, the time it
 * waited for rate limits, when each agent action ended, codex's token usage and last error.
 * Touched only by the turn's events, one at a time (the rate-limit wait's end aside, which
 * happens before the attempt's first event).
 */
public final class TurnTally {
    /** When the turn (its first attempt or wait) began: results count from here. */
    private final long startedAt;
    private final int attempt;
    /** The turn's key (the host's or the library's), or null for a turn this session follows without starting it. */
    private final String key;
    private long rateLimitWaitMs;
    /** When each completed agent action ended, in ms since the turn started. */
    private final List<Long> stepEnds = new ArrayList<>();
    private TokenUsage tokenUsage;
    /** Codex's last error notification without a retry: what a failed turn without an error of its own reports. */
    private TurnFailure lastError;
    /** Codex's words the last time it said it would retry (a model stream it could not open, say), or null. */
    private String lastRetryReason;

    TurnTally(long startedAt, int attempt, long rateLimitWaitMs, String key) {
        this.startedAt = startedAt;
        this.attempt = attempt;
        this.rateLimitWaitMs = rateLimitWaitMs;
        this.key = key;
    }

    int attempt() {
        return attempt;
    }

    String key() {
        return key;
    }

    void waited(long ms) {
        rateLimitWaitMs += ms;
    }

    long rateLimitWaitMs() {
        return rateLimitWaitMs;
    }

    void tokenUsage(TokenUsage usage) {
        tokenUsage = usage;
    }

    void lastError(TurnFailure error) {
        lastError = error;
    }

    TurnFailure lastError() {
        return lastError;
    }

    void lastRetryReason(String reason) {
        lastRetryReason = reason;
    }

    String lastRetryReason() {
        return lastRetryReason;
    }

    /** An agent action completed: returns how many the turn has taken. */
    int stepEnded(long now) {
        stepEnds.add(elapsedMs(now));
        return stepEnds.size();
    }

    /** An agent action: what the step budget counts. */
    static boolean isStep(ThreadItem item) {
        return item instanceof ThreadItem.CommandExecution || item instanceof ThreadItem.FileChange
                || item instanceof ThreadItem.McpToolCall || item instanceof ThreadItem.DynamicToolCall
                || item instanceof ThreadItem.WebSearch;
    }

    long elapsedMs(long now) {
        return (now - startedAt) / 1_000_000;
    }

    /** The result of an attempt that reached codex ({@code sent}) or was about to. */
    TurnResult result(String threadId, String turnId, TurnOutcome status, StopReason reason, TurnFailure error, boolean retired,
                      boolean sent, ItemProjector projector, long now) {
        List<Long> ends = new ArrayList<>(stepEnds);
        if (projector.finalText() != null) {
            ends.add(elapsedMs(now));       // the final answer is a step of its own
        }
        int stepCount = Math.max(ends.size(), status == TurnOutcome.COMPLETED ? 1 : 0);
        return new TurnResult(threadId, turnId, status, projector.finalText(), error, reason, projector.toolIterations(),
                stepCount, ends, elapsedMs(now), sent ? attempt : attempt - 1, rateLimitWaitMs, tokenUsage, retired, projector.messages(),
                null, key);
    }

    /**
     * The result of following turn {@code turnId} whose thread could not be opened to follow it:
     * codex has the turn (it named it), so whether it ran on is {@link TurnOutcome#UNKNOWN}, never
     * "not received", which would invite sending its input again.
     */
    TurnResult unfollowed(String threadId, String turnId, TurnFailure error, long now) {
        return new TurnResult(threadId, turnId, TurnOutcome.UNKNOWN, null, error, StopReason.ERROR, 0, 0, List.of(), elapsedMs(now), 0, 0,
                null, true, List.of(), null, key);
    }

    /** The result of an attempt that never sent its {@code turn/start}. */
    TurnResult unsent(String threadId, TurnOutcome status, TurnFailure error, StopReason reason, long waitedMs, boolean retired, long now) {
        return new TurnResult(threadId, null, status, null, error, reason, 0, 0, List.of(), elapsedMs(now), attempt - 1, waitedMs, null,
                retired, List.of(), null, key);
    }
}
