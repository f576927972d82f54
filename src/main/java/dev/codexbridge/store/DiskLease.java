package dev.codexbridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A conversation's lease file in {@link DiskConversationStore}: {@code lease.json} in its folder,
 * holder, token and expiry, replaced whole by a rename. Read and written under the conversation's
 * lock; read as the small regular file it must be (a link or a FIFO is refused as corrupt).
 */
final class DiskLease {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    static final String FILE = "lease.json";
    /** A lease file holds a holder's name (256 characters at most), a token and an instant. */
    private static final long MAX_BYTES = 8192;

    private DiskLease() {
    }

    /** Refuses {@code lease} unless it is the one in {@code dir} and in force at {@code now}. */
    static void checkInForce(@Nullable DiskFolder dir, ConversationLease lease, Instant now) throws IOException {
        StoreChecks.inForce(lease, read(dir, lease.threadId()), now);
    }

    /** The lease in {@code dir} (none without a folder); a lease file that is not a small regular file is refused as corrupt. */
    static Optional<ConversationLease> read(@Nullable DiskFolder dir, String threadId) throws IOException {
        if (dir == null) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = dir.readSmall(FILE, MAX_BYTES);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            JsonNode lease = Json.mapper().readTree(bytes);
            return Optional.of(new ConversationLease(threadId, lease.path("holder").asText(), lease.path("token").asText(),
                    Instant.parse(lease.path("expiresAt").asText())));
        } catch (IOException | RuntimeException e) {
            // written by a rename, so never half there: a lease that cannot be read is nobody's rather than everybody's block
            LOG.warn("the lease of stored conversation {} cannot be read and counts as expired: {}", threadId, e.toString());
            return Optional.empty();
        }
    }

    static void write(DiskFolder dir, ConversationLease lease) throws IOException {
        String json = Json.write(Json.object().put("holder", lease.holder()).put("token", lease.token())
                .put("expiresAt", lease.expiresAt().toString()));
        dir.replace(FILE, json.getBytes(StandardCharsets.UTF_8));
    }
}
