package dev.codexbridge.session.internal.turn;

import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.transcript.ProjectorOptions;
import java.time.Duration;

/**
 * What a turn runs with besides its options: the session's settings, resolved for this turn.
 *
 * @param limits         this turn's limits, every component set
 * @param requestTimeout deadline of {@code turn/start} and {@code turn/interrupt}
 * @param interruptGrace how long codex gets to confirm an interrupt before the connection is given up
 * @param projector      how codex's items become transcript messages
 * @param rateLimits     the account's governor, or null
 */
public record TurnSetup(TurnLimits limits, Duration requestTimeout, Duration interruptGrace, ProjectorOptions projector,
                 RateLimitGovernor rateLimits) {
}
