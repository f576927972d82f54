package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A2A 1.0's JSON shapes (ProtoJSON of a2a.proto), written from and read into the server's one
 * internal model, which is A2A 0.3's JSON: states as {@code TASK_STATE_*}, roles as
 * {@code ROLE_*}, parts told apart by their field ({@code text}, {@code data}, {@code url},
 * {@code raw}) rather than {@code kind}, stream events wrapped by case ({@code statusUpdate},
 * {@code artifactUpdate}, {@code task}, {@code message}). Any part or artifact the model holds is
 * mapped field by field, so new artifact kinds reach 1.0 callers without a change here.
 */
final class ProtoJson {
    private ProtoJson() {
    }

    static String state(String state) {
        // 1.0 has no "unknown": its unspecified state is the indeterminate one
        return state.equals(A2aTask.UNKNOWN) ? "TASK_STATE_UNSPECIFIED"
                : "TASK_STATE_" + state.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** A 1.0 state name (or a 0.3 one) as the internal state; null when it is neither. */
    static String stateIn(String state) {
        if (state.equals("TASK_STATE_UNSPECIFIED")) {
            return A2aTask.UNKNOWN;
        }
        String s = state.startsWith("TASK_STATE_") ? state.substring(11).toLowerCase(Locale.ROOT).replace('_', '-') : state;
        return switch (s) {
            case A2aTask.SUBMITTED, A2aTask.WORKING, A2aTask.INPUT_REQUIRED, A2aTask.COMPLETED, A2aTask.CANCELED,
                    A2aTask.FAILED, "rejected", "auth-required" -> s;
            default -> throw A2aError.invalidParams("unknown task state '" + state + "'");
        };
    }

    static ObjectNode task(JsonNode t) {
        ObjectNode out = A2aWire.object().put("id", t.path("id").asText()).put("contextId", t.path("contextId").asText());
        out.set("status", status(t.path("status")));
        if (t.has("artifacts")) {
            ArrayNode a = out.putArray("artifacts");
            t.path("artifacts").forEach(x -> a.add(artifact(x)));
        }
        if (t.has("history")) {
            ArrayNode h = out.putArray("history");
            t.path("history").forEach(x -> h.add(message(x)));
        }
        copy(t, out, "metadata");
        return out;
    }

    static ObjectNode status(JsonNode s) {
        ObjectNode out = A2aWire.object().put("state", state(s.path("state").asText()));
        if (s.hasNonNull("message")) {
            out.set("message", message(s.path("message")));
        }
        copy(s, out, "timestamp");
        return out;
    }

    static ObjectNode message(JsonNode m) {
        ObjectNode out = A2aWire.object();
        copy(m, out, "messageId", "contextId", "taskId");
        out.put("role", "agent".equals(m.path("role").asText()) ? "ROLE_AGENT" : "ROLE_USER");
        ArrayNode parts = out.putArray("parts");
        m.path("parts").forEach(p -> parts.add(part(p)));
        copy(m, out, "metadata", "extensions", "referenceTaskIds");
        return out;
    }

    static ObjectNode artifact(JsonNode a) {
        ObjectNode out = A2aWire.object();
        copy(a, out, "artifactId", "name", "description");
        ArrayNode parts = out.putArray("parts");
        a.path("parts").forEach(p -> parts.add(part(p)));
        copy(a, out, "metadata", "extensions");
        return out;
    }

    /** A 0.3 part (text, data, file) as 1.0's: the content's field names the case. */
    static ObjectNode part(JsonNode p) {
        ObjectNode out = A2aWire.object();
        switch (p.path("kind").asText()) {
            case "text" -> out.put("text", p.path("text").asText());
            case "data" -> out.set("data", p.path("data"));
            case "file" -> {
                JsonNode f = p.path("file");
                if (f.has("uri")) {
                    out.put("url", f.path("uri").asText());
                } else {
                    out.put("raw", f.path("bytes").asText());
                }
                if (f.has("name")) {
                    out.put("filename", f.path("name").asText());
                }
                if (f.has("mimeType")) {
                    out.put("mediaType", f.path("mimeType").asText());
                }
            }
            default -> out.setAll((ObjectNode) p.deepCopy());
        }
        copy(p, out, "metadata");
        return out;
    }

    /** A stream event of the internal model as 1.0's {@code StreamResponse}. */
    static ObjectNode event(JsonNode e) {
        ObjectNode out = A2aWire.object();
        switch (e.path("kind").asText()) {
            case "task" -> out.set("task", task(e));
            case "message" -> out.set("message", message(e));
            case "status-update" -> {
                ObjectNode u = out.putObject("statusUpdate").put("taskId", e.path("taskId").asText())
                        .put("contextId", e.path("contextId").asText());
                u.set("status", status(e.path("status")));
                copy(e, u, "metadata");
            }
            case "artifact-update" -> {
                ObjectNode u = out.putObject("artifactUpdate").put("taskId", e.path("taskId").asText())
                        .put("contextId", e.path("contextId").asText());
                u.set("artifact", artifact(e.path("artifact")));
                copy(e, u, "append", "lastChunk", "metadata");
            }
            default -> throw new IllegalArgumentException("not a stream event: " + e.path("kind").asText());
        }
        return out;
    }

    /** A caller's 1.0 message as the internal model's: role and parts translated, the rest kept. */
    static ObjectNode messageIn(JsonNode m) {
        if (!m.isObject()) {
            throw A2aError.invalidParams("message is required");
        }
        ObjectNode out = A2aWire.object().put("kind", "message");
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getKey().equals("role") && !f.getKey().equals("parts")) {
                out.set(f.getKey(), f.getValue());
            }
        }
        // required in 1.0's Message: a message without one is refused, not taken as the user's
        String role = m.path("role").asText("");
        out.put("role", switch (role) {
            case "ROLE_USER" -> "user";
            case "", "ROLE_UNSPECIFIED" -> throw A2aError.invalidParams("message.role is required: ROLE_USER");
            case "ROLE_AGENT" -> "agent";
            default -> throw A2aError.invalidParams("message.role must be ROLE_USER, not '" + role + "'");
        });
        ArrayNode parts = out.putArray("parts");
        for (JsonNode p : m.path("parts")) {
            parts.add(partIn(p));
        }
        return out;
    }

    private static ObjectNode partIn(JsonNode p) {
        ObjectNode out;
        if (p.has("text")) {
            out = A2aWire.textPart(p.path("text").asText());
        } else if (p.has("data")) {
            out = A2aWire.dataPart(p.path("data"));
        } else if (p.has("url") || p.has("raw")) {
            out = A2aWire.object().put("kind", "file");
            ObjectNode f = out.putObject("file");
            if (p.has("url")) {
                f.put("uri", p.path("url").asText());
            } else {
                f.put("bytes", p.path("raw").asText());
            }
            if (!p.path("filename").asText().isEmpty()) {
                f.put("name", p.path("filename").asText());
            }
            if (!p.path("mediaType").asText().isEmpty()) {
                f.put("mimeType", p.path("mediaType").asText());
            }
        } else {
            throw A2aError.invalidParams("a part needs text, data, url or raw");
        }
        copy(p, out, "metadata");
        return out;
    }

    /** a2a.proto's Struct and Value fields: what they hold is the caller's own, its names kept as sent. */
    private static final Set<String> FREE_FORM = Set.of("metadata", "data", "params", "header");

    /**
     * A 1.0 request as ProtoJSON reads it: a parser accepts a field by its proto name as well as by
     * its JSON name ({@code task_id} as {@code taskId}, {@code history_length} as
     * {@code historyLength}), so proto names are rewritten to the JSON names the server reads. What
     * a Struct or Value field holds ({@code metadata}, a data part's {@code data}) is kept as sent.
     * A field given under both names is refused, as ProtoJSON refuses a field given twice. The node
     * itself is returned when no name needs rewriting.
     */
    static JsonNode jsonNames(JsonNode n) {
        if (!hasProtoNames(n)) {
            return n;
        }
        if (n.isArray()) {
            ArrayNode out = A2aWire.JSON.createArrayNode();
            n.forEach(x -> out.add(jsonNames(x)));
            return out;
        }
        ObjectNode out = A2aWire.object();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = jsonName(e.getKey());
            if (!name.equals(e.getKey()) && n.has(name)) {
                throw A2aError.invalidParams("the field " + name + " is given twice: as " + name + " and as " + e.getKey());
            }
            out.set(name, FREE_FORM.contains(name) ? e.getValue() : jsonNames(e.getValue()));
        }
        return out;
    }

    private static boolean hasProtoNames(JsonNode n) {
        if (n.isArray()) {
            for (JsonNode x : n) {
                if (hasProtoNames(x)) {
                    return true;
                }
            }
        } else if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = jsonName(e.getKey());
                if (!name.equals(e.getKey()) || !FREE_FORM.contains(name) && hasProtoNames(e.getValue())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A proto field name's JSON name, as protoc makes it (each letter after an underscore upper-cased); any other name as it is. */
    static String jsonName(String name) {
        if (name.indexOf('_') < 0 || !name.matches("[a-z][a-z0-9_]*")) {
            return name;
        }
        StringBuilder b = new StringBuilder(name.length());
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }

    private static void copy(JsonNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            JsonNode v = from.get(f);
            if (v != null && !v.isNull()) {
                to.set(f, v.deepCopy());
            }
        }
    }
}
