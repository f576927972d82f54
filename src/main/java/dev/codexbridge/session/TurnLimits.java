package dev.codexbridge.session;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How long a turn may run and how much it may do: a session's defaults
 * ({@code CodexSession.Builder#limits}) and one turn's overrides ({@link TurnOptions#limits()}),
 * where a null component means "the session's".
 *
 * @param turnTimeout wall-clock limit from {@code turn/start}; zero disables it
 * @param idleTimeout limit on time without progress from codex; zero disables it
 * @param maxSteps    agent actions (commands, patches, tool calls, web searches) before the turn
 *                    is interrupted; zero means no budget
 */
public record TurnLimits(@Nullable Duration turnTimeout, @Nullable Duration idleTimeout, @Nullable Integer maxSteps) {
    /** A session's limits unless the host sets others: 10 minutes of wall clock, no idle limit, no step budget. */
    public static final TurnLimits DEFAULTS = new TurnLimits(Duration.ofMinutes(10), Duration.ZERO, 0);
    /** No override: every limit is the session's. */
    public static final TurnLimits INHERIT = new TurnLimits(null, null, null);

    public TurnLimits {
        if (turnTimeout != null && turnTimeout.isNegative() || idleTimeout != null && idleTimeout.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
        if (maxSteps != null && maxSteps < 0) {
            throw new IllegalArgumentException("maxSteps must be >= 0");
        }
    }

    /** A wall-clock and an idle limit (zero disables one; not both), no step budget. */
    public static TurnLimits of(@Nullable Duration turnTimeout, @Nullable Duration idleTimeout) {
        TurnLimits limits = new TurnLimits(turnTimeout, idleTimeout, 0);
        limits.requireSomeTimeout();
        return limits;
    }

    public TurnLimits withTimeouts(@Nullable Duration turn, @Nullable Duration idle) {
        return new TurnLimits(turn, idle, maxSteps);
    }

    public TurnLimits withMaxSteps(int steps) {
        return new TurnLimits(turnTimeout, idleTimeout, steps);
    }

    /** These limits, with {@code defaults}' wherever one is unset. */
    public TurnLimits orElse(TurnLimits defaults) {
        return new TurnLimits(turnTimeout != null ? turnTimeout : defaults.turnTimeout,
                idleTimeout != null ? idleTimeout : defaults.idleTimeout,
                maxSteps != null ? maxSteps : defaults.maxSteps);
    }

    /** A turn must end by itself some time: a wall-clock or an idle limit. */
    void requireSomeTimeout() {
        if (isOff(turnTimeout) && isOff(idleTimeout)) {
            throw new IllegalArgumentException("a turn needs a wall-clock or an idle timeout (both are zero)");
        }
    }

    private static boolean isOff(Duration d) {
        return d == null || d.isZero();
    }
}
