package dev.codexbridge.session.internal.inbox;

import java.util.UUID;

/**
 * A turn's key and the id its user message carries in codex's record ({@code clientUserMessageId},
 * kept by codex as the user message's {@code clientId}): the key for the first attempt, the key
 * and {@code #n} for the n-th (a retry after a rate limit is a turn of its own in codex).
 */
public final class TurnKeys {
    private static final String ATTEMPT = "#";

    private TurnKeys() {
    }

    /** A key of the library's: random, so no two turns on any thread share one. */
    public static String fresh() {
        return UUID.randomUUID().toString();
    }

    /** The id attempt {@code attempt} of the turn with {@code key} sends as {@code clientUserMessageId}. */
    public static String messageId(String key, int attempt) {
        return attempt <= 1 ? key : key + ATTEMPT + attempt;
    }

    /** Whether {@code clientId} (from codex's record) names an attempt of the turn with {@code key}. */
    public static boolean ofKey(String clientId, String key) {
        return clientId != null && (clientId.equals(key)
                || clientId.startsWith(key + ATTEMPT) && clientId.substring(key.length() + 1).chars().allMatch(Character::isDigit));
    }
}
