package dev.codexbridge.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codexbridge.json.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Replaces the values that differ between two recordings of the same scenario, so re-recording
 * gives a stable diff: uuids are numbered in order of appearance ({@code <uuid-1>}, …),
 * timestamps and durations become 0, process ids {@code <pid>}, the machine's temp paths
 * {@code /work} and {@code /codex-home}, and the user agent and host name placeholders.
 * One normalizer per fixture, so the same uuid always gets the same number.
 */
public final class FixtureNormalizer {
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern DATE_PATH = Pattern.compile("/sessions/\\d{4}/\\d{2}/\\d{2}/rollout-[0-9T:-]+-");
    private static final Set<String> ZEROED = Set.of("startedAtMs", "completedAtMs", "durationMs", "emittedAtMs", "createdAt",
            "updatedAt", "recencyAt", "startedAt", "completedAt", "installedAt", "resetsAt", "sectionEnteredAt");
    private static final Set<String> PLACEHOLDERS = Set.of("userAgent", "installationId");

    private final Map<String, String> paths = new LinkedHashMap<>();
    private final Map<String, String> uuids = new LinkedHashMap<>();
    private final List<Map.Entry<Pattern, String>> replacements = new ArrayList<>();
    private boolean objectKeys;
    private boolean sortKeys;

    /** Replaces {@code path} (and anything below it) by {@code placeholder}; longer paths win. */
    public FixtureNormalizer path(@Nullable String path, String placeholder) {
        if (path != null && !path.isEmpty()) {
            paths.put(path, placeholder);
        }
        return this;
    }

    /**
     * Also replaces every match of {@code regex} in strings by {@code replacement} (after paths and
     * dated rollout names, before uuids): for values codex derives from volatile inputs, such as
     * content hashes or timestamps in cursors.
     */
    public FixtureNormalizer replace(String regex, String replacement) {
        replacements.add(Map.entry(Pattern.compile(regex), replacement));
        return this;
    }

    /** Normalizes object keys like string values (codex keys some maps by thread id). */
    public FixtureNormalizer objectKeys() {
        this.objectKeys = true;
        return this;
    }

    /** Sorts object keys, for answers codex serializes from unordered maps. */
    public FixtureNormalizer sortKeys() {
        this.sortKeys = true;
        return this;
    }

    /** A normalized deep copy of {@code message}. */
    public JsonNode normalize(JsonNode message) {
        JsonNode copy = message.deepCopy();
        if ("remoteControl/status/changed".equals(copy.path("method").asText()) && copy.path("params").has("serverName")) {
            ((ObjectNode) copy.get("params")).put("serverName", "<host>");
        }
        return walk(copy, null);
    }

    private JsonNode walk(JsonNode node, String key) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                JsonNode v = e.getValue();
                if (ZEROED.contains(k) && v.isNumber()) {
                    e.setValue(Json.nodes().numberNode(0));
                } else if (k.equals("processId") && !v.isNull()) {
                    e.setValue(TextNode.valueOf("<pid>"));
                } else if (PLACEHOLDERS.contains(k) && v.isTextual()) {
                    e.setValue(TextNode.valueOf("<" + k + ">"));
                } else {
                    e.setValue(walk(v, k));
                }
            }
            if (!objectKeys && !sortKeys) {
                return o;
            }
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
            o.fields().forEachRemaining(e -> entries.add(Map.entry(objectKeys ? text(e.getKey()) : e.getKey(), e.getValue())));
            if (sortKeys) {
                entries.sort(Map.Entry.comparingByKey());
            }
            ObjectNode out = Json.object();
            entries.forEach(e -> out.set(e.getKey(), e.getValue()));
            return out;
        }
        if (node.isArray()) {
            ArrayNode a = (ArrayNode) node;
            for (int i = 0; i < a.size(); i++) {
                a.set(i, walk(a.get(i), key));
            }
            return a;
        }
        if (node.isTextual()) {
            return TextNode.valueOf(text(node.textValue()));
        }
        return node;
    }

    /** Normalizes one string: paths, dated rollout file names, uuids. */
    public String text(String s) {
        String out = s;
        for (Map.Entry<String, String> p : paths.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed()).toList()) {
            out = out.replace(p.getKey(), p.getValue());
        }
        out = DATE_PATH.matcher(out).replaceAll("/sessions/<date>/rollout-<time>-");
        for (Map.Entry<Pattern, String> r : replacements) {
            out = r.getKey().matcher(out).replaceAll(r.getValue());
        }
        Matcher m = UUID.matcher(out);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, uuids.computeIfAbsent(m.group(), k -> "<uuid-" + (uuids.size() + 1) + ">"));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
