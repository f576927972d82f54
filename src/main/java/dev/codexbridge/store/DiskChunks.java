package dev.codexbridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * A rollout of a version folder in format 2 (releases before {@link DiskLog}): the file {@code i}
 * holds its first bytes and {@code i.1}, {@code i.2}, … what later puts appended, each a hard link
 * shared with the versions before; the manifest lists every chunk's size, and a get reads them in
 * order and checks the whole file's size and hash.
 */
final class DiskChunks {
    /** The most chunks a rollout had in format 2. */
    static final int MAX_CHUNKS = 64;

    private DiskChunks() {
    }

    /** The name of rollout {@code file}'s chunk {@code chunk} in a version folder. */
    static String name(int file, int chunk) {
        return chunk == 0 ? Integer.toString(file) : file + "." + chunk;
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

    private static long sum(long[] sizes) {
        long sum = 0;
        for (long s : sizes) {
            sum += s;
        }
        return sum;
    }
}
