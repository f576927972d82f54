package dev.codexbridge.process;

import java.time.Duration;
import java.util.Objects;

/**
 * When a client starts the codex process of a {@link CodexLaunch} again while it serves (decision
 * 0116): codex 0.171.0 keeps a few KiB for every conversation it served, unloaded or not, and only
 * a new process gives them back; {@link IdleRestart} does so once nothing is loaded for a while,
 * which steady traffic never allows. Once either bound is passed, the client holds back new thread
 * loads and new turns (for at most {@link #hold}), waits for the turns running to end,
 * starts a fresh codex on the same home and moves the connection to it; what it held goes there.
 * A conversation awake on the old process is resumed on the new one by its next turn, a wake's
 * cost; nothing running is cut. With turns still running at the end of the hold, the held work
 * goes on where it was and the client tries again {@link #RETRY_SECONDS} s later.
 *
 * <p>Only a codex the client started itself is recycled (not an endpoint's app-server, not a
 * transport's); the memory bound needs {@code /proc}. Runtime state a host set by request and
 * codex keeps only in memory is not carried over, as with {@link IdleRestart}.
 *
 * @param afterConversations recycle once codex has loaded this many threads (started, resumed or
 *                           forked) since it started; 0: no such bound
 * @param grownBytes         recycle once codex's resident memory has grown by this much since its
 *                           handshake; 0: no such bound
 * @param hold               how long new loads and turns wait, at most, for the turns running to end
 *                           ({@link #HOLD}); past it they go on where they were, and the client tries
 *                           again {@link #RETRY_SECONDS} s later
 */
public record AppServerRecycle(long afterConversations, long grownBytes, Duration hold) {
    /** The default {@link #hold}: what a turn asked for as a recycle begins waits at most, besides the new codex's start. */
    public static final Duration HOLD = Duration.ofSeconds(10);
    /** Never recycled under load (the default). */
    public static final AppServerRecycle OFF = new AppServerRecycle(0, 0, HOLD);
    /** How long after a hold that found turns still running the client tries again. */
    public static final int RETRY_SECONDS = 30;

    public AppServerRecycle {
        if (afterConversations < 0 || grownBytes < 0) {
            throw new IllegalArgumentException("recycle bounds must not be negative, were " + afterConversations + " conversations and "
                    + grownBytes + " bytes");
        }
        Objects.requireNonNull(hold, "hold");
        if (hold.isNegative() || hold.isZero()) {
            throw new IllegalArgumentException("a recycle's hold must be positive, was " + hold);
        }
    }

    /** Recycled after {@code conversations} threads loaded since codex started. */
    public static AppServerRecycle afterConversations(long conversations) {
        return new AppServerRecycle(conversations, 0, HOLD);
    }

    /** Recycled once codex's resident memory has grown by {@code mebibytes} MiB since its start. */
    public static AppServerRecycle aboveGrowthMiB(long mebibytes) {
        return new AppServerRecycle(0, Math.multiplyExact(mebibytes, 1L << 20), HOLD);
    }

    /** Both bounds: whichever is passed first. */
    public AppServerRecycle orAboveGrowthMiB(long mebibytes) {
        return new AppServerRecycle(afterConversations, Math.multiplyExact(mebibytes, 1L << 20), hold);
    }

    /** The same bounds, new loads and turns waiting up to {@code hold} for the turns running to end. */
    public AppServerRecycle holdingUpTo(Duration hold) {
        return new AppServerRecycle(afterConversations, grownBytes, hold);
    }

    /** Whether this policy ever recycles codex. */
    public boolean enabled() {
        return afterConversations > 0 || grownBytes > 0;
    }

    /**
     * Whether a codex that loaded {@code conversations} threads since it started and grew by
     * {@code grown} bytes (negative: not known) is past a bound.
     */
    public boolean due(long conversations, long grown) {
        return afterConversations > 0 && conversations >= afterConversations || grownBytes > 0 && grown >= grownBytes;
    }

    /** The bounds as a log line says them: "after 10000 conversations or 512 MiB grown". */
    public String describe() {
        if (!enabled()) {
            return "never";
        }
        String conversations = afterConversations > 0 ? "after " + afterConversations + " conversations" : "";
        String grown = grownBytes > 0 ? (grownBytes >> 20) + " MiB grown" : "";
        return conversations.isEmpty() ? grown : grown.isEmpty() ? conversations : conversations + " or " + grown;
    }
}
