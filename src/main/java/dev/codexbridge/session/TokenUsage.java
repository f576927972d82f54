package dev.codexbridge.session;

import dev.codexbridge.protocol.ThreadTokenUsage;
import dev.codexbridge.protocol.TokenUsageBreakdown;
import org.jspecify.annotations.Nullable;

/** Token counts from {@code thread/tokenUsage/updated}: the thread's total, the last turn's, and the context window. */
public record TokenUsage(Counts total, Counts last, @Nullable Long modelContextWindow) {

    public record Counts(long totalTokens, long inputTokens, long cachedInputTokens, long outputTokens, long reasoningOutputTokens) {
        static Counts of(TokenUsageBreakdown b) {
            if (b == null) {
                return new Counts(0, 0, 0, 0, 0);
            }
            return new Counts(orZero(b.totalTokens()), orZero(b.inputTokens()), orZero(b.cachedInputTokens()),
                    orZero(b.outputTokens()), orZero(b.reasoningOutputTokens()));
        }

        private static long orZero(Long n) {
            return n == null ? 0 : n;
        }
    }

    static TokenUsage of(ThreadTokenUsage usage) {
        return new TokenUsage(Counts.of(usage.total()), Counts.of(usage.last()), usage.modelContextWindow());
    }
}
