package dev.codexbridge.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.NotificationMethod;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.protocol.ThreadScoped;
import dev.codexbridge.protocol.TurnScoped;
import dev.codexbridge.protocol.UnionCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decodes the bulk of a turn's stream — notifications whose params name their thread and turn
 * (deltas, items, token usage) — straight from the line's bytes into the generated record, in one
 * pass with no JSON tree. The tree the peer would build and the record decoded from it cost twice
 * this, and at hundreds of thousands of messages a turn that is most of the reader's work. The
 * event keeps a copy of the line for {@link CodexEvent#raw()}, parsed only if someone asks.
 *
 * <p>Anything else returns null and goes the peer's general way (tree, classification, typed
 * decoding or {@code Unknown}), so what a message decodes to never depends on which path it took:
 * a line that does not start with {@code method} then {@code params}, a method without such a
 * record, params that do not fit the record, a request, a line of a MiB or more (the peer's
 * large-string decoder keeps those small in memory).
 */
final class WireDecoder {
    /** Below the peer's large-line threshold: those lines keep the memory-frugal path. */
    static final int MAX_LINE = 1 << 20;
    /** Per method, made on first use: a reader builds its record's deserializer up front. */
    private static final Map<String, ObjectReader> READERS = new ConcurrentHashMap<>();

    private WireDecoder() {
    }

    private static ObjectReader reader(String method) {
        ObjectReader r = READERS.get(method);
        if (r != null) {
            return r;
        }
        NotificationMethod<?> m = ServerNotifications.BY_METHOD.get(method);
        if (m == null) {
            return null;
        }
        Class<?> type = m.paramsType();
        if (!ServerNotification.class.isAssignableFrom(type) || !ThreadScoped.class.isAssignableFrom(type)
                || !TurnScoped.class.isAssignableFrom(type)) {
            return null;
        }
        // this decoder falls back to the peer's path on any failure, so unions may decode without a copy
        return READERS.computeIfAbsent(method, k -> Json.mapper().readerFor(type).withAttribute(UnionCodec.FAIL_FAST, Boolean.TRUE));
    }

    /** The notification on this line, decoded; null when the peer should parse the line itself. */
    static CodexEvent.Notification decode(byte[] b, int off, int len) {
        if (len >= MAX_LINE) {
            return null;
        }
        try (JsonParser p = Json.mapper().getFactory().createParser(b, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
                    || !"method".equals(p.currentName()) || p.nextToken() != JsonToken.VALUE_STRING) {
                return null;
            }
            String method = p.getText();
            ObjectReader reader = reader(method);
            if (reader == null || p.nextToken() != JsonToken.FIELD_NAME || !"params".equals(p.currentName())
                    || p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Object params = reader.readValue(p);
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (name.equals("id") || name.equals("method") || name.equals("params") || name.equals("result")
                        || name.equals("error")) {
                    return null; // not a plain notification after all: the peer sorts it out
                }
                p.nextToken();
                p.skipChildren(); // members codex adds beside the message (emittedAtMs)
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            String threadId = ((ThreadScoped) params).threadId();
            String turnId = ((TurnScoped) params).turnId();
            if (threadId == null || turnId == null) {
                return null;
            }
            return new CodexEvent.Notification(method, threadId, turnId, (ServerNotification) params,
                    Arrays.copyOfRange(b, off, off + len));
        } catch (IOException | RuntimeException e) {
            return null; // malformed, or params that do not fit: the general path reports or keeps them
        }
    }

    /** The params of a line this decoder took, as the peer would have handed them over. */
    static JsonNode params(byte[] line) {
        try {
            JsonNode params = Json.mapper().readTree(line).get("params");
            return params == null || params.isNull() ? Json.object() : params;
        } catch (IOException e) {
            throw new UncheckedIOException("a line that decoded once parses again", e);
        }
    }
}
