package dev.codexbridge.process;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Where a line of codex's stderr goes in the host's log. A line in codex's log format is logged
 * at codex's own level to {@code dev.codexbridge.codex.stderr.<target>} (codex's Rust module
 * path with {@code ::} as {@code .}: {@code dev.codexbridge.codex.stderr.codex_core.client}), so
 * a host tunes it per codex module or for all of codex at {@code dev.codexbridge.codex.stderr};
 * its text is the message with its fields, the colour escapes removed. Any other line (a
 * panic, a plain notice) goes to {@code dev.codexbridge.codex.stderr} at debug level, as every
 * line did before. Either way through {@link SafeLogger}: secrets masked, control characters
 * escaped.
 *
 * <p>The notices codex prints at every start in a container or under a temporary folder
 * ({@link StderrDigest#harmless}: no bubblewrap on PATH, which codex logs as ERROR, and the like)
 * are logged at INFO at most: they do not say anything went wrong, and an ERROR at every start
 * teaches operators to ignore ERROR. What codex says of its own state database when a rollout it
 * knew has moved ({@link StderrDigest#housekeeping}: the library's sleeps and wakes move them) is
 * logged at DEBUG and counted by the process instead ({@link CodexProcess#stateDatabaseNotices()}).
 */
final class CodexStderrLog {
    static final String BASE = "dev.codexbridge.codex.stderr";
    /** A codex sending ever new targets cannot grow the cache past this; the rest use {@link #BASE}. */
    private static final int MAX_TARGETS = 256;

    private static final Logger BASE_LOG = SafeLogger.getLogger(BASE);
    private static final Map<String, Logger> BY_TARGET = new ConcurrentHashMap<>();

    private CodexStderrLog() {
    }

    /**
     * Logs one line of codex's stderr (without its line end); true when it was codex's note on its
     * state database ({@link StderrDigest#housekeeping}), logged at DEBUG.
     */
    static boolean log(String line) {
        CodexLogLine parsed = CodexLogLine.parse(line);
        if (parsed == null) {
            if (BASE_LOG.isDebugEnabled()) {
                BASE_LOG.debug("{}", line);
            }
            return false;
        }
        Level level = parsed.level();
        boolean housekeeping = StderrDigest.housekeeping(parsed.text());
        if (housekeeping) {
            level = Level.DEBUG;
        } else if ((level == Level.ERROR || level == Level.WARN) && StderrDigest.harmless(parsed.text())) {
            level = Level.INFO;
        }
        Logger logger = loggerFor(parsed.target());
        if (!enabled(logger, level)) {
            return housekeeping;
        }
        // masked before the colour is removed: a secret right after a colour that follows a
        // letter starts a word only while the colour is there
        String redacted = UntrustedText.redact(line);
        CodexLogLine shown = CodexLogLine.parse(redacted);
        log(logger, level, shown != null ? shown.text() : CodexLogLine.stripColour(redacted));
        return housekeeping;
    }

    private static boolean enabled(Logger logger, Level level) {
        return switch (level) {
            case ERROR -> logger.isErrorEnabled();
            case WARN -> logger.isWarnEnabled();
            case INFO -> logger.isInfoEnabled();
            case DEBUG -> logger.isDebugEnabled();
            case TRACE -> logger.isTraceEnabled();
        };
    }

    static Logger loggerFor(String target) {
        if (target == null) {
            return BASE_LOG;
        }
        Logger known = BY_TARGET.get(target);
        if (known != null) {
            return known;
        }
        if (BY_TARGET.size() >= MAX_TARGETS) {
            return BASE_LOG;
        }
        return BY_TARGET.computeIfAbsent(target, t -> SafeLogger.getLogger(BASE + "." + t.replace("::", ".")));
    }

    /** How many module loggers are cached (bounded by {@link #MAX_TARGETS}). */
    static int targetsKnown() {
        return BY_TARGET.size();
    }

    /** Forgets the cached module loggers (a test that filled the cache puts it back). */
    static void forgetTargets() {
        BY_TARGET.clear();
    }

    private static void log(Logger logger, Level level, String text) {
        switch (level) {
            case ERROR -> logger.error("{}", text);
            case WARN -> logger.warn("{}", text);
            case INFO -> logger.info("{}", text);
            case DEBUG -> logger.debug("{}", text);
            case TRACE -> logger.trace("{}", text);
        }
    }
}
