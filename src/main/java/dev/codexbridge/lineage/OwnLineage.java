package dev.codexbridge.lineage;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.codexbridge.FailureKind;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.RolloutFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Whether a lineage is one thread's own, read from the lineage alone: each file's first line,
 * codex's {@code session_meta}, names the thread the file's name does, and every file is the
 * thread's or a fork source's that one of those lines records ({@code forked_from_id}). Codex
 * 0.169.0 resumes the thread a rollout's {@code session_meta} names, not the one its file name
 * says, and an import writes each file where its name says: unchecked, a stored lineage could
 * replace another thread's rollout on the app-server or make a resume load another thread.
 */
final class OwnLineage {
    /** The longest first line read: codex's {@code session_meta} carries the base instructions (a few KiB in 0.169.0). */
    static final int MAX_META_BYTES = 1024 * 1024;
    private static final ObjectReader STRICT = Json.mapper().reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    private OwnLineage() {
    }

    /** What a rollout's {@code session_meta} says: the thread it is, and the thread it was forked from (or null). */
    private record Meta(String threadId, @Nullable String forkedFrom) {
    }

    /**
     * Checks {@code lineage} as {@code threadId}'s own; throws a {@link LineageException} naming the
     * first file that is not. Reads each file's first line, nothing more.
     */
    static void check(String threadId, List<RolloutFile> lineage) {
        Map<RolloutFile, Meta> metas = new LinkedHashMap<>();
        for (RolloutFile file : lineage) {
            Meta meta = meta(threadId, file);
            if (!meta.threadId().equals(file.threadId())) {
                throw refused(threadId, file, "its first line (session_meta) is thread " + meta.threadId()
                        + "'s, and codex would resume that thread under this one's name");
            }
            metas.put(file, meta);
        }
        // the thread's own, then every fork source a file of a thread already admitted records, recursively
        Set<String> admitted = new HashSet<>(Set.of(threadId));
        for (boolean grew = true; grew; ) {
            grew = false;
            for (Meta meta : metas.values()) {
                if (admitted.contains(meta.threadId()) && meta.forkedFrom() != null) {
                    grew |= admitted.add(meta.forkedFrom());
                }
            }
        }
        for (RolloutFile file : lineage) {
            if (!admitted.contains(file.threadId())) {
                throw refused(threadId, file, "it is thread " + file.threadId() + "'s, which is neither " + threadId
                        + " nor a fork source its rollouts record");
            }
        }
    }

    private static Meta meta(String threadId, RolloutFile file) {
        JsonNode line;
        try {
            line = STRICT.readTree(firstLine(threadId, file));
        } catch (IOException e) {
            throw refused(threadId, file, "its first line is not one JSON object (" + UntrustedText.messageOf(e) + ")");
        }
        JsonNode payload = line == null ? null : line.get("payload");
        JsonNode id = payload == null ? null : payload.get("id");
        if (!"session_meta".equals(line == null ? null : line.path("type").asText(null)) || id == null || !id.isTextual()
                || !RolloutFile.isThreadId(id.asText())) {
            throw refused(threadId, file, "its first line is not codex's session_meta naming a thread id");
        }
        JsonNode source = payload.get("forked_from_id");
        if (source != null && !source.isNull() && (!source.isTextual() || !RolloutFile.isThreadId(source.asText()))) {
            throw refused(threadId, file, "its session_meta names a fork source that is not a thread id");
        }
        return new Meta(id.asText(), source == null || source.isNull() ? null : source.asText());
    }

    /** The file's bytes up to its first newline, at most {@link #MAX_META_BYTES}. */
    private static byte[] firstLine(String threadId, RolloutFile file) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (InputStream in = file.open()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        line.write(buffer, 0, i);
                        return line.toByteArray();
                    }
                }
                line.write(buffer, 0, n);
                if (line.size() > MAX_META_BYTES) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new LineageException(threadId, "rollout sessions/" + file.relativePath() + " of thread " + threadId
                    + " cannot be read: " + UntrustedText.messageOf(e) + "; nothing was written", e, FailureKind.OTHER);
        }
        throw refused(threadId, file, "it has no complete first line within " + MAX_META_BYTES + " bytes");
    }

    private static LineageException refused(String threadId, RolloutFile file, String why) {
        return new LineageException(threadId, "rollout sessions/" + file.relativePath() + " is not thread " + threadId
                + "'s own lineage: " + why + "; nothing was written");
    }
}
