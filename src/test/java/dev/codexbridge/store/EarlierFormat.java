package dev.codexbridge.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * A conversation as releases before the log wrote it (formats 1 and 2): a version folder
 * {@code v<version>} with each rollout as a file {@code i} (format 2: the last rollout split into
 * {@code i} and {@code i.1}), {@code manifest.json} and {@code manifest.sha256}. Written by the
 * test, as those releases laid it out, to check that this one reads it and replaces it.
 */
final class EarlierFormat {
    private EarlierFormat() {
    }

    /** Writes {@code record} (its version the folder's) into the store folder {@code root}, in format 1 or 2; returns the version folder. */
    static Path write(Path root, StoredConversation record, int format) throws IOException {
        Path version = Files.createDirectories(root.resolve(record.threadId()).resolve(DiskRecord.versionDir(record.version())));
        ArrayNode files = Json.mapper().createArrayNode();
        List<RolloutFile> lineage = record.lineage();
        for (int i = 0; i < lineage.size(); i++) {
            RolloutFile f = lineage.get(i);
            byte[] bytes = f.bytes();
            ObjectNode entry = files.addObject().put("path", f.relativePath()).put("size", f.size()).put("sha256", f.sha256());
            if (format == DiskRecord.FORMAT_CHUNKED && i == lineage.size() - 1 && bytes.length > 1) {
                int half = bytes.length / 2;
                Files.write(version.resolve(Integer.toString(i)), Arrays.copyOf(bytes, half));
                Files.write(version.resolve(i + ".1"), Arrays.copyOfRange(bytes, half, bytes.length));
                entry.putArray("chunks").add(half).add(bytes.length - half);
            } else {
                Files.write(version.resolve(Integer.toString(i)), bytes);
            }
        }
        ObjectNode manifest = DiskRecord.fields(record, format, Instant.parse("2026-10-01T12:00:00Z"));
        manifest.set("files", files);
        byte[] bytes = Json.write(manifest).getBytes(StandardCharsets.UTF_8);
        Files.write(version.resolve(DiskRecord.MANIFEST), bytes);
        Files.writeString(version.resolve(DiskRecord.MANIFEST_HASH), Sha256.hex(bytes));
        return version;
    }
}
