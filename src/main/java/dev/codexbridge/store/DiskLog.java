package dev.codexbridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.Sha256;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A conversation's record on disk from format 3 on (decision 0097): one file, {@code r<generation>.log},
 * that puts append to, each with one forced write.
 *
 * <pre>
 * "CBXLOG3\n"                                             the file's first 8 bytes
 * 'D' length(8) bytes                                     rollout bytes, which manifests point into
 * 'M' length(8) manifest sha256(32) length(8) "CBXEND3\n" a version: its fields and each rollout's
 *                                                         path, size, hash and extents in this file
 * </pre>
 *
 * <p>The newest version is the last whole manifest. A reader finds it from the file's last 48
 * bytes; when those are not a manifest's end (a put is appending, or a crash cut one short) it
 * walks the records from the start and takes the last whole one ({@link DiskLogScan}). A file with no whole manifest is
 * cut short: a log comes into place only once written whole and forced. Every rollout is checked
 * against its size and hash on every read, so nothing in the file is trusted (decision 0062); nor
 * its size, its number of records or the bytes no version needs, which are refused past what a put
 * leaves under the store's caps before the file is read further (issue 73).
 */
final class DiskLog {
    static final int FORMAT = 3;
    /** The most extents a rollout has in a log; the put that would add one more writes the log again whole. */
    static final int MAX_EXTENTS = 64;
    private static final byte[] MAGIC = "CBXLOG3\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "CBXEND3\n".getBytes(StandardCharsets.US_ASCII);
    static final byte DATA = 'D';
    static final byte MANIFEST = 'M';
    /** A record's kind and length. */
    static final int HEADER = 9;
    /** A manifest's hash, length and end mark. */
    static final int TRAILER = 32 + 8 + 8;
    private static final Pattern NAME = Pattern.compile("r(\\d{19})\\.log");

    private DiskLog() {
    }

    static String name(long generation) {
        return String.format("r%019d.log", generation);
    }

    static boolean isLog(String name) {
        return NAME.matcher(name).matches();
    }

    static long generationOf(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a log: " + name);
        }
        return Long.parseLong(m.group(1));
    }

    /** The logs in a conversation's folder, newest first. */
    static List<String> logs(List<String> names) {
        List<String> logs = new ArrayList<>();
        for (String name : names) {
            if (isLog(name)) {
                logs.add(name);
            }
        }
        logs.sort((a, b) -> b.compareTo(a));
        return logs;
    }

    /** The first bytes of every log. */
    static ByteBuffer magic() {
        return ByteBuffer.wrap(MAGIC);
    }

    /** A rollout as a manifest gives it: where its bytes are in the log. */
    record Entry(String path, long size, String sha256, long[] offsets, long[] lengths) {
        int extents() {
            return offsets.length;
        }
    }

    /** A log open for reading (and, under the conversation's lock, appending) and its newest whole version. */
    static final class Opened implements Closeable {
        final String name;
        final FileChannel channel;
        final JsonNode manifest;
        final List<Entry> files;
        /** Where the newest manifest's record starts and where it ends: what follows is not part of any version. */
        final long manifestStart;
        final long end;
        /** The bytes of the file when it was opened. */
        final long size;

        private Opened(String name, FileChannel channel, JsonNode manifest, List<Entry> files, long manifestStart, long end, long size) {
            this.name = name;
            this.channel = channel;
            this.manifest = manifest;
            this.files = files;
            this.manifestStart = manifestStart;
            this.end = end;
            this.size = size;
        }

        /** The version's number, a whole number from 1 on (checked when the log was opened). */
        long version() {
            return manifest.path("version").asLong();
        }

        @Nullable Entry file(String path) {
            for (Entry e : files) {
                if (e.path().equals(path)) {
                    return e;
                }
            }
            return null;
        }

        /** The bytes the newest version needs: its rollouts, its manifest and the file's first bytes. */
        long liveBytes() {
            long live = MAGIC.length + (end - manifestStart);
            for (Entry e : files) {
                live += e.size();
            }
            return live;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** The most bytes a manifest this store writes under {@code limits} can have: one that says it has more is not read. */
    static long maxManifestBytes(StoreLimits limits) {
        // an extent is two numbers of up to 20 digits, brackets and commas: at most 27 bytes more than a format 2 chunk's size
        return DiskRecord.maxManifestBytes(limits) + 27L * MAX_EXTENTS * limits.maxFiles();
    }

    /** Opens the log {@code name} of the conversation's folder and finds its newest whole version. */
    static Opened open(String threadId, DiskFolder dir, String name, StoreLimits limits) throws IOException {
        FileChannel channel = dir.openRegularFile(name);
        try {
            long size = channel.size();
            if (size < MAGIC.length) {
                throw new CorruptConversationException(threadId, "the record " + name + " has no whole version in it (cut short)");
            }
            if (!Arrays.equals(readFully(channel, 0, MAGIC.length), MAGIC)) {
                throw new CorruptConversationException(threadId, "the record " + name + " is not a log this library wrote");
            }
            long maxLog = DiskLogScan.maxLogBytes(limits);
            if (size > maxLog) {
                throw new CorruptConversationException(threadId, "the record " + name + " has " + size
                        + " bytes, more than a log under this store's caps holds (" + maxLog + ")");
            }
            long maxManifest = maxManifestBytes(limits);
            long[] at = DiskLogScan.manifestEndingAt(channel, size, maxManifest);
            if (at == null) {
                at = DiskLogScan.lastWholeManifest(threadId, name, channel, size, maxManifest, DiskLogScan.maxRecords(limits));
                if (at == null) {
                    throw new CorruptConversationException(threadId, "the record " + name
                            + " has no whole version in it (cut short), or its manifest does not match its SHA-256 (changed)");
                }
            }
            byte[] bytes = readFully(channel, at[0] + HEADER, (int) (at[1] - at[0] - HEADER - TRAILER));
            JsonNode manifest = manifest(threadId, bytes);
            List<Entry> files = entries(threadId, manifest, at[0], limits);
            long live = MAGIC.length;
            for (Entry e : files) {
                live += e.size();
            }
            long dead = at[0] - live;
            if (dead > DiskLogScan.maxDeadBytes(live, files.size())) {
                throw new CorruptConversationException(threadId, "the record " + name + " holds " + dead + " bytes that no version needs before"
                        + " its newest manifest, more than a put leaves (" + DiskLogScan.maxDeadBytes(live, files.size()) + ")");
            }
            return new Opened(name, channel, manifest, files, at[0], at[1], size);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static JsonNode manifest(String threadId, byte[] bytes) {
        JsonNode manifest = DiskRecord.parse(threadId, bytes, true);
        if (!threadId.equals(manifest.path("threadId").asText())) {
            throw new CorruptConversationException(threadId, "the log holds another conversation's record");
        }
        JsonNode version = manifest.path("version");
        if (!version.isIntegralNumber() || !version.canConvertToLong() || version.asLong() < 1) {
            throw new CorruptConversationException(threadId, "the manifest's version is not a whole number from 1 on: " + version);
        }
        return manifest;
    }

    /** Whether the 8 bytes of {@code bytes} at {@code index} are a manifest's end mark. */
    static boolean isEndMark(ByteBuffer bytes, int index) {
        for (int i = 0; i < END.length; i++) {
            if (bytes.get(index + i) != END[i]) {
                return false;
            }
        }
        return true;
    }

    /** Each rollout's entry, checked: sizes within the caps, extents adding up to the size (where they are is checked as they are read). */
    private static List<Entry> entries(String threadId, JsonNode manifest, long manifestStart, StoreLimits limits) {
        JsonNode files = manifest.path("files");
        if (!files.isArray()) {
            throw new CorruptConversationException(threadId, "the manifest lists no rollout files");
        }
        StoreChecks.withinLimits(limits, threadId, files.size(), 0);
        List<Entry> entries = new ArrayList<>(files.size());
        long total = 0;
        for (JsonNode f : files) {
            long size = DiskRecord.recordedSize(threadId, f, limits.maxLineageBytes());
            String path = f.path("path").asText();
            JsonNode extents = f.path("extents");
            if (!extents.isArray() || extents.size() > MAX_EXTENTS) {
                throw new CorruptConversationException(threadId, "rollout " + path + " has no valid extent list in the manifest");
            }
            long[] offsets = new long[extents.size()];
            long[] lengths = new long[extents.size()];
            long sum = 0;
            for (int k = 0; k < offsets.length; k++) {
                JsonNode e = extents.get(k);
                if (!e.isArray() || e.size() != 2 || !e.get(0).canConvertToLong() || !e.get(1).canConvertToLong()) {
                    throw new CorruptConversationException(threadId, "rollout " + path + " has an extent that is not [offset, length]");
                }
                offsets[k] = e.get(0).asLong();
                lengths[k] = e.get(1).asLong();
                if (lengths[k] < 0 || lengths[k] > size) {
                    throw new CorruptConversationException(threadId, "rollout " + path + " has an extent of a negative length or longer than the rollout");
                }
                sum += lengths[k];
            }
            if (sum != size) {
                throw StoreChecks.sizeMismatch(threadId, path, sum, size);
            }
            total += size;
            entries.add(new Entry(path, size, f.path("sha256").asText(), offsets, lengths));
        }
        StoreChecks.withinLimits(limits, threadId, files.size(), total);
        return entries;
    }

    /** The record whose newest version {@code log} holds, every rollout read and checked. */
    static StoredConversation read(String threadId, Opened log) throws IOException {
        List<RolloutFile> lineage = new ArrayList<>(log.files.size());
        for (Entry e : log.files) {
            lineage.add(StoreChecks.readBack(threadId, e.path(), e.size(), e.sha256(), bytes(threadId, log, e)));
        }
        JsonNode m = log.manifest;
        return StoreChecks.record(threadId, () -> new StoredConversation(threadId, lineage, DiskRecord.owner(m), DiskRecord.text(m, "name"),
                DiskRecord.text(m, "goal"), DiskRecord.text(m, "settings"), DiskRecord.text(m, "lastCompletedTurnId"), log.version()));
    }

    /** What {@link ConversationStore#list} shows of the log's newest version: its manifest only. */
    static ConversationSummary summary(String threadId, Opened log) {
        long bytes = 0;
        for (Entry e : log.files) {
            bytes += e.size();
        }
        JsonNode m = log.manifest;
        try {
            return new ConversationSummary(threadId, DiskRecord.owner(m), DiskRecord.text(m, "name"), log.version(), log.files.size(), bytes,
                    Instant.parse(m.path("storedAt").asText()));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new CorruptConversationException(threadId, "the manifest does not hold together: " + e.getMessage(), e);
        }
    }

    /** The bytes of rollout {@code e}, its extents one after another, each checked to lie between the log's first bytes and its manifest. */
    static byte[] bytes(String threadId, Opened log, Entry e) throws IOException {
        for (int k = 0; k < e.extents(); k++) {
            if (e.offsets()[k] < MAGIC.length || e.offsets()[k] > log.manifestStart - e.lengths()[k]) {
                throw new CorruptConversationException(threadId, "rollout " + e.path() + "'s bytes are missing: an extent runs outside the log");
            }
        }
        return bytes(log.channel, e);
    }

    /** The bytes of rollout {@code e}, its extents one after another (checked by the caller). */
    static byte[] bytes(FileChannel channel, Entry e) throws IOException {
        if (e.size() > Integer.MAX_VALUE - 8) {
            throw new IOException("rollout " + e.path() + " has " + e.size() + " bytes, more than one read holds");
        }
        ByteBuffer out = ByteBuffer.allocate((int) e.size());
        for (int k = 0; k < e.extents(); k++) {
            readFully(channel, e.offsets()[k], out, (int) e.lengths()[k]);
        }
        return out.array();
    }

    /** The manifest of a version: its fields and each rollout's path, size, hash and extents. */
    static byte[] manifestBytes(StoredConversation record, Instant storedAt, List<Entry> files) {
        ObjectNode manifest = DiskRecord.fields(record, FORMAT, storedAt);
        ArrayNode list = manifest.putArray("files");
        for (Entry e : files) {
            ObjectNode entry = list.addObject().put("path", e.path()).put("size", e.size()).put("sha256", e.sha256());
            ArrayNode extents = entry.putArray("extents");
            for (int k = 0; k < e.extents(); k++) {
                extents.addArray().add(e.offsets()[k]).add(e.lengths()[k]);
            }
        }
        return Json.write(manifest).getBytes(StandardCharsets.UTF_8);
    }

    /** A record's header. */
    static ByteBuffer header(byte kind, long length) {
        return ByteBuffer.allocate(HEADER).put(kind).putLong(length).flip();
    }

    /** A manifest's record, whole: header, manifest, trailer. */
    static ByteBuffer manifestRecord(byte[] manifest) {
        return ByteBuffer.allocate(HEADER + manifest.length + TRAILER).put(MANIFEST).putLong(manifest.length).put(manifest)
                .put(Sha256.digest().digest(manifest)).putLong(manifest.length).put(END).flip();
    }

    static byte[] readFully(FileChannel channel, long at, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        readFully(channel, at, buffer, length);
        return buffer.array();
    }

    private static void readFully(FileChannel channel, long at, ByteBuffer into, int length) throws IOException {
        int limit = into.position() + length;
        into.limit(limit);
        long position = at;
        while (into.hasRemaining()) {
            int n = channel.read(into, position);
            if (n < 0) {
                throw new EndOfLog("the log ends at " + position + ", before the " + length + " bytes at " + at + " (cut short)");
            }
            position += n;
        }
        into.limit(into.capacity());
    }

    /** The log ended before the bytes read. */
    static final class EndOfLog extends IOException {
        private static final long serialVersionUID = 1L;

        EndOfLog(String message) {
            super(message);
        }
    }
}
