package dev.codexbridge.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.WireTap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Records every message in both directions of one or more codex connections into a fixture file:
 * JSON Lines, a header line ({@code fixture}, {@code scenario}, {@code codexVersion},
 * {@code recordedAt}, {@code options}), then one {@code {"conn":N,"dir":"out"|"in","msg":{…}}}
 * line per message, normalized by a {@link FixtureNormalizer}.
 *
 * <p>Install it with {@link #wireTaps()} (on {@code CodexSession.Builder.wireTaps} or
 * {@code CodexClient.Builder.wireTaps}): each connection the session opens, restarts included,
 * gets its own number. For a single connection made by hand, use {@link #tapFor}.
 */
public final class FixtureRecorder {
    public static final int FORMAT = 1;

    private record Line(int conn, String dir, JsonNode msg) {
    }

    private final List<Line> lines = new ArrayList<>();
    private int connections;

    /** Taps for one connection after another: each call gives the next connection's tap. */
    public Supplier<WireTap> wireTaps() {
        return () -> tapFor(nextConnection());
    }

    private synchronized int nextConnection() {
        return connections++;
    }

    /** A tap for connection {@code conn}. */
    public WireTap tapFor(int conn) {
        return new WireTap() {
            @Override
            public void outgoing(byte[] line) {
                add(conn, "out", line, line.length);
            }

            @Override
            public void incoming(byte[] buffer, int length) {
                add(conn, "in", buffer, length);
            }
        };
    }

    private void add(int conn, String dir, byte[] bytes, int length) {
        JsonNode msg;
        try {
            msg = Json.mapper().readTree(bytes, 0, length);
        } catch (IOException e) {
            msg = Json.nodes().textNode(new String(bytes, 0, length, StandardCharsets.UTF_8));
        }
        synchronized (lines) {
            lines.add(new Line(conn, dir, msg));
        }
    }

    public int messageCount() {
        synchronized (lines) {
            return lines.size();
        }
    }

    /** Writes the fixture, normalizing every message with {@code normalizer}. */
    public void write(Path file, String scenario, String codexVersion, @Nullable JsonNode options, FixtureNormalizer normalizer) {
        StringBuilder sb = new StringBuilder();
        ObjectNode header = Json.object().put("fixture", FORMAT).put("scenario", scenario).put("codexVersion", codexVersion)
                .put("recordedAt", LocalDate.now(ZoneOffset.UTC).toString());
        header.set("options", options == null ? Json.object() : options);
        sb.append(Json.write(header)).append('\n');
        synchronized (lines) {
            for (Line l : lines) {
                ObjectNode o = Json.object().put("conn", l.conn()).put("dir", l.dir());
                o.set("msg", normalizer.normalize(l.msg()));
                sb.append(Json.write(o)).append('\n');
            }
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write fixture " + file, e);
        }
    }
}
