package dev.codexbridge.session.internal.custody;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.store.StoredConversation;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a stored conversation last slept, kept in the record's opaque {@code settings} by the
 * sleep's store (decision 0074): the app-server ({@link #homeOf}), the version that store wrote,
 * and when codex there last wrote each file of the lineage, read before the export. A wake on that
 * same app-server that finds the same version and the same times resumes the copy codex kept
 * there and imports nothing; anything else imports as before.
 *
 * @param at       the app-server's home, as {@link #homeOf} names it
 * @param version  the store's version the sleep wrote
 * @param modified each lineage file's last write there, in milliseconds, in the lineage's order
 */
public record SleptOn(String at, long version, List<Long> modified) {
    private static final String FIELD = "sleptOn";

    public SleptOn {
        modified = List.copyOf(modified);
    }

    /**
     * The codex home {@code c} reaches, for telling whether a wake is back where it slept: the
     * app-server's address ({@link AwakeOn#of}); for a process of the host's own, which has none,
     * this machine's name and the home codex reported when it started (a process started again
     * on the same home is the same place; the same path on another machine is not). Null when
     * neither is known.
     */
    public static @Nullable String homeOf(@Nullable CodexClient c) {
        String where = AwakeOn.of(c);
        if (where != null || c == null) {
            return where;
        }
        InitializeResponse server = c.serverInfo();
        String home = server == null ? null : server.codexHome();
        return home == null || home.isBlank() ? null : "codex-home://" + Host.NAME + "/" + home;
    }

    /** The settings text that records this sleep. */
    public String settings() {
        ObjectNode slept = Json.object().put("at", at).put("version", version);
        ArrayNode times = slept.putArray("modified");
        modified.forEach(times::add);
        ObjectNode root = Json.object();
        root.set(FIELD, slept);
        return root.toString();
    }

    /** The sleep a record names; empty for any other settings (an awake record, none, another shape). */
    public static Optional<SleptOn> read(StoredConversation c) {
        String text = c.settings();
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode slept = Json.mapper().readTree(text).path(FIELD);
            JsonNode times = slept.path("modified");
            if (!slept.path("at").isTextual() || !slept.path("version").isIntegralNumber() || !times.isArray()) {
                return Optional.empty();
            }
            List<Long> modified = new ArrayList<>();
            for (JsonNode t : times) {
                if (!t.isIntegralNumber()) {
                    return Optional.empty();
                }
                modified.add(t.asLong());
            }
            return Optional.of(new SleptOn(slept.path("at").asText(), slept.path("version").asLong(), modified));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code c} is the record this sleep wrote, back on the home it names: same place, same version, as many files. */
    public boolean wrote(StoredConversation c, @Nullable String home) {
        return at.equals(home) && version == c.version() && modified.size() == c.lineage().size();
    }

    /** This machine's name, once: a process's home path says nothing without it. */
    private static final class Host {
        static final String NAME = name();

        private static String name() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                String env = System.getenv("HOSTNAME");
                return env == null || env.isBlank() ? "localhost" : env;
            }
        }
    }
}
