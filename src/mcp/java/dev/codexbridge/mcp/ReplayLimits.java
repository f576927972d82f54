package dev.codexbridge.mcp;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of its SSE streams the HTTP server keeps for clients that reconnect with
 * {@code Last-Event-ID} (decision 0046). Per stream: at most {@code eventsPerStream} events and
 * {@code bytesPerStream} bytes of their data (the oldest dropped first; a client asking for events
 * before the oldest kept one is refused), kept {@code keptAfterEnd} after the stream's last event.
 * In all: at most {@code streams} streams, those that ended longest ago dropped first.
 */
public record ReplayLimits(int eventsPerStream, int bytesPerStream, Duration keptAfterEnd, int streams) {
    public static final ReplayLimits DEFAULTS = new ReplayLimits(1000, 1024 * 1024, Duration.ofMinutes(5), 4096);

    public ReplayLimits {
        Objects.requireNonNull(keptAfterEnd, "keptAfterEnd");
        if (eventsPerStream < 1 || bytesPerStream < 1024 || streams < 1) {
            throw new IllegalArgumentException("replay limits must be at least 1 (bytesPerStream at least 1024): " + eventsPerStream
                    + ", " + bytesPerStream + ", " + streams);
        }
        if (keptAfterEnd.isNegative()) {
            throw new IllegalArgumentException("keptAfterEnd must not be negative: " + keptAfterEnd);
        }
    }
}
