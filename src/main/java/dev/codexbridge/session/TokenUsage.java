package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;

/** Token counts from {@code thread/tokenUsage/updated}: the thread's total, the last turn's, and the context window. */
public record TokenUsage(Counts total, Counts last, Long modelContextWindow) {

    public record Counts(long totalTokens, long inputTokens, long cachedInputTokens, long outputTokens, long reasoningOutputTokens) {
        static Counts of(JsonNode n) {
            return new Counts(n.path("totalTokens").asLong(), n.path("inputTokens").asLong(), n.path("cachedInputTokens").asLong(),
                    n.path("outputTokens").asLong(), n.path("reasoningOutputTokens").asLong());
        }
    }

    static TokenUsage of(JsonNode tokenUsage) {
        JsonNode window = tokenUsage.path("modelContextWindow");
        return new TokenUsage(Counts.of(tokenUsage.path("total")), Counts.of(tokenUsage.path("last")),
                window.isNumber() ? window.asLong() : null);
    }
}
