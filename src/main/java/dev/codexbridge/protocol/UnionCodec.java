package dev.codexbridge.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TreeTraversingParser;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * Decodes a protocol union (a generated sealed interface): the first rule that recognises the JSON
 * value decodes it as that variant; a value no rule recognises, or that does not fit the variant it
 * names, becomes the union's {@code Unknown} with the JSON kept as sent. Never throws for an
 * unexpected tag or shape, since codex adds variants between releases.
 *
 * <p>Variants serialize themselves (tag accessor, {@code @JsonValue}), so only decoding lives here.
 */
public class UnionCodec<T> extends StdDeserializer<T> {
    /** Recognises one variant: its decoded value, or null when the JSON is not this variant. */
    @FunctionalInterface
    public interface Rule<T> {
        T decode(JsonNode node, DeserializationContext ctxt) throws IOException;
    }

    private final transient Function<JsonNode, ? extends T> unknown;
    private final transient List<Rule<T>> rules;

    protected UnionCodec(Class<T> type, Function<JsonNode, ? extends T> unknown, List<Rule<T>> rules) {
        super(type);
        this.unknown = unknown;
        this.rules = rules;
    }

    /** Stateless but for the rules' cached deserializers: one instance per mapper is enough. */
    @Override
    public boolean isCachable() {
        return true;
    }

    @Override
    public T deserialize(JsonParser parser, DeserializationContext ctxt) throws IOException {
        JsonNode node = ctxt.readTree(parser);
        for (Rule<T> rule : rules) {
            T value;
            try {
                value = rule.decode(node, ctxt);
            } catch (IOException | RuntimeException e) {
                // the tag said "this variant" but the rest did not fit: keep it rather than fail the message
                return unknown.apply(node);
            }
            if (value != null) {
                return value;
            }
        }
        return unknown.apply(node);
    }

    /** An object whose {@code property} is the string {@code value} (internally tagged). */
    public static <T> Rule<T> tag(String property, String value, Class<? extends T> type) {
        Variant<T> variant = new Variant<>(type);
        return (node, ctxt) -> node.isObject() && node.path(property).isTextual()
                && value.equals(node.get(property).asText()) ? variant.read(node, ctxt) : null;
    }

    /** The bare string {@code value}. */
    public static <T> Rule<T> text(String value, T constant) {
        return (node, ctxt) -> node.isTextual() && value.equals(node.asText()) ? constant : null;
    }

    /** An object with the single key {@code key} (externally tagged). */
    public static <T> Rule<T> soleKey(String key, Class<? extends T> type) {
        Variant<T> variant = new Variant<>(type);
        return (node, ctxt) -> node.isObject() && node.size() == 1 && node.has(key)
                ? variant.read(node, ctxt) : null;
    }

    /** An object that has {@code key}, which no other variant has. */
    public static <T> Rule<T> hasKey(String key, Class<? extends T> type) {
        Variant<T> variant = new Variant<>(type);
        return (node, ctxt) -> node.isObject() && node.has(key) ? variant.read(node, ctxt) : null;
    }

    /** A value of one JSON kind: string, integer, number, boolean, array or object. */
    public static <T> Rule<T> kind(String kind, Class<? extends T> type) {
        Variant<T> variant = new Variant<>(type);
        return (node, ctxt) -> isKind(node, kind) ? variant.read(node, ctxt) : null;
    }

    /**
     * Reads a tree as one variant, as {@code ctxt.readTreeAsValue} does, but with the deserializer
     * found once: {@code readTreeAsValue} looks it up again for every value, annotations included,
     * which cost more than decoding the item itself. A rule belongs to one codec instance, and
     * Jackson makes one per mapper, so the cached deserializer is always this mapper's.
     */
    private static final class Variant<T> {
        private final Class<? extends T> type;
        private volatile JsonDeserializer<Object> deserializer;

        Variant(Class<? extends T> type) {
            this.type = type;
        }

        T read(JsonNode node, DeserializationContext ctxt) throws IOException {
            JsonDeserializer<Object> d = deserializer;
            if (d == null) {
                d = ctxt.findRootValueDeserializer(ctxt.constructType(type));
                deserializer = d;
            }
            JsonParser source = ctxt.getParser();
            try (TreeTraversingParser p = new TreeTraversingParser(node, source == null ? null : source.getCodec())) {
                p.nextToken();
                return type.cast(d.deserialize(p, ctxt));
            }
        }
    }

    private static boolean isKind(JsonNode node, String kind) {
        return switch (kind) {
            case "string" -> node.isTextual();
            case "integer" -> node.isIntegralNumber();
            case "number" -> node.isNumber();
            case "boolean" -> node.isBoolean();
            case "array" -> node.isArray();
            case "object" -> node.isObject();
            default -> false;
        };
    }
}
