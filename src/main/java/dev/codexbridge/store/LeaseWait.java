package dev.codexbridge.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Opening a conversation that another host holds: the open is tried again once that host's lease
 * runs out, when it runs out within a bound; otherwise the refusal is the caller's.
 *
 * <p>A host that died holds its conversations until their leases expire (a door's lease is 6 s),
 * and a wait that long serves the caller without a retry of its own. A live host is asked for the
 * conversation by the refused open itself, and lets go of it when its session of it is idle: at
 * once when the store tells it of the ask (decision 0118), else at its next renewal (decision
 * 0105); the open is tried again as soon as the store says the lease was given back, else at its
 * next look. A live host at work renews its lease at a third of its time, so each try finds the lease moved on: the open fails, at the latest when
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
    /** How often an open is tried again while its holder was asked for the conversation: a holder lets go at a renewal. */
    private static final long POLL_MS = 250;
    /** How deep a failure's causes are searched. */
    private static final int MAX_DEPTH = 16;

    private LeaseWait() {
    }

    /**
     * Runs {@code open}; while it fails because another host holds the conversation (a
     * {@link ConversationLeasedException} among the failure's causes) whose lease expires before
     * {@code bound} from now has passed, waits for the expiry and runs it again. When the refusal
     * says the holder was {@linkplain ConversationLeasedException#handOverAsked() asked} for the
     * conversation (decision 0105) and renews within what is left of {@code bound}
     * ({@link #mayHandOverWithin}), it is run again every {@value #POLL_MS} ms instead, or as soon
     * as the store says the lease was given back ({@link ConversationLeasedException#released()}),
     * until {@code bound} has passed: an idle holder lets go when told of the ask. Any other failure,
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
                if (held == null || !(mayHandOverWithin(held, Duration.ofNanos(Math.max(0, ends - System.nanoTime())))
                        ? polled(ends, held) : waitedFor(held.expiresAt(), ends))) {
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

    /**
     * Whether the holder behind {@code held} was asked for the conversation and renews its lease —
     * when an idle holder lets go — within {@code within}: a holder renews at a third of its lease's
     * time, so at the latest a third of the time its lease has left from now. A door's 6 s lease is
     * renewed within 2 s; a 75 s lease (a codex other hosts reach) is not waited on this way.
     */
    public static boolean mayHandOverWithin(ConversationLeasedException held, Duration within) {
        Duration left = Duration.between(Instant.now(), held.expiresAt());
        return held.handOverAsked() && left.dividedBy(3).compareTo(within) < 0;
    }

    /**
     * Waits {@link #POLL_MS} (less when {@code ends} comes sooner), or until the store says the
     * holder gave the lease back ({@link ConversationLeasedException#released()}); false once
     * {@code ends} has passed, and on an interrupt.
     */
    private static boolean polled(long ends, ConversationLeasedException held) {
        long left = ends - System.nanoTime();
        return left > 0 && awaitRelease(held, Duration.ofMillis(Math.max(1, Math.min(POLL_MS, Duration.ofNanos(left).toMillis()))));
    }

    /**
     * Waits until the store says the holder behind {@code held} gave the lease back (decision 0118)
     * or {@code atMost} has passed, whichever comes first: the wait between two tries of an open
     * whose holder was asked for the conversation. False only when interrupted (the thread's
     * interrupt flag set again).
     */
    public static boolean awaitRelease(ConversationLeasedException held, Duration atMost) {
        try {
            held.released().toCompletableFuture().get(Math.max(1, atMost.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException | java.util.concurrent.CancellationException lookAgain) {
            // the poll's own time: the lease may be free all the same, its word missed
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
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
