package dev.codexbridge.transcript;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decoded protocol values read back as codex writes them: an item's id, a value's JSON, an enum's
 * wire name, an optional field's text. What the projection writes must not depend on whether a
 * field was decoded, so every class of it reads values through these.
 */
final class WireValues {
    private static final Map<Enum<?>, String> WIRE_NAMES = new ConcurrentHashMap<>();

    private WireValues() {
    }

    /** The item's id, "" when it has none. */
    static String idOf(ThreadItem item) {
        return item == null ? "" : orEmpty(item.id());
    }

    /**
     * A protocol value as codex writes it: an {@code Unknown} variant's raw JSON; a record with every
     * component present, null when unset (codex writes absent options as null, and argument and
     * note text must not depend on whether a field was decoded).
     */
    static JsonNode wireJson(Object value) {
        if (value instanceof ThreadItem.Unknown u) {
            return u.raw();
        }
        JsonNode tree = value == null ? Json.nodes().nullNode() : Json.tree(value);
        if (tree instanceof ObjectNode object && value instanceof Record) {
            for (RecordComponent c : value.getClass().getRecordComponents()) {
                JsonProperty property = c.getAccessor().getAnnotation(JsonProperty.class);
                if (property != null && !object.has(property.value())) {
                    object.putNull(property.value());
                }
            }
        }
        return tree;
    }

    /** An enum's wire value; the catch-all constant of a value this version does not know reads "unknown". */
    static String wire(Enum<?> value, String ifAbsent) {
        if (value == null) {
            return ifAbsent;
        }
        return WIRE_NAMES.computeIfAbsent(value, v -> {
            JsonNode json = Json.tree(v);
            return json.isTextual() && !"UNKNOWN".equals(v.name()) ? json.asText() : "unknown";
        });
    }

    /** {@code node.field} as text: "" when absent or null, as codex's optional strings read here. */
    static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? "" : value.asText();
    }

    static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
