package dev.codexbridge.store.spi;

import dev.codexbridge.store.SendKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/** The checks every {@code SendRecords} makes the same way: its bounds, a claim's arguments, an answer's size. */
public final class SendChecks {
    /** The largest answer a record keeps, in UTF-8 bytes: a door keeps a larger one's place with a short answer of its own. */
    public static final int MAX_OUTCOME_BYTES = 1 << 20;
    /** The longest window: a record past it is forgotten. */
    public static final Duration MAX_WINDOW = Duration.ofDays(30);

    private SendChecks() {
    }

    /** A store's window and count bound. */
    public static void bounds(Duration window, int maxRecords) {
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero() || window.compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("a send record is kept more than 0 and at most " + MAX_WINDOW + ": " + window);
        }
        if (maxRecords < 1) {
            throw new IllegalArgumentException("keep at least one send record, not " + maxRecords);
        }
    }

    /** A claim's arguments: the holder is a lease holder's kind of name, the hold a lease's kind of time. */
    public static void claim(SendKey key, String fingerprint, String holder, Duration hold) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (fingerprint.isEmpty() || fingerprint.length() > 128) {
            throw new IllegalArgumentException("a request's fingerprint is 1 to 128 characters");
        }
        Objects.requireNonNull(holder, "holder");
        if (holder.isBlank() || holder.length() > StoreChecks.MAX_HOLDER_CHARS || holder.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a send's holder is 1 to " + StoreChecks.MAX_HOLDER_CHARS + " characters, no U+0000");
        }
        StoreChecks.ttl(hold);
    }

    /** An answer a record may keep. */
    public static String outcome(String outcome) {
        Objects.requireNonNull(outcome, "outcome");
        if (outcome.length() > MAX_OUTCOME_BYTES || outcome.getBytes(StandardCharsets.UTF_8).length > MAX_OUTCOME_BYTES) {
            throw new IllegalArgumentException("a send's answer is at most " + MAX_OUTCOME_BYTES + " bytes of UTF-8");
        }
        if (outcome.indexOf('\0') >= 0) {
            // PostgreSQL's text holds none: a door's answer is JSON, which escapes it
            throw new IllegalArgumentException("a send's answer has no U+0000 character");
        }
        return outcome;
    }
}
