package dev.codexbridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.Sha256;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One version of a conversation on disk as releases before format 3 wrote it, read and replaced by
 * a {@link DiskLog} at the next put; and the manifest fields both formats share. A folder {@code v<version>} holding the rollouts as
 * {@code 0}, {@code 1}, … in lineage order (a rollout appended to also as {@code 0.1}, {@code 0.2}, …:
 * {@link DiskChunks}), {@code manifest.json} (format, record, each rollout's
 * path, size and hash) and {@code manifest.sha256} (the manifest's own hash). Read back checked,
 * every file through {@link DiskFolder} (regular files of the sizes the manifest gives, no link).
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

    /** The version folders among a conversation folder's {@code names}, newest first. */
    static List<String> versions(List<String> names) {
        List<String> versions = new ArrayList<>();
        for (String name : names) {
            if (VERSION_DIR.matcher(name).matches()) {
                versions.add(name);
            }
        }
        versions.sort((a, b) -> b.compareTo(a));
        return versions;
    }

    /** The names in a conversation's folder; none when the folder is gone. */
    static List<String> names(DiskFolder conversation) throws IOException {
        try {
            return conversation.names();
        } catch (NoSuchFileException gone) {
            return List.of();
        }
    }

    /** The version of the folder {@code versionDir}: one whose name is past the largest version, or 0, is corrupt. */
    static long versionOf(String threadId, String versionDir) {
        Matcher m = VERSION_DIR.matcher(versionDir);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a version folder: " + versionDir);
        }
        try {
            long version = Long.parseLong(m.group(1));
            if (version > 0) {
                return version;
            }
        } catch (NumberFormatException pastTheLargest) {
            // refused below
        }
        throw new CorruptConversationException(threadId, "the version folder " + versionDir + " is not a version this library writes");
    }

    /** The most bytes a manifest this store writes under {@code limits} can have: a bigger one is not read. */
    static long maxManifestBytes(StoreLimits limits) {
        // a chunk's size is at most 20 digits and a comma
        return (long) TEXT_FIELDS * MOST_JSON_BYTES_PER_BYTE * limits.maxTextBytes() + (512L + 21L * DiskChunks.MAX_CHUNKS) * limits.maxFiles() + 4096;
    }

    /** A manifest's fields but its files: the format, the conversation, its version and when it was stored, owner and texts. */
    static ObjectNode fields(StoredConversation record, int format, Instant storedAt) {
        ObjectNode manifest = Json.object().put("format", format).put("threadId", record.threadId())
                .put("version", record.version()).put("storedAt", storedAt.toString());
        ConversationOwner owner = record.owner();
        if (owner != null) {
            manifest.putObject("owner").put("principal", owner.principal()).put("tenant", owner.tenant());
        }
        return manifest.put("name", record.name()).put("goal", record.goal()).put("settings", record.settings())
                .put("lastCompletedTurnId", record.lastCompletedTurnId());
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
        long number = versionOf(threadId, versionDir);
        byte[] bytes = version.readSmall(MANIFEST, maxManifestBytes(limits));
        String hash = new String(version.readSmall(MANIFEST_HASH, 1024), StandardCharsets.US_ASCII).strip();
        if (!Sha256.hex(bytes).equals(hash)) {
            throw new CorruptConversationException(threadId, "the record's manifest does not match its SHA-256 (changed or cut short)");
        }
        JsonNode manifest = parse(threadId, bytes, false);
        if (!threadId.equals(manifest.path("threadId").asText()) || manifest.path("version").asLong(-1) != number) {
            throw new CorruptConversationException(threadId, "the manifest in " + versionDir + " is another record's");
        }
        return manifest;
    }

    /**
     * A manifest's JSON, in a format this library reads where it was found: 3 in a log
     * ({@code inLog}), 1 and 2 in a version folder.
     */
    static JsonNode parse(String threadId, byte[] bytes, boolean inLog) {
        JsonNode manifest;
        try {
            manifest = Json.mapper().readTree(bytes);
        } catch (IOException e) {
            throw new CorruptConversationException(threadId, "the record's manifest is not JSON", e);
        }
        int format = manifest.path("format").asInt(-1);
        if (inLog ? format != DiskLog.FORMAT : format != FORMAT && format != FORMAT_CHUNKED) {
            throw new CorruptConversationException(threadId, "the record is in format " + manifest.path("format")
                    + ", which this library does not read (it reads format " + DiskLog.FORMAT + " in a log, formats " + FORMAT + " and "
                    + FORMAT_CHUNKED + " in a version folder)");
        }
        return manifest;
    }

    static @Nullable ConversationOwner owner(JsonNode manifest) {
        JsonNode owner = manifest.path("owner");
        return owner.isObject() ? new ConversationOwner(owner.path("principal").asText(), text(owner, "tenant")) : null;
    }

    static @Nullable String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
