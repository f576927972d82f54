package dev.codexbridge.store;

import dev.codexbridge.store.spi.Sha256;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a put says of one rollout that only grew since the version it was made from: the file at
 * {@code relativePath} is the stored version's file at that path — {@code baseSize} bytes whose
 * SHA-256 is {@code baseSha256} — followed by {@code tailSize} more bytes, read from {@code tail},
 * whose SHA-256 is {@code tailSha256}. Codex only appends to a thread's current rollout, so a turn
 * adds a tail to one file and none to the others (a tail of 0 bytes: the file is unchanged).
 *
 * <p>A store that takes appends ({@link ConversationStore#putAppending}) checks the base against
 * the file it holds at that path and stores only the tail; the lineage's {@link RolloutFile} for
 * the path still declares the whole file's size and hash, which every {@link ConversationStore#get}
 * checks.
 */
public record RolloutAppend(String relativePath, long baseSize, String baseSha256, long tailSize, String tailSha256, RolloutSource tail) {
    private static final Pattern HEX_256 = Pattern.compile("[0-9a-f]{64}");

    public RolloutAppend {
        Objects.requireNonNull(relativePath, "relativePath");
        Objects.requireNonNull(tail, "tail");
        if (!RolloutFile.isRolloutPath(relativePath)) {
            throw new IllegalArgumentException("not a rollout path under sessions/ as codex names it: " + relativePath);
        }
        if (baseSize < 0 || tailSize < 0) {
            throw new IllegalArgumentException("negative size in the append to rollout " + relativePath);
        }
        if (!HEX_256.matcher(baseSha256).matches() || !HEX_256.matcher(tailSha256).matches()) {
            throw new IllegalArgumentException("not a lowercase hex SHA-256 in the append to rollout " + relativePath);
        }
    }

    /** The file {@code base} (as stored) followed by {@code tail} (held in memory, not copied). */
    public static RolloutAppend of(String relativePath, long baseSize, String baseSha256, byte[] tail) {
        return new RolloutAppend(relativePath, baseSize, baseSha256, tail.length, Sha256.hex(tail), RolloutSource.of(tail));
    }

    /** The tail as a rollout of its own size and hash, for a store to read it checked ({@link dev.codexbridge.store.spi.CheckedInput}). */
    public RolloutFile tailFile() {
        return new RolloutFile(relativePath, tailSize, tailSha256, tail);
    }

    /** The whole file's size: the base's and the tail's. */
    public long size() {
        return baseSize + tailSize;
    }
}
