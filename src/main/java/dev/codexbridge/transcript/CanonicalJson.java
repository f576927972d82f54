package dev.codexbridge.transcript;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Canonical JSON text for tool-call arguments: object keys sorted (by UTF-16 code units, at every
 * depth), compact separators, non-ASCII kept as is, numbers as Jackson writes them. The same value
 * always gives the same bytes, so a host's prompt cache stays valid across replays.
 */
public final class CanonicalJson {
    private CanonicalJson() {
    }

    public static String write(JsonNode value) {
        return Json.write(sorted(value == null ? Json.nodes().nullNode() : value));
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
