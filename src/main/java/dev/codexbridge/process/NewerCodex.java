package dev.codexbridge.process;

import dev.codexbridge.BuildInfo;
import dev.codexbridge.internal.SafeLogger;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * What a host is told when the codex it runs is newer than {@link CodexVersion#PINNED}, the release
 * this codex-bridge was built and tested against: one line saying so and where the compatibility
 * matrix is ({@value #MATRIX}). A newer codex is used as it is, never refused (only codex older than
 * {@link CodexVersion#MINIMUM_SUPPORTED} is). The handshake logs the line at INFO the first time
 * a binary or an app-server reports a newer version in this process; the CLI's {@code demo} and
 * {@code runtime status} show it too.
 */
public final class NewerCodex {
    /** Where the releases codex-bridge was tested on, and how each behaves, are written down. */
    public static final String MATRIX = "docs/compatibility.md";
    private static final Logger LOG = SafeLogger.getLogger(NewerCodex.class);
    /** {@code where + " " + version} of each newer codex already told about. */
    private static final Set<String> TOLD = ConcurrentHashMap.newKeySet();
    /** How many times a newer codex was connected to or shown, and the line of the last time. */
    private static final AtomicLong SEEN = new AtomicLong();
    private static volatile @Nullable Seen last;

    private record Seen(long number, String notice) {
    }

    private NewerCodex() {
    }

    /**
     * The line for {@code version} when it is newer than the pinned codex, e.g. "codex 0.172.0 is
     * newer than 0.171.0, the release codex-bridge 0.1.0 is tested on; it is used all the same
     * (the releases tested and how each differs: docs/compatibility.md)"; empty for the pinned
     * version and older ones.
     */
    public static Optional<String> line(@Nullable CodexVersion version) {
        if (version == null || version.compareTo(CodexVersion.PINNED) <= 0) {
            return Optional.empty();
        }
        return Optional.of("codex " + version + " is newer than " + CodexVersion.PINNED + ", the release codex-bridge "
                + BuildInfo.version() + " is tested on; it is used all the same (the releases tested and how each differs: "
                + MATRIX + ")");
    }

    /**
     * Logs {@link #line} at INFO, prefixed with {@code where} (a binary's path, an app-server's
     * address), unless it was already logged or shown for that binary and version in this
     * process. Nothing for the pinned version or older ones.
     */
    public static void logOnce(String where, @Nullable CodexVersion version) {
        Optional<String> line = line(version);
        if (line.isPresent() && firstTime(where, version)) {
            LOG.info("{}: {}", where, line.get());
        }
    }

    /**
     * Whether this is the first time {@code where} is said to run the newer {@code version} in this
     * process; a caller that shows the line itself (the CLI's {@code demo}) calls this first, so the
     * handshake does not log it again. False for the pinned version and older ones.
     */
    public static boolean firstTime(String where, @Nullable CodexVersion version) {
        if (line(version).isEmpty()) {
            return false;
        }
        last = new Seen(SEEN.incrementAndGet(), where + ": " + line(version).get());
        return TOLD.add(where + " " + version);
    }

    /** A mark for {@link #noticeSince}: how many times so far a newer codex was connected to or shown in this process. */
    public static long seen() {
        return SEEN.get();
    }

    /**
     * The line of the last newer codex connected to or shown since {@code mark} ({@link #seen}),
     * prefixed with where it is, for an error message to end with; empty when there was none.
     */
    public static Optional<String> noticeSince(long mark) {
        Seen s = last;
        return s == null || s.number() <= mark ? Optional.empty() : Optional.of(s.notice());
    }
}
