package dev.codexbridge.session.internal.custody;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.StoredConversation;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a stored conversation was awake when it was last stored, kept in the record's opaque
 * {@code settings} ({@code {"awakeOn":"ws://…"}}): set by a wake that imports the conversation
 * there (stored again before the resume is sent) and by the store after a completed turn, cleared
 * by a sleep's store (that app-server's copy is then removed). A record that still names an
 * app-server was left by a host that stopped holding it without a sleep (it died, or lost its
 * lease): that app-server's copy is at least as new as the store's (every store of it was read
 * from there), so a wake goes back there and imports nothing; should that app-server have lost
 * its home meanwhile, codex answers that it has no record and the store's copy is imported after
 * all ({@link ThreadCustody#resumeFailed}).
 */
public final class AwakeOn {
    private static final String FIELD = "awakeOn";

    private AwakeOn() {
    }

    /**
     * The app-server {@code c} reaches: the pool's URI for its endpoint, else the endpoint it was
     * opened for; null for a connection with no address (a process of its own, a transport).
     */
    public static @Nullable String of(@Nullable CodexClient c) {
        if (c == null) {
            return null;
        }
        String pooled = ClientPlumbing.of(c).pooledAt();
        return pooled != null ? pooled : c.options().endpoint() == null ? null : c.options().endpoint().uri().toString();
    }

    /** The settings text that says the conversation is awake on {@code where} ({@link #of}); null when that is unknown. */
    public static @Nullable String settings(@Nullable String where) {
        return where == null ? null : Json.object().put(FIELD, where).toString();
    }

    /** The app-server the record says the conversation was last stored awake on; empty for a clean sleep's record or settings of another shape. */
    public static Optional<URI> read(StoredConversation c) {
        String text = c.settings();
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode where = Json.mapper().readTree(text).path(FIELD);
            return where.isTextual() ? Optional.of(URI.create(where.asText())) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether the record names {@code where} ({@link #of}) as the app-server the conversation was awake on. */
    public static boolean names(StoredConversation record, @Nullable String where) {
        return where != null && read(record).map(u -> u.toString().equals(where)).orElse(false);
    }
}
