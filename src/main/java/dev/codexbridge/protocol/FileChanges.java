package dev.codexbridge.protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "1 add, 1 update: a.py, b.py" for the changes of a file change: what a transcript line and an
 * approval prompt show, without file contents. Hand-written; shared by the projector and the
 * approval bridge, which never depend on each other.
 */
public final class FileChanges {
    private static final int MAX_NAMES = 10;

    private FileChanges() {
    }

    public static String summary(List<FileUpdateChange> changes) {
        if (changes == null || changes.isEmpty()) {
            return "no changes";
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String kind : List.of("add", "delete", "update")) {
            counts.put(kind, 0);
        }
        List<String> names = new ArrayList<>();
        for (FileUpdateChange c : changes) {
            counts.merge(kind(c.kind()), 1, Integer::sum);
            names.add(fileName(c.path() == null ? "?" : c.path()));
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

    /** {@code add}, {@code delete} or {@code update} (an unknown or missing kind counts as an update). */
    public static String kind(PatchChangeKind kind) {
        if (kind instanceof PatchChangeKind.Add) {
            return "add";
        }
        if (kind instanceof PatchChangeKind.Delete) {
            return "delete";
        }
        if (kind instanceof PatchChangeKind.Unknown u) {
            String k = u.raw().isTextual() ? u.raw().asText() : u.raw().path("type").asText("update");
            return k.isEmpty() ? "update" : k;
        }
        return "update";
    }

    private static String fileName(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return slash >= 0 && slash < path.length() - 1 ? path.substring(slash + 1) : path;
    }
}
