package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.codexbridge.json.Json;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one turn. A failed, interrupted or timed-out turn is a result, not an exception.
 *
 * @param retired   the session had to give up its codex connection (codex died, stopped answering,
 *                  or its login failed); the next turn resumes the thread on a fresh codex of the
 *                  session's own, or on the shared client's next connection. Never set for
 *                  {@link ErrorCategory#SETTINGS_REJECTED}
 * @param messages  the turn's transcript in the chat shape, to splice into the host's history
 * @param stepCount the turn's steps: one per completed agent action (command, file change, MCP or
 *                  dynamic tool call, web search) plus the final answer; a turn that only answers
 *                  has one step
 * @param stepEndsMs when each step ended, in milliseconds since the turn started
 * @param durationMs how long the turn took, start to result (rate-limit waits and retries included)
 * @param attempts  how many times {@code turn/start} was sent: 1, or more when a
 *                  {@link RateLimitGovernor} retried a rate-limited turn (0 when nothing was sent)
 * @param rateLimitWaitMs how long the turn waited for rate limits in all, before its first attempt
 *                  and between attempts
 * @param threadReplaced set on the first turn after the session's thread was replaced by a fresh
 *                  one (codex had no record of it after it stopped): the old and new thread ids
 *                  and the input codex never stored; null otherwise
 * @param key       the turn's key (see {@link TurnHandle#key()}): the host's own from
 *                  {@link TurnOptions#key}, or the library's; null for a review or a turn this
 *                  session followed without starting it
 * @param storeFailed true when the session's {@link ConversationStorage} stores each completed turn
 *                  ({@link ConversationStorage#exportAfterEachTurn}) and this one could not be
 *                  stored (its app-server went away, or stayed unreachable through the retries):
 *                  codex completed it, but until a later store succeeds it lives only on the
 *                  app-server that ran it, and is lost if that app-server is lost with its disk.
 *                  False otherwise, and always without a store. A turn whose session lost the
 *                  conversation's lease before it could be stored is {@link TurnOutcome#FAILED}
 *                  instead (no store will ever keep it; the error says so)
 */
@JsonPropertyOrder({"threadId", "turnId", "status", "finalText", "error", "stopReason", "toolIterations", "stepCount",
    "stepEndsMs", "durationMs", "attempts", "rateLimitWaitMs", "tokenUsage", "retired", "messages", "threadReplaced", "key",
    "storeFailed"})
public record TurnResult(
        @Nullable String threadId,
        @Nullable String turnId,
        TurnOutcome status,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String finalText,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable TurnFailure error,
        StopReason stopReason,
        int toolIterations,
        int stepCount,
        List<Long> stepEndsMs,
        long durationMs,
        int attempts,
        long rateLimitWaitMs,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable TokenUsage tokenUsage,
        boolean retired,
        List<TranscriptMessage> messages,
        @Nullable ThreadReplacement threadReplaced,
        @Nullable String key,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean storeFailed) {

    public TurnResult {
        messages = List.copyOf(messages);
        stepEndsMs = List.copyOf(stepEndsMs);
    }

    /** A result whose turn was stored, or needed no store: {@code storeFailed} false. */
    public TurnResult(@Nullable String threadId, @Nullable String turnId, TurnOutcome status, @Nullable String finalText,
                      @Nullable TurnFailure error, StopReason stopReason, int toolIterations, int stepCount, List<Long> stepEndsMs,
                      long durationMs, int attempts, long rateLimitWaitMs, @Nullable TokenUsage tokenUsage, boolean retired,
                      List<TranscriptMessage> messages, @Nullable ThreadReplacement threadReplaced, @Nullable String key) {
        this(threadId, turnId, status, finalText, error, stopReason, toolIterations, stepCount, stepEndsMs, durationMs, attempts,
                rateLimitWaitMs, tokenUsage, retired, messages, threadReplaced, key, false);
    }

    /** A result without a key. */
    public TurnResult(@Nullable String threadId, @Nullable String turnId, TurnOutcome status, @Nullable String finalText,
                      @Nullable TurnFailure error, StopReason stopReason, int toolIterations, int stepCount, List<Long> stepEndsMs,
                      long durationMs, int attempts, long rateLimitWaitMs, @Nullable TokenUsage tokenUsage, boolean retired,
                      List<TranscriptMessage> messages, @Nullable ThreadReplacement threadReplaced) {
        this(threadId, turnId, status, finalText, error, stopReason, toolIterations, stepCount, stepEndsMs, durationMs, attempts,
                rateLimitWaitMs, tokenUsage, retired, messages, threadReplaced, null);
    }

    /** A result on the thread the session has had all along ({@code threadReplaced} null), without a key. */
    public TurnResult(@Nullable String threadId, @Nullable String turnId, TurnOutcome status, @Nullable String finalText,
                      @Nullable TurnFailure error, StopReason stopReason, int toolIterations, int stepCount, List<Long> stepEndsMs,
                      long durationMs, int attempts, long rateLimitWaitMs, @Nullable TokenUsage tokenUsage, boolean retired,
                      List<TranscriptMessage> messages) {
        this(threadId, turnId, status, finalText, error, stopReason, toolIterations, stepCount, stepEndsMs, durationMs, attempts,
                rateLimitWaitMs, tokenUsage, retired, messages, null, null);
    }

    /** This result, saying the session's thread was replaced before it ran. */
    TurnResult withThreadReplaced(ThreadReplacement replacement) {
        return new TurnResult(threadId, turnId, status, finalText, error, stopReason, toolIterations, stepCount, stepEndsMs, durationMs,
                attempts, rateLimitWaitMs, tokenUsage, retired, messages, replacement, key, storeFailed);
    }

    /** This result with the turn's key. */
    TurnResult withKey(String turnKey) {
        return new TurnResult(threadId, turnId, status, finalText, error, stopReason, toolIterations, stepCount, stepEndsMs, durationMs,
                attempts, rateLimitWaitMs, tokenUsage, retired, messages, threadReplaced, turnKey, storeFailed);
    }

    /** This result with {@code why} as its error. */
    TurnResult withError(TurnFailure why) {
        return new TurnResult(threadId, turnId, status, finalText, why, stopReason, toolIterations, stepCount, stepEndsMs, durationMs,
                attempts, rateLimitWaitMs, tokenUsage, retired, messages, threadReplaced, key, storeFailed);
    }

    /** This completed result, saying the store that keeps each turn could not keep it. */
    TurnResult withStoreFailed() {
        return new TurnResult(threadId, turnId, status, finalText, error, stopReason, toolIterations, stepCount, stepEndsMs, durationMs,
                attempts, rateLimitWaitMs, tokenUsage, retired, messages, threadReplaced, key, true);
    }

    /**
     * This completed result, failed with {@code why}: the session lost the conversation's lease
     * before the turn could be stored, so no store will ever keep it (decision 0082).
     */
    TurnResult notKept(TurnFailure why) {
        return new TurnResult(threadId, turnId, TurnOutcome.FAILED, finalText, why, stopReason, toolIterations, stepCount, stepEndsMs,
                durationMs, attempts, rateLimitWaitMs, tokenUsage, retired, messages, threadReplaced, key, false);
    }

    public boolean completed() {
        return status == TurnOutcome.COMPLETED;
    }

    public String toJson() {
        return Json.write(this);
    }
}
