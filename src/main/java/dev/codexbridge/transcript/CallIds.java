package dev.codexbridge.transcript;

import static dev.codexbridge.transcript.WireValues.idOf;
import static dev.codexbridge.transcript.WireValues.wireJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.protocol.ThreadItem;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The tool-call ids of one turn: deterministic from the item, so a replay gives the same ids, and
 * unique within the turn. Not thread-safe, like the projector that owns it.
 */
final class CallIds {
    /** Timings, not content: left out of an id-less item's hash. */
    private static final List<String> TIMESTAMPS = List.of("startedAtMs", "completedAtMs", "durationMs");

    private final Set<String> issued = new HashSet<>();

    /**
     * {@code codex_<kind>_<item id>}; an id with characters some chat APIs refuse is cleaned and
     * suffixed with its hash; an item without id gets a hash of its content. A repeat within the
     * turn gets {@code _2}, {@code _3}, … so ids stay unique and still replay identically.
     */
    String next(String kind, ThreadItem item) {
        String itemId = idOf(item);
        String base;
        if (itemId.isEmpty()) {
            JsonNode content = wireJson(item).deepCopy();
            if (content instanceof ObjectNode object) {
                object.remove(TIMESTAMPS);
            }
            base = "codex_" + kind + "_" + ToolNames.sha256(CanonicalJson.write(content)).substring(0, 16);
        } else {
            base = "codex_" + kind + "_" + safe(itemId);
        }
        String id = fit(base);
        for (int n = 2; !issued.add(id); n++) {
            id = fit(base + "_" + n);
        }
        return id;
    }

    /** An id longer than 64 characters (OpenAI's limit) is cut and suffixed with a hash of the whole. */
    private static String fit(String id) {
        if (id.length() <= ToolNames.MAX_LENGTH) {
            return id;
        }
        return id.substring(0, ToolNames.MAX_LENGTH - 9) + "_" + ToolNames.sha256(id).substring(0, 8);
    }

    /** {@code s} when it is all {@code [A-Za-z0-9_-]}, else cleaned and suffixed with 8 hex digits of its hash. */
    static String safe(String s) {
        if (isSafe(s)) {
            return s;
        }
        return ToolNames.UNSAFE.matcher(s).replaceAll("_") + "_" + ToolNames.sha256(s).substring(0, 8);
    }

    /** {@code [A-Za-z0-9_-]+}, without a regular expression: every tool call's id is checked. */
    private static boolean isSafe(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
