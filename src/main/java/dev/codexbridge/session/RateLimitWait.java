package dev.codexbridge.session;

import java.time.Duration;

/**
 * A countdown tick of a turn waiting for a rate limit, sent to
 * {@link TurnListener#onRateLimitWait} when the wait starts, about once a second while it lasts,
 * and once with {@code remaining} zero when it ends.
 *
 * @param attempt   the attempt about to be made, from 1 (1 = the turn's first {@code turn/start})
 * @param total     how long this wait lasts in all
 * @param remaining how much of it is left
 * @param reason    the signal that caused it (the latest rejection the governor saw)
 */
public record RateLimitWait(int attempt, int maxAttempts, Duration total, Duration remaining, RateLimitSignal reason) {
}
