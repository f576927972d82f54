package dev.codexbridge.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Opening a conversation that another host holds: the open is tried again once that host's lease
 * runs out, when it runs out within a bound; otherwise the refusal is the caller's.
 *
 * <p>A host that died holds its conversations until their leases expire (a door's lease is 6 s),
 * and a wait that long serves the caller without a retry of its own. A live host renews its lease
 * at a third of its time, so each try finds the lease moved on: the open fails, at the latest when
 * the bound is spent, with the lease's expiry in the failure
 * ({@link #refusal}, {@code ThreadOpenException.heldUntil()}). MCP's {@code codex-reply}, the
 * A2A server's recovery of a dead replica's task and the Spring starters'
 * {@code CodexSessions.resume} wait {@link #DEFAULT_BOUND}. docs/store.md, "Resuming a
 * conversation another host holds".
 */
public final class LeaseWait {
    /** How long the doors and the Spring starter wait for another host's hold to run out: a door's lease (6 s) and a margin for the hosts' clocks. */
    public static final Duration DEFAULT_BOUND = Duration.ofSeconds(10);
    /** Past a lease's expiry before the next try: the store's clock and this host's may differ by a moment. */
    private static final long MARGIN_MS = 50;
    /** Longer than any bound is meant to be, and still a {@code long} of nanoseconds. */
    private static final Duration CENTURY = Duration.ofDays(36_525);
    /** How deep a failure's causes are searched. */
    private static final int MAX_DEPTH = 16;

    private LeaseWait() {
    }

    /**
     * Runs {@code open}; while it fails because another host holds the conversation (a
     * {@link ConversationLeasedException} among the failure's causes) whose lease expires before
     * {@code bound} from now has passed, waits for the expiry and runs it again. Any other failure,
     * a lease that expires later, or an interrupt of the wait (the thread's interrupt flag set
     * again) ends the tries: the last failure is thrown as it is.
     *
     * @param bound the longest the tries may wait in all; {@link Duration#ZERO}: one try
     */
    public static <T> T retrying(Duration bound, Supplier<T> open) {
        Objects.requireNonNull(open, "open");
        if (Objects.requireNonNull(bound, "bound").isNegative()) {
            throw new IllegalArgumentException("bound must not be negative: " + bound);
        }
        long ends = System.nanoTime() + nanos(bound);
        while (true) {
            try {
                return open.get();
            } catch (RuntimeException e) {
                ConversationLeasedException held = refusal(e);
                if (held == null || !waitedFor(held.expiresAt(), ends)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Waits until a hold that expires at {@code expiresAt} has run out, when that is no more than
     * {@code bound} from now; false at once when it is further off, and when the wait was
     * interrupted (the thread's interrupt flag set again).
     */
    public static boolean awaitExpiry(Instant expiresAt, Duration bound) {
        Objects.requireNonNull(expiresAt, "expiresAt");
        return waitedFor(expiresAt, System.nanoTime() + nanos(Objects.requireNonNull(bound, "bound")));
    }

    /** The store's refusal because another host holds the conversation, anywhere among {@code failure}'s causes; null when there is none. */
    public static @Nullable ConversationLeasedException refusal(@Nullable Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof ConversationLeasedException leased) {
                return leased;
            }
        }
        return null;
    }

    /** {@code bound} in nanoseconds; one too long for a {@code long}, a century. */
    private static long nanos(Duration bound) {
        return bound.compareTo(CENTURY) > 0 ? CENTURY.toNanos() : bound.toNanos();
    }

    /** Sleeps until {@code expiresAt} and a margin when that comes before {@code ends} ({@link System#nanoTime}); whether it did. */
    private static boolean waitedFor(Instant expiresAt, long ends) {
        long now = System.nanoTime();
        Duration left = Duration.between(Instant.now(), expiresAt);
        if (now - ends >= 0 || left.compareTo(Duration.ofNanos(ends - now)) > 0) {
            return false;
        }
        try {
            Thread.sleep(Math.max(0, left.toMillis()) + MARGIN_MS);
            return true;
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
