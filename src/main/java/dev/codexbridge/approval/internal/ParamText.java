package dev.codexbridge.approval.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.util.List;

/** How the table's entries read codex's params: codex sends "" and null alike for "not given". */
final class ParamText {
    private ParamText() {
    }

    static boolean present(String s) {
        return s != null && !s.isEmpty();
    }

    static String blankToNull(String s) {
        return present(s) ? s : null;
    }

    static String orElse(String s, String fallback) {
        return present(s) ? s : fallback;
    }

    static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** How a generated value is spelled on the wire: an enum's or bare-string variant's JSON text. */
    static String wireText(Object value) {
        JsonNode n = Json.tree(value);
        return n.isTextual() ? n.asText() : "";
    }
}
