package dev.codexbridge.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Folders for tests under the build's {@code target/}: the tenants' homes root must not be inside
 * one of codex's writable roots ({@code /tmp}, {@code TMPDIR}), where {@code @TempDir} puts it.
 */
public final class TestDirs {
    private TestDirs() {
    }

    /** A new empty folder {@code target/test-dirs/<prefix>-<random>} (absolute). */
    public static Path underTarget(String prefix) {
        try {
            Path base = Files.createDirectories(Path.of("target", "test-dirs").toAbsolutePath());
            return Files.createDirectory(base.resolve(prefix + "-" + UUID.randomUUID().toString().substring(0, 8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the folder and everything in it, links themselves, never their targets. */
    public static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        }
    }
}
