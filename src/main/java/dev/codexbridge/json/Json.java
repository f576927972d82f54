package dev.codexbridge.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.internal.UntrustedText;
import org.jspecify.annotations.Nullable;

/**
 * The one configured {@link ObjectMapper} of codex-bridge.
 *
 * <p>Tolerant on input (codex adds fields and enum values between releases), compact and
 * deterministic on output. Streams are never closed or flushed by Jackson: callers serialize to
 * bytes and write them themselves, so framing stays in one place. Jackson's complaints quote the
 * input (often codex's): the exceptions show them with secrets masked and control characters
 * escaped, and so does their cause ({@code UntrustedText#shown}).
 */
public final class Json {
    /** Codex's own messages can carry tens of MiB of command output in one string. */
    private static final int MAX_STRING_LENGTH = Integer.MAX_VALUE;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(SerializationFeature.INDENT_OUTPUT)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
            .serializationInclusion(JsonInclude.Include.NON_ABSENT)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(MAX_STRING_LENGTH)
                .build());
    }

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static JsonNodeFactory nodes() {
        return MAPPER.getNodeFactory();
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Parses a JSON text; a malformed one is a {@link JsonFormatException}. */
    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new JsonFormatException("invalid JSON: " + UntrustedText.of(e.getOriginalMessage()), UntrustedText.shown(e));
        }
    }

    /** Compact single-line JSON text of any value. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new JsonFormatException("cannot serialize " + value.getClass().getName() + ": "
                    + UntrustedText.of(e.getOriginalMessage()), UntrustedText.shown(e));
        }
    }

    /** Converts a tree or value into a typed value, e.g. a protocol record. */
    public static <T> T convert(Object value, Class<T> type) {
        try {
            if (value instanceof JsonNode node) {
                // reads the tree directly; convertValue would first copy it into a token buffer
                return MAPPER.treeToValue(node, type);
            }
            return MAPPER.convertValue(value, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw new JsonFormatException("cannot read " + type.getSimpleName() + ": " + UntrustedText.of(e.getMessage()),
                    UntrustedText.shown(e));
        }
    }

    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /**
     * Parses JSON text a host handed in (a schema, extra params, approval content) for the twins
     * that spare a host Jackson 2 types (decision 0031). Null stays null; malformed text and, when
     * {@code object} is set, anything but an object are an {@link IllegalArgumentException} that
     * names {@code what}.
     */
    public static @Nullable JsonNode parseHostJson(@Nullable String text, String what, boolean object) {
        if (text == null) {
            return null;
        }
        JsonNode node;
        try {
            node = parse(text);
        } catch (JsonFormatException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getMessage(), e);
        }
        if (object && !node.isObject()) {
            throw new IllegalArgumentException(what + " must be a JSON object, not " + kind(node));
        }
        return node;
    }

    /** {@link #write} of a tree, null for null: the JSON-text side of those twins. */
    public static @Nullable String textOrNull(@Nullable JsonNode node) {
        return node == null ? null : write(node);
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
