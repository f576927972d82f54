package dev.codexbridge.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How a connection paces the requests that load a thread in codex ({@code thread/start},
 * {@code thread/resume}, {@code thread/fork}) — new sessions, wakes from hibernation, opens and a
 * reconnect's resumes share one window (decision 0055).
 *
 * @param atOnce   how many may be in flight at once
 * @param queue    how many callers may wait for the window; one more is refused at once with a
 *                 {@link ThreadOpenCapacityException} (a reconnect's resumes always wait, first)
 * @param maxWait  how long a caller waits for the window before it is refused the same way; sooner,
 *                 as soon as the pace codex answers the current burst at shows that its turn would
 *                 come later (decision 0095)
 */
public record ThreadOpens(int atOnce, int queue, Duration maxWait) {
    /**
     * 16 at once (what codex 0.169.0 answers without dropping answers under a burst, as a
     * reconnect's resumes have always been paced), 1,000 waiting, 30 s each at most.
     */
    public static final ThreadOpens DEFAULT = new ThreadOpens(16, 1_000, Duration.ofSeconds(30));

    public ThreadOpens {
        Objects.requireNonNull(maxWait, "maxWait");
        if (atOnce < 1) {
            throw new IllegalArgumentException("atOnce must be at least 1, was " + atOnce);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("queue must not be negative, was " + queue);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative, was " + maxWait);
        }
    }
}
