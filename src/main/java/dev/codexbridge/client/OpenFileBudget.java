package dev.codexbridge.client;

import dev.codexbridge.internal.SafeLogger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.slf4j.Logger;

/**
 * The open files a codex process needs per loaded thread, against the limit it inherits from this
 * process (decision 0040). Measured on codex 0.169.0: each loaded thread holds 2 open files, 6
 * with one stdio MCP server configured (4 more per server); under {@code ulimit -n 1024} codex
 * broke at about 480 loaded threads. A client that starts codex therefore serves at most
 * {@code (limit - 64) / 2} threads; hibernated sessions hold none ({@code maxThreads} counts loaded
 * threads). A host with MCP servers sets {@code maxThreads} lower, or raises the limit.
 */
final class OpenFileBudget {
    private static final Logger LOG = SafeLogger.getLogger(OpenFileBudget.class);
    static final int FILES_PER_THREAD = 2;
    static final int FILES_PER_MCP_SERVER = 4;
    /** What codex holds apart from its threads (its binary, logs, sockets, pipes), with room to spare. */
    static final int RESERVED = 64;

    private OpenFileBudget() {
    }

    /** {@code configured}, or fewer when the open-file limit codex inherits cannot hold that many threads. */
    static int maxThreads(int configured, OptionalLong softLimit) {
        if (softLimit.isEmpty()) {
            return configured;
        }
        long budget = Math.max(1, (softLimit.getAsLong() - RESERVED) / FILES_PER_THREAD);
        if (budget >= configured) {
            return configured;
        }
        LOG.warn("codex inherits an open-file limit of {} (ulimit -n) and holds {} open files per loaded thread ({} more per "
                + "stdio MCP server): maxThreads lowered from {} to {}; raise the limit to serve more", softLimit.getAsLong(),
                FILES_PER_THREAD, FILES_PER_MCP_SERVER, configured, budget);
        return (int) budget;
    }

    /** This process's soft open-file limit (which a codex it starts inherits), when the system says (Linux). */
    static OptionalLong softLimit() {
        try {
            return parse(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The soft limit from {@code /proc/<pid>/limits}; empty when unlimited or not there. */
    static OptionalLong parse(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] cols = line.substring("Max open files".length()).trim().split("\\s+");
                if (cols.length > 0 && cols[0].chars().allMatch(Character::isDigit) && !cols[0].isEmpty()) {
                    return OptionalLong.of(Long.parseLong(cols[0]));
                }
            }
        }
        return OptionalLong.empty();
    }
}
