package dev.codexbridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.CheckedInput;
import dev.codexbridge.store.spi.Sha256;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One version of a conversation on disk: a folder {@code v<version>} holding the rollouts as
 * {@code 0}, {@code 1}, … in lineage order, {@code manifest.json} (format, record, each rollout's
 * path, size and hash) and {@code manifest.sha256} (the manifest's own hash). Written whole into a
 * temporary folder and renamed into place by {@link DiskConversationStore}; read back checked.
 */
final class DiskRecord {
    /** The manifest format this library writes and reads. */
    static final int FORMAT = 1;
    static final String MANIFEST = "manifest.json";
    static final String MANIFEST_HASH = "manifest.sha256";
    private static final Pattern VERSION_DIR = Pattern.compile("v(\\d{19})");

    private DiskRecord() {
    }

    static String versionDir(long version) {
        return String.format("v%019d", version);
    }

    /** The version folders of a conversation's folder, newest first; none when the folder is gone. */
    static List<Path> versions(Path conversationDir) throws IOException {
        List<Path> versions = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(conversationDir, "v*")) {
            for (Path p : entries) {
                if (VERSION_DIR.matcher(p.getFileName().toString()).matches()) {
                    versions.add(p);
                }
            }
        } catch (NoSuchFileException gone) {
            return List.of();
        }
        versions.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        return versions;
    }

    static long versionOf(Path versionDir) {
        Matcher m = VERSION_DIR.matcher(versionDir.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a version folder: " + versionDir);
        }
        return Long.parseLong(m.group(1));
    }

    /** Writes {@code record}'s lineage and manifest into the empty folder {@code dir}, every file forced to the disk. */
    static void write(Path dir, StoredConversation record, Instant storedAt) throws IOException {
        ArrayNode files = Json.mapper().createArrayNode();
        List<RolloutFile> lineage = record.lineage();
        for (int i = 0; i < lineage.size(); i++) {
            RolloutFile f = lineage.get(i);
            try (CheckedInput in = CheckedInput.open(record.threadId(), f)) {
                DiskFiles.writeDurably(dir.resolve(Integer.toString(i)), in);
                in.verify();
            } catch (IOException e) {
                throw CheckedInput.failed(record.threadId(), f, e);
            }
            files.addObject().put("path", f.relativePath()).put("size", f.size()).put("sha256", f.sha256());
        }
        ObjectNode manifest = Json.object().put("format", FORMAT).put("threadId", record.threadId())
                .put("version", record.version()).put("storedAt", storedAt.toString());
        ConversationOwner owner = record.owner();
        if (owner != null) {
            manifest.putObject("owner").put("principal", owner.principal()).put("tenant", owner.tenant());
        }
        manifest.put("name", record.name()).put("goal", record.goal()).put("settings", record.settings())
                .put("lastCompletedTurnId", record.lastCompletedTurnId());
        manifest.set("files", files);
        byte[] bytes = Json.write(manifest).getBytes(StandardCharsets.UTF_8);
        DiskFiles.writeDurably(dir.resolve(MANIFEST), bytes);
        DiskFiles.writeDurably(dir.resolve(MANIFEST_HASH), Sha256.hex(bytes).getBytes(StandardCharsets.US_ASCII));
        DiskFiles.forceDirectory(dir);
    }

    /**
     * The record in {@code versionDir}, every rollout read and checked.
     *
     * @throws NoSuchFileException when a file is missing (the caller tells a folder removed by a
     *         newer put from a missing rollout)
     */
    static StoredConversation read(String threadId, Path versionDir, StoreLimits limits) throws IOException {
        JsonNode manifest = manifest(threadId, versionDir);
        JsonNode files = manifest.path("files");
        if (!files.isArray()) {
            throw new CorruptConversationException(threadId, "the manifest lists no rollout files");
        }
        long total = 0;
        for (JsonNode f : files) {
            total += f.path("size").asLong();
        }
        StoreChecks.withinLimits(limits, threadId, files.size(), total);
        List<RolloutFile> lineage = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            JsonNode f = files.get(i);
            String path = f.path("path").asText();
            long size = f.path("size").asLong(-1);
            Path content = versionDir.resolve(Integer.toString(i));
            if (!Files.exists(content) && Files.isDirectory(versionDir)) {
                throw new CorruptConversationException(threadId, "rollout " + path + " is missing from the record");
            }
            long onDisk = Files.size(content);
            if (onDisk != size) {
                // not read into memory: a rollout of the wrong length is refused whatever its size
                throw new CorruptConversationException(threadId, "rollout " + path + " has " + onDisk + " bytes, the record says " + size
                        + (onDisk < size ? " (cut short)" : ""));
            }
            lineage.add(StoreChecks.readBack(threadId, path, size, f.path("sha256").asText(), Files.readAllBytes(content)));
        }
        long version = manifest.path("version").asLong(-1);
        return StoreChecks.record(threadId, () -> new StoredConversation(threadId, lineage, owner(manifest), text(manifest, "name"),
                text(manifest, "goal"), text(manifest, "settings"), text(manifest, "lastCompletedTurnId"), version));
    }

    /** What {@link ConversationStore#list} shows of the record in {@code versionDir}: its manifest only. */
    static ConversationSummary summary(String threadId, Path versionDir) throws IOException {
        JsonNode manifest = manifest(threadId, versionDir);
        long bytes = 0;
        for (JsonNode f : manifest.path("files")) {
            bytes += f.path("size").asLong();
        }
        try {
            return new ConversationSummary(threadId, owner(manifest), text(manifest, "name"), manifest.path("version").asLong(),
                    manifest.path("files").size(), bytes, Instant.parse(manifest.path("storedAt").asText()));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new CorruptConversationException(threadId, "the manifest does not hold together: " + e.getMessage(), e);
        }
    }

    private static JsonNode manifest(String threadId, Path versionDir) throws IOException {
        Path file = versionDir.resolve(MANIFEST);
        Path hashFile = versionDir.resolve(MANIFEST_HASH);
        // the files first, the folder after: a folder a newer put moved away between the two looks whole before it,
        // and gone after it (then the reader reads the newer version), never like a version without its manifest
        if (!Files.exists(file) || !Files.exists(hashFile)) {
            if (Files.isDirectory(versionDir)) {
                throw new CorruptConversationException(threadId, "the record's manifest is missing in " + versionDir.getFileName());
            }
            throw new NoSuchFileException(file.toString());
        }
        byte[] bytes = Files.readAllBytes(file);
        String hash = Files.readString(hashFile, StandardCharsets.US_ASCII).strip();
        if (!Sha256.hex(bytes).equals(hash)) {
            throw new CorruptConversationException(threadId, "the record's manifest does not match its SHA-256 (changed or cut short)");
        }
        JsonNode manifest;
        try {
            manifest = Json.mapper().readTree(bytes);
        } catch (IOException e) {
            throw new CorruptConversationException(threadId, "the record's manifest is not JSON", e);
        }
        int format = manifest.path("format").asInt(-1);
        if (format != FORMAT) {
            throw new CorruptConversationException(threadId, "the record is in format " + manifest.path("format")
                    + ", which this library does not read (it reads format " + FORMAT + ")");
        }
        if (!threadId.equals(manifest.path("threadId").asText()) || manifest.path("version").asLong(-1) != versionOf(versionDir)) {
            throw new CorruptConversationException(threadId, "the manifest in " + versionDir.getFileName() + " is another record's");
        }
        return manifest;
    }

    private static @Nullable ConversationOwner owner(JsonNode manifest) {
        JsonNode owner = manifest.path("owner");
        return owner.isObject() ? new ConversationOwner(owner.path("principal").asText(), text(owner, "tenant")) : null;
    }

    private static @Nullable String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
