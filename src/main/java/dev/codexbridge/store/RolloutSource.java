package dev.codexbridge.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a rollout file's bytes come from: opened once per read, so a store can stream a large
 * lineage instead of holding it in memory. A source that fails or ends early fails the write it
 * belongs to, and the store keeps what it had before.
 */
@FunctionalInterface
public interface RolloutSource {
    /** A new stream over the whole file, from its first byte. */
    InputStream open() throws IOException;

    /** Bytes already in memory (not copied: the caller does not change them afterwards). */
    static RolloutSource of(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return () -> new ByteArrayInputStream(bytes);
    }

    /** A file on disk, read when the store reads the source. */
    static RolloutSource of(Path file) {
        Objects.requireNonNull(file, "file");
        return () -> Files.newInputStream(file);
    }
}
