package dev.codexbridge.store;

import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.store.spi.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file of a conversation's lineage: where it lies under a codex home's {@code sessions/}
 * folder ({@code 2026/11/25/rollout-2026-11-25T03-05-19-<threadId>.jsonl}, or
 * {@code …-<threadId>_<rolloutId>.jsonl} for the file a revert starts), how many bytes it has, their
 * SHA-256 (lowercase hex), and where to read them.
 *
 * <p>The path is checked against codex's naming: forward slashes, the date folders of the file's
 * own timestamp, a canonical thread id; so no {@code ..}, no absolute path and nothing outside
 * {@code sessions/} can be named. Two files are equal when path, size and hash are.
 */
public record RolloutFile(String relativePath, long size, String sha256, RolloutSource content) {
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final Pattern NAME = Pattern.compile("(\\d{4})/(\\d{2})/(\\d{2})/rollout-(\\d{4})-(\\d{2})-(\\d{2})T\\d{2}-\\d{2}-\\d{2}-("
            + UUID + ")(?:_(" + UUID + "))?\\.jsonl");
    private static final Pattern THREAD_ID = Pattern.compile(UUID);
    private static final Pattern HEX_256 = Pattern.compile("[0-9a-f]{64}");

    public RolloutFile {
        Objects.requireNonNull(relativePath, "relativePath");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(content, "content");
        Optional<String> problem = nameProblem(relativePath);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for rollout " + relativePath);
        }
        if (!HEX_256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a lowercase hex SHA-256 for rollout " + relativePath);
        }
    }

    /** A file whose bytes are in memory; its size and hash are computed here. */
    public static RolloutFile of(String relativePath, byte[] bytes) {
        byte[] copy = bytes.clone();
        return new RolloutFile(relativePath, copy.length, Sha256.hex(copy), RolloutSource.of(copy));
    }

    /**
     * The file {@code file} of a codex home whose sessions folder is {@code sessionsDir}, read once
     * here for its size and hash and again when stored (a file that changed in between is refused).
     */
    public static RolloutFile read(Path sessionsDir, Path file) {
        Path relative = sessionsDir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize());
        String path = relative.toString().replace(relative.getFileSystem().getSeparator(), "/");
        try (InputStream in = Files.newInputStream(file)) {
            Sha256.Counted counted = Sha256.of(in);
            return new RolloutFile(path, counted.size(), counted.hex(), RolloutSource.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rollout " + file, e);
        }
    }

    /** Whether {@code relativePath} is a rollout file's path under {@code sessions/} as codex names it. */
    public static boolean isRolloutPath(String relativePath) {
        return nameProblem(relativePath).isEmpty();
    }

    /** Whether {@code id} is a thread id as codex writes it: a lowercase canonical UUID. */
    public static boolean isThreadId(String id) {
        return THREAD_ID.matcher(id).matches();
    }

    private static Optional<String> nameProblem(String relativePath) {
        Matcher m = NAME.matcher(relativePath);
        if (!m.matches()) {
            return Optional.of("not a rollout path under sessions/ as codex names it (YYYY/MM/DD/rollout-<time>-<thread id>[_<rollout id>].jsonl): "
                    + shown(relativePath));
        }
        if (!m.group(1).equals(m.group(4)) || !m.group(2).equals(m.group(5)) || !m.group(3).equals(m.group(6))) {
            return Optional.of("the date folders of rollout " + relativePath + " are not its own date");
        }
        return Optional.empty();
    }

    private static String shown(String path) {
        return UntrustedText.escape(UntrustedText.redactedPrefix(path, 200));
    }

    /** The thread whose rollout this is (a fork's lineage holds its source thread's files too). */
    public String threadId() {
        Matcher m = NAME.matcher(relativePath);
        m.matches();
        return m.group(7);
    }

    /** A new stream over the file's bytes. */
    public InputStream open() throws IOException {
        return content.open();
    }

    /** The file's bytes, read from its source. */
    public byte[] bytes() {
        try (InputStream in = content.open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rollout " + relativePath, e);
        }
    }

    /** Where the file goes in a codex home whose sessions folder is {@code sessionsDir}. */
    public Path resolveIn(Path sessionsDir) {
        return sessionsDir.resolve(relativePath.replace("/", sessionsDir.getFileSystem().getSeparator()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RolloutFile f && f.relativePath.equals(relativePath) && f.size == size && f.sha256.equals(sha256);
    }

    @Override
    public int hashCode() {
        return Objects.hash(relativePath, size, sha256);
    }

    @Override
    public String toString() {
        return "RolloutFile[" + relativePath + ", " + size + " bytes, sha256 " + sha256 + "]";
    }
}
