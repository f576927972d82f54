package dev.codexbridge.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** What someone who can write a {@link DiskConversationStore}'s folder does to it behind the store's back. */
final class DiskTampering {
    private DiskTampering() {
    }

    /** The newest log of the conversation. */
    static Path log(Path root, String threadId) throws IOException {
        try (Stream<Path> entries = Files.list(root.resolve(threadId))) {
            return entries.filter(p -> DiskLog.isLog(p.getFileName().toString())).max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    /** The newest whole version in the conversation's log, as the store reads it. */
    static DiskLog.Opened opened(Path root, String threadId) throws IOException {
        Path log = log(root, threadId);
        try (DiskFolder dir = DiskFolder.open(log.getParent(), false)) {
            return DiskLog.open(threadId, dir, log.getFileName().toString(), StoreLimits.DEFAULTS);
        }
    }

    /** Where rollout {@code file}'s bytes are in the log: its first extent's offset and its size. */
    static long[] extent(Path root, String threadId, int file) throws IOException {
        try (DiskLog.Opened log = opened(root, threadId)) {
            DiskLog.Entry e = log.files.get(file);
            return new long[] {e.offsets()[e.extents() - 1], e.lengths()[e.extents() - 1]};
        }
    }

    /**
     * Changes the newest manifest of the conversation's log, its hash made to match, so that only
     * the change is wrong: the log cut at the manifest and the changed one appended.
     */
    static void editManifest(Path root, String threadId, Consumer<ObjectNode> change) throws IOException {
        long start;
        ObjectNode manifest;
        try (DiskLog.Opened log = opened(root, threadId)) {
            start = log.manifestStart;
            manifest = log.manifest.deepCopy();
        }
        change.accept(manifest);
        try (FileChannel log = FileChannel.open(log(root, threadId), StandardOpenOption.WRITE)) {
            log.truncate(start);
            ByteBuffer record = DiskLog.manifestRecord(Json.write(manifest).getBytes(StandardCharsets.UTF_8));
            while (record.hasRemaining()) {
                log.write(record, log.size());
            }
        }
    }

    /** Sets what the manifest says of rollout {@code file}. */
    static void recordFile(Path root, String threadId, int file, long size, String sha256) throws IOException {
        editManifest(root, threadId, m -> ((ObjectNode) m.path("files").get(file)).put("size", size).put("sha256", sha256));
    }

    /**
     * Replaces rollout {@code file}'s bytes with {@code bytes}, written over the newest manifest as
     * a record of their own, and that manifest after them, made to point at them with their size
     * and hash: the log as a put that appended them would leave it.
     */
    static void replaceRollout(Path root, String threadId, int file, byte[] bytes) throws IOException {
        long start;
        ObjectNode manifest;
        try (DiskLog.Opened log = opened(root, threadId)) {
            start = log.manifestStart;
            manifest = log.manifest.deepCopy();
        }
        ObjectNode f = (ObjectNode) manifest.path("files").get(file);
        f.put("size", bytes.length).put("sha256", Sha256.hex(bytes));
        f.putArray("extents").addArray().add(start + DiskLog.HEADER).add(bytes.length);
        try (FileChannel log = FileChannel.open(log(root, threadId), StandardOpenOption.WRITE)) {
            log.truncate(start);
            ByteBuffer data = ByteBuffer.allocate(DiskLog.HEADER + bytes.length).put(DiskLog.DATA).putLong(bytes.length).put(bytes).flip();
            ByteBuffer record = DiskLog.manifestRecord(Json.write(manifest).getBytes(StandardCharsets.UTF_8));
            for (ByteBuffer b : new ByteBuffer[] {data, record}) {
                while (b.hasRemaining()) {
                    log.write(b, log.size());
                }
            }
        }
    }

    /** The newest version folder of the conversation (a record as releases before the log wrote it). */
    static Path newestVersion(Path root, String threadId) throws IOException {
        try (Stream<Path> entries = Files.list(root.resolve(threadId))) {
            return entries.filter(p -> p.getFileName().toString().matches("v\\d{19}")).max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    /** Changes the newest version folder's manifest, its own hash made to match, so that only the change is wrong. */
    static void editFolderManifest(Path root, String threadId, Consumer<ObjectNode> change) throws IOException {
        Path version = newestVersion(root, threadId);
        ObjectNode manifest = (ObjectNode) Json.mapper().readTree(Files.readAllBytes(version.resolve(DiskRecord.MANIFEST)));
        change.accept(manifest);
        byte[] bytes = Json.write(manifest).getBytes(StandardCharsets.UTF_8);
        Files.write(version.resolve(DiskRecord.MANIFEST), bytes);
        Files.writeString(version.resolve(DiskRecord.MANIFEST_HASH), Sha256.hex(bytes));
    }

    /**
     * Makes the log at {@code log} its first 8 bytes and {@code bytes} of empty rollout records
     * ({@code 'D'} and a length of 0, nine bytes each), no manifest; then, past {@code sparseTo}
     * when that is larger, bytes that take no room on disk.
     */
    static void emptyRecords(Path log, long bytes, long sparseTo) throws IOException {
        ByteBuffer records = ByteBuffer.allocate(DiskLog.HEADER * 116_508);       // about a MiB of them
        while (records.remaining() >= DiskLog.HEADER) {
            records.put(DiskLog.DATA).putLong(0);
        }
        records.flip();
        try (FileChannel out = FileChannel.open(log, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(DiskLog.magic(), 0);
            long at = 8;
            while (at < 8 + bytes) {
                ByteBuffer next = records.duplicate();
                next.limit((int) Math.min(next.limit(), 8 + bytes - at));
                at += out.write(next, at);
            }
            if (sparseTo > at) {
                out.write(ByteBuffer.allocate(1), sparseTo - 1);
            }
        }
    }

    /**
     * Appends {@code bytes} of empty rollout records to the conversation's log after its newest
     * manifest, then that manifest's record again: a whole version at the end, after more bytes
     * than any version needs.
     */
    static void padBeforeNewestManifest(Path root, String threadId, long bytes) throws IOException {
        byte[] manifest;
        try (DiskLog.Opened log = opened(root, threadId)) {
            manifest = DiskLog.readFully(log.channel, log.manifestStart, (int) (log.end - log.manifestStart));
        }
        Path log = log(root, threadId);
        long end = Files.size(log);
        emptyRecordsAt(log, end, bytes);
        try (FileChannel out = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ByteBuffer again = ByteBuffer.wrap(manifest);
            while (again.hasRemaining()) {
                out.write(again, out.size());
            }
        }
    }

    private static void emptyRecordsAt(Path log, long at, long bytes) throws IOException {
        ByteBuffer records = ByteBuffer.allocate((int) (bytes / DiskLog.HEADER * DiskLog.HEADER));
        while (records.hasRemaining()) {
            records.put(DiskLog.DATA).putLong(0);
        }
        records.flip();
        try (FileChannel out = FileChannel.open(log, StandardOpenOption.WRITE)) {
            long position = at;
            while (records.hasRemaining()) {
                position += out.write(records, position);
            }
        }
    }

    /**
     * Makes {@code path} a folder holding a folder holding a folder … {@code depth} deep, built
     * from the inside out (each made beside it, then moved in), so that no path is ever longer
     * than the system takes.
     */
    static void nest(Path path, int depth) throws IOException {
        Path inner = Files.createDirectory(path.resolveSibling(path.getFileName() + ".inner"));
        Path outer = path.resolveSibling(path.getFileName() + ".outer");
        for (int i = 1; i < depth; i++) {
            Files.createDirectory(outer);
            Files.move(inner, outer.resolve("d"));
            Files.move(outer, inner);
        }
        Files.move(inner, path);
    }

    /** Replaces {@code path} (removed first when there) with a FIFO, which blocks whoever opens it for reading alone. */
    static void fifo(Path path) throws IOException, InterruptedException {
        Files.deleteIfExists(path);
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
            throw new IOException("mkfifo " + path + " failed");
        }
    }

    /** Replaces {@code path} (removed first when there, a folder whole) with a symbolic link to {@code target}. */
    static void link(Path path, Path target) throws IOException {
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> tree = Files.walk(path)) {
                for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.deleteIfExists(path);
        Files.createSymbolicLink(path, target);
    }
}
