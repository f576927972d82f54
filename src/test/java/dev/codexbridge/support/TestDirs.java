package dev.codexbridge.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Folders for tests outside codex's writable roots ({@code /tmp}, {@code TMPDIR}), where a
 * tenants' homes root is refused and where {@code @TempDir} puts folders: under the build's
 * {@code target/} when the checkout is not itself inside one of those roots (a clone under
 * {@code /tmp}), else under {@code /var/tmp}.
 */
public final class TestDirs {
    private TestDirs() {
    }

    /** A new empty folder {@code <base>/<prefix>-<random>} (absolute, links resolved). */
    public static Path create(String prefix) {
        try {
            Path base = Files.createDirectories(base());
            return Files.createDirectory(base.resolve(prefix + "-" + UUID.randomUUID().toString().substring(0, 8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path base() throws IOException {
        Path target = Files.createDirectories(Path.of("target", "test-dirs")).toRealPath();
        for (String root : new String[] {"/tmp", "/dev/shm", System.getenv("TMPDIR"), System.getProperty("java.io.tmpdir")}) {
            if (root != null && !root.isBlank() && Files.isDirectory(Path.of(root))
                    && target.startsWith(Path.of(root).toRealPath())) {
                return Path.of("/var/tmp", "codex-bridge-test-dirs").toAbsolutePath();
            }
        }
        return target;
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
