package dev.codexbridge.transcript;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** "1 add, 1 update: a.py, b.py" for the {@code changes} of a fileChange item. No contents. */
public final class FileChangeSummary {
    private static final int MAX_NAMES = 10;

    private FileChangeSummary() {
    }

    public static String of(JsonNode changes) {
        if (changes == null || !changes.isArray() || changes.isEmpty()) {
            return "no changes";
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String kind : List.of("add", "delete", "update")) {
            counts.put(kind, 0);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode c : changes) {
            counts.merge(kindOf(c), 1, Integer::sum);
            names.add(fileName(c.path("path").asText("?")));
        }
        StringBuilder sb = new StringBuilder();
        counts.forEach((kind, n) -> {
            if (n > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(n).append(' ').append(kind);
            }
        });
        sb.append(": ").append(String.join(", ", names.subList(0, Math.min(MAX_NAMES, names.size()))));
        if (names.size() > MAX_NAMES) {
            sb.append(", … (").append(names.size() - MAX_NAMES).append(" more)");
        }
        return sb.toString();
    }

    static String kindOf(JsonNode change) {
        JsonNode kind = change.path("kind");
        String k = kind.isTextual() ? kind.asText() : kind.path("type").asText("update");
        return k.isEmpty() ? "update" : k;
    }

    private static String fileName(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return slash >= 0 && slash < path.length() - 1 ? path.substring(slash + 1) : path;
    }
}
