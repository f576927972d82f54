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
 * holder, token, expiry and when another host last asked for the conversation, replaced whole by a rename. Read and written under the conversation's
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
        return readAsked(dir, threadId).map(Asked::lease);
    }

    /** The lease in {@code dir}, {@linkplain ConversationLease#handOverAsked() asked for} when another host asked within the freshness of {@code now}. */
    static Optional<ConversationLease> read(@Nullable DiskFolder dir, String threadId, Instant now) throws IOException {
        return readAsked(dir, threadId).map(a -> !StoreChecks.handOverAsked(a.at(), now) ? a.lease()
                : new ConversationLease(threadId, a.lease().holder(), a.lease().token(), a.lease().expiresAt(), true));
    }

    /** A lease file's lease and when another host last asked for the conversation (null: never since it was taken). */
    private record Asked(ConversationLease lease, @Nullable Instant at) {
    }

    private static Optional<Asked> readAsked(@Nullable DiskFolder dir, String threadId) throws IOException {
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
            JsonNode asked = lease.path("handOverAskedAt");
            return Optional.of(new Asked(new ConversationLease(threadId, lease.path("holder").asText(), lease.path("token").asText(),
                    Instant.parse(lease.path("expiresAt").asText())), asked.isTextual() ? Instant.parse(asked.asText()) : null));
        } catch (IOException | RuntimeException e) {
            // written by a rename, so never half there: a lease that cannot be read is nobody's rather than everybody's block
            LOG.warn("the lease of stored conversation {} cannot be read and counts as expired: {}", threadId, e.toString());
            return Optional.empty();
        }
    }

    /** {@code lease} renewed until {@code expiresAt}, the ask for the conversation kept; asked for when the ask is fresh at {@code now}. */
    static ConversationLease renew(DiskFolder dir, ConversationLease lease, Instant expiresAt, Instant now) throws IOException {
        Optional<Asked> current = readAsked(dir, lease.threadId());
        StoreChecks.inForce(lease, current.map(Asked::lease), now);
        Instant asked = current.get().at();
        ConversationLease renewed = new ConversationLease(lease.threadId(), lease.holder(), lease.token(), expiresAt,
                StoreChecks.handOverAsked(asked, now));
        write(dir, renewed, asked);
        return renewed;
    }

    /** Notes another host's ask on the lease in force in {@code dir} ({@link ConversationStore#askHandOver}); false without one. */
    static boolean ask(@Nullable DiskFolder dir, String threadId, Instant now) throws IOException {
        Optional<ConversationLease> current = read(dir, threadId);
        if (current.isEmpty() || !current.get().liveAt(now)) {
            return false;
        }
        write(dir, current.get(), now);
        return true;
    }

    static void write(DiskFolder dir, ConversationLease lease) throws IOException {
        write(dir, lease, null);
    }

    private static void write(DiskFolder dir, ConversationLease lease, @Nullable Instant askedAt) throws IOException {
        var json = Json.object().put("holder", lease.holder()).put("token", lease.token()).put("expiresAt", lease.expiresAt().toString());
        if (askedAt != null) {
            json.put("handOverAskedAt", askedAt.toString());
        }
        dir.replace(FILE, Json.write(json).getBytes(StandardCharsets.UTF_8));
    }
}
