package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.session.InvalidInputException;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import org.jspecify.annotations.Nullable;

/**
 * What a caller's new message asks of codex: its text as the turn's input and, from
 * {@code message.metadata.outputSchema}, the JSON Schema its answer follows. Read, and refused when
 * wrong, before a task exists, as the library would refuse it before sending.
 */
record TurnAsked(TurnInput input, @Nullable JsonNode schema) {

    static TurnAsked of(JsonNode message) {
        String text = A2aWire.text(message);
        if (text.isBlank()) {
            throw A2aError.invalidParams("the message has no text");
        }
        TurnInput input;
        try {
            input = TurnInput.text(text);
        } catch (InvalidInputException e) {
            throw A2aError.invalidParams(e.getMessage());
        }
        JsonNode schema = message.path("metadata").get("outputSchema");
        if (schema != null && !schema.isNull() && !schema.isObject()) {
            throw A2aError.invalidParams("message.metadata.outputSchema must be a JSON Schema object");
        }
        return new TurnAsked(input, schema == null || schema.isNull() ? null : schema);
    }

    /** The turn's options: its output schema, if any; the caller adds the turn's key. */
    TurnOptions.Builder options() {
        return TurnOptions.builder().outputSchema(schema);
    }
}
