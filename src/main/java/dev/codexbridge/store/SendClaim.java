package dev.codexbridge.store;

import java.time.Instant;

/** What {@link SendRecords#claim} answers: the request is the caller's to run now, or it was sent before. */
public sealed interface SendClaim {
    /** No record of the key within the window: the claimer runs the request, holding it with {@code token}. */
    record Claimed(String token, Instant heldUntil) implements SendClaim {
    }

    /** The key's record: the request sent before, running, answered or lapsed. */
    record Found(SendRecord record) implements SendClaim {
    }
}
