package dev.codexbridge.store;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * What a store keeps of the requests callers sent with an idempotency key (decision 0117;
 * docs/store.md, "Sends"), so that a copy of a request — its caller got no answer and sent it
 * again, to this host or another — is answered with the first one's answer and never runs twice.
 * One record per {@link SendKey}: claimed by the host that runs the request, held while it runs,
 * and then its answer, kept for the window.
 *
 * <ul>
 *   <li><b>One claim.</b> Of any number of hosts claiming one key at once, one gets it
 *       ({@link SendClaim.Claimed}); the others find its record ({@link SendClaim.Found}).</li>
 *   <li><b>A hold.</b> The claimer renews its hold while the request runs; a hold that ran out
 *       (or whose holder's database session ended, on PostgreSQL) is {@link SendRecord#lapsed}.</li>
 *   <li><b>One answer.</b> {@link #settle} keeps the first answer given under the claim's token,
 *       the claimer's or, for a lapsed claim, a copy's; every later one is refused.</li>
 *   <li><b>Bounded.</b> A record is kept for the window from its claim; past it the key is new
 *       again. At most {@code maxRecords} are kept (the oldest forgotten first; stores checking a
 *       count may hold up to a hundred more between checks).</li>
 * </ul>
 *
 * <p>Thread-safe; calls block on storage. The door's side is {@code dev.codexbridge.callers.Resends}.
 */
public interface SendRecords {
    /** How long a record is kept by default: a day, what a caller's retries and its operator's look at a failure take. */
    Duration DEFAULT_WINDOW = Duration.ofHours(24);
    /** How many records a store keeps by default. */
    int DEFAULT_MAX_RECORDS = 100_000;

    /**
     * Claims {@code key} for {@code holder} (a name for the host), held for {@code hold}, or finds
     * the record already there within the window.
     */
    SendClaim claim(SendKey key, String fingerprint, String holder, Duration hold);

    /** Holds the claim {@code token} for {@code hold} from now; false when the record is no longer that claim's or was answered. */
    boolean renew(SendKey key, String token, Duration hold);

    /**
     * Keeps {@code outcome} as the answer to the claim {@code token}; false when the record is no
     * longer that claim's or was answered already (the answer stays the first).
     */
    boolean settle(SendKey key, String token, String outcome);

    /** Forgets the claim {@code token} with no answer (nothing ran): the key is new again. */
    void release(SendKey key, String token);

    /** The key's record within the window. */
    Optional<SendRecord> find(SendKey key);

    /**
     * Records in this process only, for {@code window}, at most {@code maxRecords} and 64 Mi
     * characters of answers in all (the oldest claim forgotten first).
     */
    static SendRecords inMemory(Duration window, int maxRecords, Clock clock) {
        return new MemorySendRecords(window, maxRecords, clock);
    }

    /** {@link #inMemory(Duration, int, Clock)} with the defaults and the system clock. */
    static SendRecords inMemory() {
        return inMemory(DEFAULT_WINDOW, DEFAULT_MAX_RECORDS, Clock.systemUTC());
    }
}
