package dev.codexbridge.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** What someone who can write a {@link DiskConversationStore}'s folder does to it behind the store's back. */
final class DiskTampering {
    private DiskTampering() {
    }

    /** The newest version folder of the conversation. */
    static Path newestVersion(Path root, String threadId) throws IOException {
        try (Stream<Path> entries = Files.list(root.resolve(threadId))) {
            return entries.filter(p -> p.getFileName().toString().matches("v\\d{19}")).max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    /** Changes the newest version's manifest, its own hash made to match, so that only the change is wrong. */
    static void editManifest(Path root, String threadId, Consumer<ObjectNode> change) throws IOException {
        Path version = newestVersion(root, threadId);
        ObjectNode manifest = (ObjectNode) Json.mapper().readTree(Files.readAllBytes(version.resolve(DiskRecord.MANIFEST)));
        change.accept(manifest);
        byte[] bytes = Json.write(manifest).getBytes(StandardCharsets.UTF_8);
        Files.write(version.resolve(DiskRecord.MANIFEST), bytes);
        Files.writeString(version.resolve(DiskRecord.MANIFEST_HASH), Sha256.hex(bytes));
    }

    /** Sets what the manifest says of rollout {@code file}. */
    static void recordFile(Path root, String threadId, int file, long size, String sha256) throws IOException {
        editManifest(root, threadId, m -> ((ObjectNode) m.path("files").get(file)).put("size", size).put("sha256", sha256));
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
