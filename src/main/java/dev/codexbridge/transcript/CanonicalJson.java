package dev.codexbridge.transcript;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Canonical JSON text for tool-call arguments: object keys sorted (by UTF-16 code units, at every
 * depth), compact separators, non-ASCII kept as is, numbers as Jackson writes them. The same value
 * always gives the same bytes, so a host's prompt cache stays valid across replays.
 */
public final class CanonicalJson {
    private CanonicalJson() {
    }

    public static String write(@Nullable JsonNode value) {
        JsonNode v = value == null ? Json.nodes().nullNode() : value;
        // written key by key in sorted order: the same text as Json.write(sorted(v)) without the copy
        // (a turn writes this for every tool call)
        StringWriter text = new StringWriter();
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(text)) {
            write(v, g);
            g.flush();
            return text.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@link #write} of JSON text: the same value's canonical text. Malformed text is an
     * {@link IllegalArgumentException}.
     */
    public static String writeText(String json) {
        return write(Json.parseHostJson(java.util.Objects.requireNonNull(json, "json"), "json", false));
    }

    private static void write(JsonNode node, JsonGenerator g) throws IOException {
        if (node.isObject()) {
            List<String> names = new ArrayList<>(node.size());
            node.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            g.writeStartObject();
            for (String name : names) {
                g.writeFieldName(name);
                write(node.get(name), g);
            }
            g.writeEndObject();
        } else if (node.isArray()) {
            g.writeStartArray();
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                write(it.next(), g);
            }
            g.writeEndArray();
        } else if (node.isTextual()) {
            g.writeString(node.textValue()); // the usual leaf, written without a serializer provider per value
        } else if (node.isBoolean()) {
            g.writeBoolean(node.booleanValue());
        } else if (node.isNull()) {
            g.writeNull();
        } else if (node.isPojo()) {
            g.writeRawValue(Json.write(node)); // a value Jackson must serialize with the mapper's settings
        } else {
            Json.mapper().writeTree(g, node);
        }
    }

    /** A deep copy with every object's keys in sorted order. */
    public static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode out = Json.object();
            for (String name : names) {
                out.set(name, sorted(node.get(name)));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = Json.nodes().arrayNode(node.size());
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                out.add(sorted(it.next()));
            }
            return out;
        }
        return node;
    }
}
