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
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One version of a conversation on disk: a folder {@code v<version>} holding the rollouts as
 * {@code 0}, {@code 1}, … in lineage order (a rollout appended to also as {@code 0.1}, {@code 0.2}, …:
 * {@link DiskChunks}), {@code manifest.json} (format, record, each rollout's
 * path, size and hash) and {@code manifest.sha256} (the manifest's own hash). Written whole into a
 * temporary folder and renamed into place by {@link DiskConversationStore}; read back checked, every
 * file through {@link DiskFolder} (regular files of the sizes the manifest gives, no link).
 */
final class DiskRecord {
    /** The manifest format this library writes and reads. */
    static final int FORMAT = 1;
    /** The format of a manifest where a rollout is in chunks (a {@code chunks} list of sizes): {@link DiskChunks}. */
    static final int FORMAT_CHUNKED = 2;
    static final String MANIFEST = "manifest.json";
    static final String MANIFEST_HASH = "manifest.sha256";
    private static final Pattern VERSION_DIR = Pattern.compile("v(\\d{19})");
    /** The text fields a manifest holds (owner principal and tenant, name, goal, settings, turn id). */
    private static final int TEXT_FIELDS = 6;
    /** JSON writes a control character as a six-byte escape (backslash, u, four hex digits). */
    private static final int MOST_JSON_BYTES_PER_BYTE = 6;

    private DiskRecord() {
    }

    static String versionDir(long version) {
        return String.format("v%019d", version);
    }

    /** The version folders' names in a conversation's folder, newest first; none when the folder is gone. */
    static List<String> versions(DiskFolder conversation) throws IOException {
        List<String> versions = new ArrayList<>();
        try {
            for (String name : conversation.names()) {
                if (VERSION_DIR.matcher(name).matches()) {
                    versions.add(name);
                }
            }
        } catch (NoSuchFileException gone) {
            return List.of();
        }
        versions.sort((a, b) -> b.compareTo(a));
        return versions;
    }

    static long versionOf(String versionDir) {
        Matcher m = VERSION_DIR.matcher(versionDir);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a version folder: " + versionDir);
        }
        return Long.parseLong(m.group(1));
    }

    /** The most bytes a manifest this store writes under {@code limits} can have: a bigger one is not read. */
    static long maxManifestBytes(StoreLimits limits) {
        // a chunk's size is at most 20 digits and a comma
        return (long) TEXT_FIELDS * MOST_JSON_BYTES_PER_BYTE * limits.maxTextBytes() + (512L + 21L * DiskChunks.MAX_CHUNKS) * limits.maxFiles() + 4096;
    }

    /** Writes {@code record}'s lineage and manifest into the empty folder {@code dir}, every file forced to the disk. */
    static void write(DiskFolder dir, StoredConversation record, Instant storedAt) throws IOException {
        write(dir, record, storedAt, Map.of(), null);
    }

    /**
     * As above, the files named in {@code appends} written as the file of the version {@code base}
     * replaces plus their tails ({@link DiskChunks}); every base is checked before anything is written.
     */
    static void write(DiskFolder dir, StoredConversation record, Instant storedAt, Map<String, RolloutAppend> appends,
                      DiskChunks.@Nullable Base base) throws IOException {
        String threadId = record.threadId();
        for (RolloutAppend a : appends.values()) {
            DiskChunks.Stored stored = base == null ? null : base.files().get(a.relativePath());
            if (stored == null) {
                throw new StaleAppendException(threadId, a.relativePath(), "the stored version has no file at that path");
            }
            DiskChunks.checkBase(threadId, stored, a);
        }
        ArrayNode files = Json.mapper().createArrayNode();
        List<RolloutFile> lineage = record.lineage();
        boolean chunked = false;
        for (int i = 0; i < lineage.size(); i++) {
            RolloutFile f = lineage.get(i);
            RolloutAppend append = appends.get(f.relativePath());
            ObjectNode entry = files.addObject().put("path", f.relativePath()).put("size", f.size()).put("sha256", f.sha256());
            if (append != null && base != null) {
                long[] chunks = DiskChunks.append(threadId, base.folder(), base.files().get(f.relativePath()), dir, i, f, append);
                if (chunks.length > 1) {
                    chunked = true;
                    ArrayNode sizes = entry.putArray("chunks");
                    for (long c : chunks) {
                        sizes.add(c);
                    }
                }
                continue;
            }
            try (CheckedInput in = CheckedInput.open(threadId, f)) {
                dir.write(Integer.toString(i), in);
                in.verify();
            } catch (IOException e) {
                throw CheckedInput.failed(threadId, f, e);
            }
        }
        // format 1 while no file is in chunks: a library from before reads it; it refuses format 2 rather than misread it
        ObjectNode manifest = Json.object().put("format", chunked ? FORMAT_CHUNKED : FORMAT).put("threadId", threadId)
                .put("version", record.version()).put("storedAt", storedAt.toString());
        ConversationOwner owner = record.owner();
        if (owner != null) {
            manifest.putObject("owner").put("principal", owner.principal()).put("tenant", owner.tenant());
        }
        manifest.put("name", record.name()).put("goal", record.goal()).put("settings", record.settings())
                .put("lastCompletedTurnId", record.lastCompletedTurnId());
        manifest.set("files", files);
        byte[] bytes = Json.write(manifest).getBytes(StandardCharsets.UTF_8);
        dir.write(MANIFEST, bytes);
        dir.write(MANIFEST_HASH, Sha256.hex(bytes).getBytes(StandardCharsets.US_ASCII));
        dir.force();
    }

    /**
     * The record in the version folder {@code version} (named {@code versionDir}): the manifest,
     * then every rollout's size checked (recorded, against the caps, on disk) before any is read,
     * then every rollout read and checked.
     *
     * @throws java.nio.file.NoSuchFileException when a file is missing (the caller tells a folder
     *         a newer put moved away from a missing rollout)
     */
    static StoredConversation read(String threadId, DiskFolder version, String versionDir, StoreLimits limits) throws IOException {
        JsonNode manifest = manifest(threadId, version, versionDir, limits);
        JsonNode files = manifest.path("files");
        if (!files.isArray()) {
            throw new CorruptConversationException(threadId, "the manifest lists no rollout files");
        }
        StoreChecks.withinLimits(limits, threadId, files.size(), 0);
        long total = 0;
        long[] sizes = new long[files.size()];
        long[][] chunks = new long[files.size()][];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = recordedSize(threadId, files.get(i), limits.maxLineageBytes());
            chunks[i] = DiskChunks.chunkSizes(threadId, files.get(i), sizes[i], limits.maxLineageBytes());
            total += sizes[i];
        }
        StoreChecks.withinLimits(limits, threadId, files.size(), total);
        for (int i = 0; i < sizes.length; i++) {
            for (int k = 0; k < chunks[i].length; k++) {
                long onDisk = version.regularFileSize(DiskChunks.name(i, k));
                if (onDisk != chunks[i][k]) {
                    throw StoreChecks.sizeMismatch(threadId, files.get(i).path("path").asText(), onDisk, chunks[i][k]);
                }
            }
        }
        List<RolloutFile> lineage = new ArrayList<>(sizes.length);
        for (int i = 0; i < sizes.length; i++) {
            JsonNode f = files.get(i);
            lineage.add(StoreChecks.readBack(threadId, f.path("path").asText(), sizes[i], f.path("sha256").asText(),
                    DiskChunks.read(version, i, chunks[i])));
        }
        long number = manifest.path("version").asLong(-1);
        return StoreChecks.record(threadId, () -> new StoredConversation(threadId, lineage, owner(manifest), text(manifest, "name"),
                text(manifest, "goal"), text(manifest, "settings"), text(manifest, "lastCompletedTurnId"), number));
    }

    /** What {@link ConversationStore#list} shows of the record in {@code version}: its manifest only. */
    static ConversationSummary summary(String threadId, DiskFolder version, String versionDir, StoreLimits limits) throws IOException {
        JsonNode manifest = manifest(threadId, version, versionDir, limits);
        long bytes = 0;
        for (JsonNode f : manifest.path("files")) {
            bytes += recordedSize(threadId, f, StoreLimits.MAX_LINEAGE_BYTES);
        }
        try {
            return new ConversationSummary(threadId, owner(manifest), text(manifest, "name"), manifest.path("version").asLong(),
                    manifest.path("files").size(), bytes, Instant.parse(manifest.path("storedAt").asText()));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new CorruptConversationException(threadId, "the manifest does not hold together: " + e.getMessage(), e);
        }
    }

    /** A rollout's size as the manifest gives it: a whole number, not negative, at most {@code maxBytes}. */
    static long recordedSize(String threadId, JsonNode file, long maxBytes) {
        String path = StoreChecks.rolloutPath(threadId, file.path("path").asText());
        JsonNode size = file.path("size");
        if (!size.isIntegralNumber() || !size.canConvertToLong()) {
            throw new CorruptConversationException(threadId, "rollout " + path + " has no size in the manifest");
        }
        return StoreChecks.recordedSize(maxBytes, threadId, path, size.asLong());
    }

    static JsonNode manifest(String threadId, DiskFolder version, String versionDir, StoreLimits limits) throws IOException {
        byte[] bytes = version.readSmall(MANIFEST, maxManifestBytes(limits));
        String hash = new String(version.readSmall(MANIFEST_HASH, 1024), StandardCharsets.US_ASCII).strip();
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
        if (format != FORMAT && format != FORMAT_CHUNKED) {
            throw new CorruptConversationException(threadId, "the record is in format " + manifest.path("format")
                    + ", which this library does not read (it reads formats " + FORMAT + " and " + FORMAT_CHUNKED + ")");
        }
        if (!threadId.equals(manifest.path("threadId").asText()) || manifest.path("version").asLong(-1) != versionOf(versionDir)) {
            throw new CorruptConversationException(threadId, "the manifest in " + versionDir + " is another record's");
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
