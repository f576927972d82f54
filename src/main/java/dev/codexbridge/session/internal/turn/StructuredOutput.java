package dev.codexbridge.session.internal.turn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import dev.harrel.jsonschema.Error;
import dev.harrel.jsonschema.MessageProvider;
import dev.harrel.jsonschema.Validator;
import dev.harrel.jsonschema.ValidatorFactory;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Checks a turn's final answer against the output schema it was asked to follow. Codex passes the
 * schema to the model but does not check the answer; a host that asked for structured output
 * should get a classified failure, not JSON it then has to distrust.
 *
 * <p>On dev.harrel's json-schema, which no framework a host uses brings in another version
 * (decision 0066): the draft is the one the schema's {@code $schema} names (draft-04 to 2020-12),
 * else 2020-12, what the Responses API's structured outputs follow. A {@code $ref} resolves only
 * inside the schema, never over the network; {@code format} is an annotation, as 2020-12 has it.
 */
public final class StructuredOutput {
    private static final int MAX_ERRORS_SHOWN = 5;
    // English messages and number formats whatever the JVM's locale
    private static final ValidatorFactory FACTORY = new ValidatorFactory().withMessageProvider(MessageProvider.fromLocale(Locale.ROOT));

    private StructuredOutput() {
    }

    /** Null when {@code finalText} is JSON that follows {@code schema}; else why not. */
    public static TurnFailure check(String finalText, JsonNode schema) {
        if (finalText == null || finalText.isBlank()) {
            return TurnFailure.of("structured output failed validation: the turn completed without an agent message",
                    ErrorCategory.STRUCTURED_OUTPUT, null);
        }
        JsonNode answer;
        try {
            answer = Json.parse(finalText.strip());
        } catch (JsonFormatException e) {
            return TurnFailure.of("structured output failed validation: the final answer is not JSON (" + e.getMessage() + ")",
                    ErrorCategory.STRUCTURED_OUTPUT, null);
        }
        Validator.Result result;
        try {
            result = FACTORY.validate(schema, answer);
        } catch (RuntimeException unusableSchema) {
            return TurnFailure.of("structured output could not be checked: the output schema is not usable ("
                    + unusableSchema.getMessage() + ")", ErrorCategory.STRUCTURED_OUTPUT, null);
        }
        if (result.isValid()) {
            return null;
        }
        List<String> errors = result.getErrors().stream().map(StructuredOutput::describe).distinct().toList();
        String shown = errors.stream().limit(MAX_ERRORS_SHOWN).collect(Collectors.joining("; "));
        return TurnFailure.of("structured output failed validation: " + shown
                + (errors.size() > MAX_ERRORS_SHOWN ? "; … (" + errors.size() + " errors)" : ""),
                ErrorCategory.STRUCTURED_OUTPUT, null);
    }

    /** Where in the answer, then what: {@code /n: Value is [string] but should be [integer]}. */
    private static String describe(Error error) {
        String at = error.getInstanceLocation();
        return (at.isEmpty() ? "/" : at) + ": " + error.getError();
    }
}
