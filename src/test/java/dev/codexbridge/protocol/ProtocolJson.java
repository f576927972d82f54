package dev.codexbridge.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Test helpers: what a decoded protocol value should re-encode to, and where it holds an unknown. */
final class ProtocolJson {
    /** Numbers compare by value: the schema's {@code Double} writes {@code 1.0} for codex's {@code 1}. */
    static final Comparator<JsonNode> NUMERIC = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private ProtocolJson() {
    }

    static boolean sameJson(JsonNode a, JsonNode b) {
        return a.equals(NUMERIC, b);
    }

    /**
     * {@code original} without what the decoded type does not define: properties the schema does
     * not name (codex adds some, e.g. {@code emittedAtMs}) and explicit nulls (written as absent).
     */
    static JsonNode expected(Object decoded, JsonNode original) {
        if (decoded == null || original == null || original.isNull()) {
            return null;
        }
        if (decoded instanceof List<?> list && original.isArray()) {
            ArrayNode out = Json.nodes().arrayNode();
            for (int i = 0; i < list.size(); i++) {
                JsonNode e = expected(list.get(i), original.get(i));
                out.add(e == null ? Json.nodes().nullNode() : e);
            }
            return out;
        }
        if (decoded instanceof Map<?, ?> map && original.isObject()) {
            ObjectNode out = Json.object();
            original.properties().forEach(e -> {
                JsonNode v = expected(map.get(e.getKey()), e.getValue());
                out.set(e.getKey(), v == null ? e.getValue() : v);
            });
            return out;
        }
        Class<?> type = decoded.getClass();
        if (!type.isRecord() || hasJsonValue(type)) {
            return original;
        }
        ObjectNode out = Json.object();
        for (RecordComponent c : type.getRecordComponents()) {
            String wire = c.getAccessor().getAnnotation(JsonProperty.class).value();
            JsonNode v = expected(invoke(c.getAccessor(), decoded), original.get(wire));
            if (v != null) {
                out.set(wire, v);
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            JsonProperty p = m.getAnnotation(JsonProperty.class);
            if (p != null && m.getParameterCount() == 0 && original.hasNonNull(p.value()) && !out.has(p.value())) {
                out.set(p.value(), original.get(p.value()));
            }
        }
        return out;
    }

    /** Paths inside {@code value} holding an {@code Unknown} union variant or an {@code UNKNOWN} enum constant. */
    static List<String> unknowns(Object value) {
        List<String> out = new ArrayList<>();
        collect(value, "$", out);
        return out;
    }

    private static void collect(Object value, String path, List<String> out) {
        if (value == null) {
            return;
        }
        if (value instanceof Enum<?> e && e.name().equals("UNKNOWN")) {
            out.add(path + " = " + e.getDeclaringClass().getSimpleName() + ".UNKNOWN");
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                collect(list.get(i), path + "[" + i + "]", out);
            }
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> collect(v, path + "." + k, out));
        } else if (value.getClass().isRecord()
                && value.getClass().getPackageName().equals(ProtocolJson.class.getPackageName())) {
            if (value.getClass().getSimpleName().equals("Unknown")) {
                out.add(path + " = " + value);
                return;
            }
            for (RecordComponent c : value.getClass().getRecordComponents()) {
                collect(invoke(c.getAccessor(), value), path + "." + c.getName(), out);
            }
        }
    }

    private static boolean hasJsonValue(Class<?> type) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.isAnnotationPresent(JsonValue.class)) {
                return true;
            }
        }
        return false;
    }

    private static Object invoke(Method accessor, Object target) {
        try {
            accessor.setAccessible(true);
            return accessor.invoke(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
