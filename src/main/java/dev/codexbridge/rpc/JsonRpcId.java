package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A JSON-RPC request id as it appeared on the wire: an integer or a string, never mixed up.
 * Server-initiated requests are answered with exactly this id, so {@code 7} and {@code "7"}
 * are different ids.
 */
public final class JsonRpcId {
    private final Long number;
    private final String text;

    private JsonRpcId(Long number, String text) {
        this.number = number;
        this.text = text;
    }

    public static JsonRpcId of(long number) {
        return new JsonRpcId(number, null);
    }

    public static JsonRpcId of(String text) {
        return new JsonRpcId(null, Objects.requireNonNull(text, "text"));
    }

    /**
     * Reads an id node: an integral number that fits a {@code long}, or a string. Anything else
     * (null, fractions, booleans, objects) is no id at all, as codex itself treats it.
     */
    public static @Nullable JsonRpcId fromJson(@Nullable JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            return of(node.textValue());
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return of(node.longValue());
        }
        return null;
    }

    public boolean isNumber() {
        return number != null;
    }

    /** The numeric value; only for {@link #isNumber()} ids. */
    public long number() {
        if (number == null) {
            throw new IllegalStateException("string id " + this + " has no numeric value");
        }
        return number;
    }

    /** The id as a long if it is one, or a string holding a decimal long; otherwise null. */
    Long asLong() {
        if (number != null) {
            return number;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public JsonNode toJson() {
        return number != null
                ? JsonNodeFactory.instance.numberNode(number)
                : JsonNodeFactory.instance.textNode(text);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonRpcId other
                && Objects.equals(number, other.number)
                && Objects.equals(text, other.text);
    }

    @Override
    public int hashCode() {
        return number != null ? Long.hashCode(number) : text.hashCode() * 31 + 1;
    }

    @Override
    public String toString() {
        return number != null ? number.toString() : '"' + text + '"';
    }
}
