package dev.codexbridge.client;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Codex's own log database in its home ({@code logs_2.sqlite} in 0.171.0, with its {@code -wal}
 * and {@code -shm}): codex writes its tracing there at TRACE, bounded by itself per thread and by
 * ten days, not by anything a host sets — 50 – 95 KiB per conversation served (docs/performance.md,
 * "Disk in codex's home"). A recycle gives the fresh codex a fresh one ({@link #letGo}).
 */
final class CodexLogDatabase {
    private CodexLogDatabase() {
    }

    /**
     * Removes the log database's files from {@code home} just before a fresh codex starts there: the
     * codex running now keeps writing to the files it has open (on Linux the removed files live on
     * for it until it exits), the fresh one makes new ones. Codex's log of what it served until
     * now goes with the old process. Returns the bytes removed; a file that cannot be removed is
     * left as it is.
     */
    static long letGo(Path home) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(home, "logs_*.sqlite*")) {
            logs.forEach(files::add);
        } catch (IOException e) {
            return 0;
        }
        long removed = 0;
        for (Path f : files) {
            try {
                long size = Files.size(f);
                if (Files.deleteIfExists(f)) {
                    removed += size;
                }
            } catch (IOException e) {
                // left as it is: codex keeps using it
            }
        }
        return removed;
    }
}
