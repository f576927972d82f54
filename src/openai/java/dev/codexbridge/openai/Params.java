package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Reading a request body's parameters, each refusal naming the parameter (OpenAI's {@code param}). */
final class Params {
    /** Reasoning efforts codex takes, by the API's names. */
    static final Set<String> EFFORTS = Set.of("none", "minimal", "low", "medium", "high", "xhigh");
    /** At most this many metadata keys, as the API allows. */
    static final int METADATA_KEYS = 16;

    private Params() {
    }

    static ObjectNode body(@Nullable JsonNode body) {
        if (body == null || !body.isObject()) {
            throw OpenAiError.invalid(null, "the request body must be a JSON object");
        }
        return (ObjectNode) body;
    }

    static @Nullable String text(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw OpenAiError.invalid(name, name + " must be a string");
        }
        return v.asText();
    }

    static boolean bool(JsonNode body, String name, boolean absent) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isBoolean()) {
            throw OpenAiError.invalid(name, name + " must be a boolean");
        }
        return v.asBoolean();
    }

    /** Whether {@code name} is given with a value other than null. */
    static boolean given(JsonNode body, String name) {
        JsonNode v = body.get(name);
        return v != null && !v.isNull();
    }

    /** Refuses {@code name} when given: the door does not serve it (yet), said with {@code why}. */
    static void refuse(JsonNode body, String name, String why) {
        if (given(body, name)) {
            throw OpenAiError.unsupported(name, name + " is not supported by this server: " + why);
        }
    }

    /** Refuses a non-empty {@code tools} list: function tools are not served yet. */
    static void noTools(JsonNode body) {
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty())) {
            throw OpenAiError.unsupported("tools", "tools are not supported by this server yet: codex runs its own tools (commands, "
                    + "file changes, MCP) inside the turn and reports them as output items; send no tools");
        }
        JsonNode choice = body.get("tool_choice");
        if (choice != null && !choice.isNull() && !(choice.isTextual() && Set.of("auto", "none").contains(choice.asText()))) {
            throw OpenAiError.unsupported("tool_choice", "tool_choice can only be auto or none: no tools are served");
        }
    }

    /** {@code metadata}: at most 16 string values, echoed in the answer. */
    static ObjectNode metadata(JsonNode body) {
        JsonNode m = body.get("metadata");
        if (m == null || m.isNull()) {
            return Json.object();
        }
        if (!m.isObject() || m.size() > METADATA_KEYS) {
            throw OpenAiError.invalid("metadata", "metadata must be an object of at most " + METADATA_KEYS + " string values");
        }
        for (java.util.Map.Entry<String, JsonNode> e : m.properties()) {
            if (!e.getValue().isTextual() || e.getKey().length() > 64 || e.getValue().asText().length() > 512) {
                throw OpenAiError.invalid("metadata", "metadata values are strings of at most 512 characters, keys of at most 64");
            }
        }
        return (ObjectNode) m;
    }

    /** A reasoning effort by the API's name, or null; refused when codex takes no such effort. */
    static @Nullable String effort(@Nullable String effort, String param) {
        if (effort != null && !EFFORTS.contains(effort)) {
            throw OpenAiError.invalid(param, param + " must be one of " + new java.util.TreeSet<>(EFFORTS));
        }
        return effort;
    }

    /**
     * The JSON Schema of a {@code json_schema} format ({@code text.format} or {@code response_format.json_schema}),
     * which becomes codex's output schema; {@code json_object} is refused (codex has no JSON mode without a schema).
     */
    static @Nullable JsonNode outputSchema(@Nullable JsonNode format, String param) {
        if (format == null || format.isNull()) {
            return null;
        }
        String type = format.path("type").asText("");
        switch (type) {
            case "text":
                return null;
            case "json_schema":
                JsonNode holder = format.has("json_schema") ? format.get("json_schema") : format;
                JsonNode schema = holder.get("schema");
                if (schema == null || !schema.isObject()) {
                    throw OpenAiError.invalid(param, param + " of type json_schema needs a schema object");
                }
                return schema;
            case "json_object":
                throw OpenAiError.unsupported(param, "json_object is not supported by this server: codex answers in JSON only to a "
                        + "schema; give a json_schema format");
            default:
                throw OpenAiError.invalid(param, param + " must be of type text or json_schema");
        }
    }
}
