package dev.codexbridge.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
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

    /**
     * Deletes the folder and everything in it, links themselves, never their targets. A file that
     * appears while the folder is emptied (a process finishing a write as it stops) is taken too,
     * for up to 10 s.
     */
    public static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                deleteTree(dir);
                return;
            } catch (DirectoryNotEmptyException e) {
                if (System.nanoTime() - until > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            // a file removed under the walk by whoever wrote it: what is left is taken on the next pass
            if (!(e.getCause() instanceof NoSuchFileException)) {
                throw e;
            }
            if (Files.exists(dir)) {
                throw new DirectoryNotEmptyException(dir.toString());
            }
        }
    }
}
