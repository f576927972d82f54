package dev.codexbridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.store.spi.CheckedInput;
import dev.codexbridge.store.spi.Sha256;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * A rollout of a disk version stored as chunks: the file {@code i} holds its first bytes and
 * {@code i.1}, {@code i.2}, … what later puts appended ({@link ConversationStore#putAppending}).
 * A put that appends makes each chunk of the version it replaces a second name (a hard link) in
 * the new version, so no byte of the base is read or written again, and writes only the tail as
 * the next chunk; the manifest lists every chunk's size, and a get reads them in order and checks
 * the whole file's size and hash. A file that would have more than {@link #MAX_CHUNKS} chunks is
 * written again as one, from the stored chunks (checked against the stored hash) and the tail.
 */
final class DiskChunks {
    /** The most chunks a rollout has; the put that would add one more writes it whole, once in so many turns. */
    static final int MAX_CHUNKS = 64;

    private DiskChunks() {
    }

    /** The name of rollout {@code file}'s chunk {@code chunk} in a version folder. */
    static String name(int file, int chunk) {
        return chunk == 0 ? Integer.toString(file) : file + "." + chunk;
    }

    /** A rollout of the stored version as its manifest gives it: where it is and its chunks' sizes. */
    record Stored(int index, long size, String sha256, long[] chunks) {
    }

    /** The version a put that appends replaces: its folder and its rollouts by path. */
    record Base(DiskFolder folder, Map<String, Stored> files) {
    }

    /** Refuses an append whose base is not {@code stored}. */
    static void checkBase(String threadId, Stored stored, RolloutAppend append) {
        if (stored.size() != append.baseSize() || !stored.sha256().equals(append.baseSha256())) {
            throw new StaleAppendException(threadId, append.relativePath(), "the store holds " + stored.size() + " bytes of SHA-256 "
                    + stored.sha256() + ", the append starts from " + append.baseSize() + " bytes of " + append.baseSha256());
        }
    }

    /**
     * The rollouts of the version {@code old} by path, each chunk seen to be a regular file of its
     * recorded size (nothing read but the manifest).
     */
    static Map<String, Stored> storedFiles(String threadId, DiskFolder old, String oldDir, StoreLimits limits) throws IOException {
        JsonNode manifest = DiskRecord.manifest(threadId, old, oldDir, limits);
        Map<String, Stored> byPath = new HashMap<>();
        JsonNode files = manifest.path("files");
        for (int i = 0; i < files.size(); i++) {
            JsonNode f = files.get(i);
            long size = DiskRecord.recordedSize(threadId, f, limits.maxLineageBytes());
            long[] chunks = chunkSizes(threadId, f, size, limits.maxLineageBytes());
            for (int k = 0; k < chunks.length; k++) {
                long onDisk = old.regularFileSize(name(i, k));
                if (onDisk != chunks[k]) {
                    throw StoreChecks.sizeMismatch(threadId, f.path("path").asText(), onDisk, chunks[k]);
                }
            }
            byPath.put(f.path("path").asText(), new Stored(i, size, f.path("sha256").asText(), chunks));
        }
        return byPath;
    }

    /**
     * The sizes of {@code file}'s chunks as a manifest records them (one chunk of {@code size}
     * when it lists none): whole numbers, not negative, at most {@link #MAX_CHUNKS}, adding up to
     * {@code size}.
     */
    static long[] chunkSizes(String threadId, JsonNode file, long size, long maxBytes) {
        JsonNode chunks = file.get("chunks");
        if (chunks == null) {
            return new long[] {size};
        }
        String path = file.path("path").asText();
        if (!chunks.isArray() || chunks.isEmpty() || chunks.size() > MAX_CHUNKS) {
            throw new CorruptConversationException(threadId, "rollout " + path + " has no valid chunk list in the manifest");
        }
        long[] sizes = new long[chunks.size()];
        long sum = 0;
        for (int k = 0; k < sizes.length; k++) {
            JsonNode c = chunks.get(k);
            if (!c.isIntegralNumber() || !c.canConvertToLong()) {
                throw new CorruptConversationException(threadId, "rollout " + path + " has a chunk without a size in the manifest");
            }
            sizes[k] = StoreChecks.recordedSize(maxBytes, threadId, path, c.asLong());
            sum += sizes[k];
        }
        if (sum != size) {
            throw new CorruptConversationException(threadId, "rollout " + path + "'s chunks have " + sum + " bytes, the record says " + size);
        }
        return sizes;
    }

    /** The bytes of rollout {@code index} of {@code version}, its chunks (sizes checked by the caller) one after another. */
    static byte[] read(DiskFolder version, int index, long[] chunks) throws IOException {
        if (chunks.length == 1) {
            return version.read(name(index, 0), chunks[0]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, sum(chunks)));
        for (int k = 0; k < chunks.length; k++) {
            out.writeBytes(version.read(name(index, k), chunks[k]));
        }
        return out.toByteArray();
    }

    /**
     * Writes rollout {@code index} of the new version {@code version} as {@code base} (the stored
     * file, in {@code old}) followed by the append's tail; returns the new file's chunk sizes.
     * Refuses a base that is not the stored file before anything is written.
     */
    static long[] append(String threadId, DiskFolder old, Stored base, DiskFolder version, int index, RolloutFile file,
                         RolloutAppend append) throws IOException {
        checkBase(threadId, base, append);
        int chunks = base.chunks().length + (append.tailSize() > 0 ? 1 : 0);
        if (chunks > MAX_CHUNKS) {
            return new long[] {whole(threadId, old, base, version, index, file, append)};
        }
        for (int k = 0; k < base.chunks().length; k++) {
            old.linkInto(name(base.index(), k), version, name(index, k));
        }
        if (append.tailSize() == 0) {
            return base.chunks();
        }
        RolloutFile tail = append.tailFile();
        try (CheckedInput in = CheckedInput.open(threadId, tail)) {
            version.write(name(index, base.chunks().length), in);
            in.verify();
        } catch (IOException e) {
            throw CheckedInput.failed(threadId, tail, e);
        }
        long[] sizes = Arrays.copyOf(base.chunks(), chunks);
        sizes[chunks - 1] = append.tailSize();
        return sizes;
    }

    /**
     * The stored chunks and the tail as one file: the base checked against the stored hash, the
     * result against the lineage's declared one (the only time an append's whole hash is checked
     * on the way in; a get checks it every time).
     */
    private static long whole(String threadId, DiskFolder old, Stored base, DiskFolder version, int index, RolloutFile file,
                              RolloutAppend append) throws IOException {
        byte[] stored = read(old, base.index(), base.chunks());
        if (!Sha256.hex(stored).equals(base.sha256())) {
            throw new CorruptConversationException(threadId, "rollout " + file.relativePath() + ": its SHA-256 does not match the record");
        }
        RolloutFile tail = append.tailFile();
        byte[] tailBytes;
        try (CheckedInput in = CheckedInput.open(threadId, tail)) {
            tailBytes = in.readAllBytes();
            in.verify();
        }
        MessageDigest digest = Sha256.digest();
        digest.update(stored);
        digest.update(tailBytes);
        if (!HexFormat.of().formatHex(digest.digest()).equals(file.sha256())) {
            throw CheckedInput.failed(threadId, file, new IOException("the stored file and the appended bytes are not the declared SHA-256"));
        }
        version.write(name(index, 0), new SequenceInputStream(new ByteArrayInputStream(stored), new ByteArrayInputStream(tailBytes)));
        return stored.length + tailBytes.length;
    }

    private static long sum(long[] sizes) {
        long sum = 0;
        for (long s : sizes) {
            sum += s;
        }
        return sum;
    }
}
