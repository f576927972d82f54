package dev.codexbridge.store;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link SendRecords} holds of one request sent with an idempotency key: the request's
 * fingerprint (a copy must match it), who holds it while it runs ({@code holder}, {@code token},
 * until {@code heldUntil}), when it was first sent, and the answer once there is one.
 *
 * @param outcome the answer as the door gave it (its own text), or null while the request runs
 * @param lapsed  no answer, and its holder's hold ended: it ran out, or (PostgreSQL) the holder's
 *                session with the database ended. The holder is gone, and what became of the
 *                request is not known here; a copy may settle it ({@link SendRecords#settle})
 */
public record SendRecord(SendKey key, String fingerprint, String holder, String token, Instant createdAt, Instant heldUntil,
        @Nullable String outcome, boolean lapsed) {
    public SendRecord {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(heldUntil, "heldUntil");
    }

    /** Whether the request was answered. */
    public boolean answered() {
        return outcome != null;
    }
}
