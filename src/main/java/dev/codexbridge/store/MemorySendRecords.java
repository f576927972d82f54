package dev.codexbridge.store;

import dev.codexbridge.store.spi.SendChecks;
import dev.codexbridge.store.spi.StoreChecks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link SendRecords#inMemory}: the records in this process, oldest claim first, the oldest
 * forgotten beyond the count or beyond {@link #MAX_ANSWER_CHARS} of answers in all (the heap is
 * the process's: a count of records each up to 1 MiB would not bound it). Its claims never lapse by
 * a holder's death (the holder is this process), only when their hold is not renewed. Guarded by
 * its own monitor.
 */
final class MemorySendRecords implements SendRecords {
    /** The answers' characters kept in all: 64 Mi, some thousands of answers of a few KiB. */
    static final long MAX_ANSWER_CHARS = 64L << 20;
    private final Duration window;
    private final int max;
    private final Clock clock;
    private final Map<SendKey, SendRecord> records = new LinkedHashMap<>();
    private long answerChars;

    MemorySendRecords(Duration window, int maxRecords, Clock clock) {
        SendChecks.bounds(window, maxRecords);
        this.window = window;
        this.max = maxRecords;
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized SendClaim claim(SendKey key, String fingerprint, String holder, Duration hold) {
        SendChecks.claim(key, fingerprint, holder, hold);
        Instant now = clock.instant();
        Optional<SendRecord> found = find(key, now);
        if (found.isPresent()) {
            return new SendClaim.Found(found.get());
        }
        String token = StoreChecks.newToken();
        Instant until = StoreChecks.expiry(now, hold);
        forget(key);
        records.put(key, new SendRecord(key, fingerprint, holder, token, now, until, null, false));
        trim(key);
        return new SendClaim.Claimed(token, until);
    }

    @Override
    public synchronized boolean renew(SendKey key, String token, Duration hold) {
        StoreChecks.ttl(hold);
        SendRecord r = records.get(key);
        if (r == null || !r.token().equals(token) || r.answered()) {
            return false;
        }
        records.put(key, new SendRecord(key, r.fingerprint(), r.holder(), token, r.createdAt(), StoreChecks.expiry(clock.instant(), hold),
                null, false));
        return true;
    }

    @Override
    public synchronized boolean settle(SendKey key, String token, String outcome) {
        SendChecks.outcome(outcome);
        SendRecord r = records.get(key);
        if (r == null || !r.token().equals(token) || r.answered()) {
            return false;
        }
        records.put(key, new SendRecord(key, r.fingerprint(), r.holder(), token, r.createdAt(), r.heldUntil(), outcome, false));
        answerChars += outcome.length();
        trim(key);
        return true;
    }

    /** Forgets the oldest records (never {@code kept}) while there are more than the count or their answers are too long. */
    private void trim(SendKey kept) {
        java.util.Iterator<SendKey> oldest = records.keySet().iterator();
        while ((records.size() > max || answerChars > MAX_ANSWER_CHARS) && oldest.hasNext()) {
            SendKey k = oldest.next();
            if (!k.equals(kept)) {
                SendRecord gone = records.get(k);
                oldest.remove();
                answerChars -= gone.answered() ? gone.outcome().length() : 0;
            }
        }
    }

    private void forget(SendKey key) {
        SendRecord gone = records.remove(key);
        if (gone != null && gone.answered()) {
            answerChars -= gone.outcome().length();
        }
    }

    @Override
    public synchronized void release(SendKey key, String token) {
        SendRecord r = records.get(key);
        if (r != null && r.token().equals(token) && !r.answered()) {
            forget(key);
        }
    }

    @Override
    public synchronized Optional<SendRecord> find(SendKey key) {
        return find(key, clock.instant());
    }

    private Optional<SendRecord> find(SendKey key, Instant now) {
        SendRecord r = records.get(key);
        if (r == null || !r.createdAt().plus(window).isAfter(now)) {
            return Optional.empty();
        }
        boolean lapsed = !r.answered() && !r.heldUntil().isAfter(now);
        return Optional.of(lapsed ? new SendRecord(key, r.fingerprint(), r.holder(), r.token(), r.createdAt(), r.heldUntil(), null, true) : r);
    }
}
