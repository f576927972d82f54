package dev.codexbridge.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.TreeTraversingParser;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.util.HashMap;
import java.util.Map;
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
public abstract class UnionCodec<T> extends StdDeserializer<T> {
    /**
     * A deserialization attribute: set (to any value) by a caller that falls back to a slower path
     * of its own when decoding fails. An internally tagged object whose tag comes first is then
     * decoded straight from the parser, with no copy kept, so a variant that does not fit throws
     * instead of becoming {@code Unknown}.
     */
    public static final String FAIL_FAST = "dev.codexbridge.protocol.UnionCodec.failFast";
    /** Recognises one variant: its decoded value, or null when the JSON is not this variant. */
    @FunctionalInterface
    public interface Rule<T> {
        T decode(JsonNode node, DeserializationContext ctxt) throws IOException;
    }

    private final transient Function<JsonNode, ? extends T> unknown;
    private final transient List<Rule<T>> rules;
    /** When every rule is a {@link #tag} rule on one property: that property, else null. */
    private final transient String tagProperty;
    /** With {@link #tagProperty}: the variant of each tag value (the first rule's, as the rule order decides). */
    private final transient Map<String, Variant<T>> byTag;

    protected UnionCodec(Class<T> type, Function<JsonNode, ? extends T> unknown, List<Rule<T>> rules) {
        super(type);
        this.unknown = unknown;
        this.rules = rules;
        String property = null;
        Map<String, Variant<T>> variants = new HashMap<>();
        for (Rule<T> rule : rules) {
            if (!(rule instanceof TagRule<T> tag) || property != null && !property.equals(tag.property)) {
                property = null;
                variants = null;
                break;
            }
            property = tag.property;
            variants.putIfAbsent(tag.value, tag.variant);
        }
        this.tagProperty = property;
        this.byTag = variants;
    }

    /** Stateless but for the rules' cached deserializers: one instance per mapper is enough. */
    @Override
    public boolean isCachable() {
        return true;
    }

    @Override
    public T deserialize(JsonParser parser, DeserializationContext ctxt) throws IOException {
        if (tagProperty != null && parser.currentToken() == JsonToken.START_OBJECT) {
            return deserializeTagged(parser, ctxt);
        }
        return decode(ctxt.readTree(parser), ctxt);
    }

    /**
     * An internally tagged union (most of codex's: items, content parts): the object is copied
     * into a token buffer, its tag read from there, and the variant decoded from the buffer — the
     * same outcome as the rules on a tree, without building the tree, which costs several times
     * the buffer. Only an object no tag matches, or that does not fit its variant, becomes a tree.
     */
    private T deserializeTagged(JsonParser parser, DeserializationContext ctxt) throws IOException {
        TokenBuffer buffer;
        if (ctxt.getAttribute(FAIL_FAST) != null) {
            // codex writes the tag first ({"type":"agentMessage",...}): then the variant's own
            // deserializer reads the rest of the object where the parser stands (a variant gets
            // its tag from an accessor, not from the JSON), and nothing is copied
            boolean tagFirst = parser.nextToken() == JsonToken.FIELD_NAME && tagProperty.equals(parser.currentName());
            if (tagFirst) {
                JsonToken value = parser.nextToken();
                Variant<T> variant = value == JsonToken.VALUE_STRING ? byTag.get(parser.getText()) : null;
                if (variant != null) {
                    parser.nextToken();
                    return variant.read(new SingleTag(parser, tagProperty), ctxt);
                }
            }
            buffer = ctxt.bufferForInputBuffering(parser);
            buffer.writeStartObject();
            if (tagFirst) {
                buffer.writeFieldName(tagProperty);
                buffer.copyCurrentStructure(parser);
                parser.nextToken();
            }
            // no known tag first: the rest of the object into the copy, and on as below
            while (parser.currentToken() == JsonToken.FIELD_NAME) {
                buffer.copyCurrentStructure(parser);
                parser.nextToken();
            }
            buffer.writeEndObject();
        } else {
            buffer = ctxt.bufferAsCopyOfValue(parser);
        }
        String tag = tagOf(buffer, parser.getCodec());
        Variant<T> variant = tag == null ? null : byTag.get(tag);
        if (variant == null) {
            return decode(tree(buffer, parser, ctxt), ctxt);
        }
        try (JsonParser p = buffer.asParser(parser.getCodec())) {
            p.nextToken();
            return variant.read(p, ctxt);
        } catch (IOException | RuntimeException e) {
            return unknown.apply(tree(buffer, parser, ctxt)); // as decode() does for a variant that does not fit
        }
    }

    /**
     * The parser a tag-first variant is read from: a second tag in the same object fails the
     * decoding (and the caller takes its slower path), since a tree would keep the last tag and
     * might name another variant.
     */
    private static final class SingleTag extends JsonParserDelegate {
        private final String tag;
        private final JsonStreamContext object;

        SingleTag(JsonParser parser, String tag) {
            super(parser);
            this.tag = tag;
            this.object = parser.getParsingContext();
        }

        @Override
        public JsonToken nextToken() throws IOException {
            return checked(delegate.nextToken());
        }

        @Override
        public String nextFieldName() throws IOException {
            String name = delegate.nextFieldName();
            checked(delegate.currentToken());
            return name;
        }

        @Override
        public boolean nextFieldName(com.fasterxml.jackson.core.SerializableString expected) throws IOException {
            boolean matched = delegate.nextFieldName(expected);
            checked(delegate.currentToken());
            return matched;
        }

        private JsonToken checked(JsonToken token) throws IOException {
            if (token == JsonToken.FIELD_NAME && delegate.getParsingContext() == object && tag.equals(delegate.currentName())) {
                throw new com.fasterxml.jackson.core.JsonParseException(delegate, "the union's tag \"" + tag + "\" appears twice");
            }
            return token;
        }
    }

    /** The last top-level {@link #tagProperty} string, as a tree would keep it, or null. */
    private String tagOf(TokenBuffer buffer, com.fasterxml.jackson.core.ObjectCodec codec) throws IOException {
        String tag = null;
        try (JsonParser p = buffer.asParser(codec)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean isTag = tagProperty.equals(p.currentName());
                JsonToken value = p.nextToken();
                if (isTag) {
                    tag = value == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
        }
        return tag;
    }

    private static JsonNode tree(TokenBuffer buffer, JsonParser source, DeserializationContext ctxt) throws IOException {
        try (JsonParser p = buffer.asParser(source.getCodec())) {
            p.nextToken();
            return ctxt.readTree(p);
        }
    }

    private T decode(JsonNode node, DeserializationContext ctxt) {
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
        return new TagRule<>(property, value, new Variant<>(type));
    }

    private record TagRule<T>(String property, String value, Variant<T> variant) implements Rule<T> {
        @Override
        public T decode(JsonNode node, DeserializationContext ctxt) throws IOException {
            return node.isObject() && node.path(property).isTextual() && value.equals(node.get(property).asText())
                    ? variant.read(node, ctxt) : null;
        }
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
            JsonParser source = ctxt.getParser();
            try (TreeTraversingParser p = new TreeTraversingParser(node, source == null ? null : source.getCodec())) {
                p.nextToken();
                return read(p, ctxt);
            }
        }

        /** From {@code p}, positioned on the value's first token. */
        T read(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonDeserializer<Object> d = deserializer;
            if (d == null) {
                d = ctxt.findRootValueDeserializer(ctxt.constructType(type));
                deserializer = d;
            }
            return type.cast(d.deserialize(p, ctxt));
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
