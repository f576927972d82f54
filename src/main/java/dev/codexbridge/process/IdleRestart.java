package dev.codexbridge.process;

import java.time.Duration;
import java.util.Objects;

/**
 * When a client starts the codex process of a {@link CodexLaunch} again to give back memory (decision 0060): codex 0.169.0
 * keeps much of what its threads used after it unloaded them (about 96 MiB over its start for 2,000
 * conversations that had all gone to sleep, 300 s later, whatever its allocator is told;
 * docs/performance.md), and only a new process returns it. The client starts a fresh codex and moves
 * the connection to it once the current one has had no thread loaded and no message either way for
 * {@code quietFor}, and its resident memory has grown by at least {@code minGrowthBytes} since its
 * handshake. Nothing is lost by it: codex keeps no thread's state in memory once it unloaded the
 * thread, thread loads wait while the new process starts, and every other request in flight on the
 * old one is answered there before it stops.
 *
 * <p>Only a codex the client started itself is restarted (not an endpoint's app-server, not a
 * transport's), and only where its memory can be read ({@code /proc}). Runtime state a host set by
 * request and codex does not persist (an experimental feature switched on for the process, say) is
 * not carried over; such a host turns this off with {@link #OFF}
 * ({@link CodexLaunch.Builder#idleRestart}).
 *
 * @param quietFor       how long nothing is loaded and nothing is said before a restart is considered
 * @param minGrowthBytes how much codex's resident memory must have grown since its handshake
 */
public record IdleRestart(Duration quietFor, long minGrowthBytes) {
    /** After 60 s quiet with nothing loaded, when codex has grown by 64 MiB or more. */
    public static final IdleRestart DEFAULT = new IdleRestart(Duration.ofSeconds(60), 64L << 20);
    /** Never restarted for memory. */
    public static final IdleRestart OFF = new IdleRestart(Duration.ZERO, Long.MAX_VALUE);

    public IdleRestart {
        Objects.requireNonNull(quietFor, "quietFor");
        if (quietFor.isNegative()) {
            throw new IllegalArgumentException("quietFor must not be negative, was " + quietFor);
        }
        if (minGrowthBytes < 1) {
            throw new IllegalArgumentException("minGrowthBytes must be at least 1, was " + minGrowthBytes);
        }
    }

    /** Whether this policy ever restarts codex. */
    public boolean enabled() {
        return minGrowthBytes != Long.MAX_VALUE;
    }

    /** How often a client looks: a quarter of the quiet time, between 1 and 30 s. */
    public Duration checkEvery() {
        long ms = Math.max(1_000, Math.min(30_000, quietFor.toMillis() / 4));
        return Duration.ofMillis(ms);
    }
}
