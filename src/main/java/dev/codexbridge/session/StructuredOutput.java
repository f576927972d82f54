package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks a turn's final answer against the output schema it was asked to follow. Codex passes the
 * schema to the model but does not check the answer; a host that asked for structured output
 * should get a classified failure, not JSON it then has to distrust.
 */
final class StructuredOutput {
    private static final int MAX_ERRORS_SHOWN = 5;

    private StructuredOutput() {
    }

    /** Null when {@code finalText} is JSON that follows {@code schema}; else why not. */
    static TurnFailure check(String finalText, JsonNode schema) {
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
        Set<ValidationMessage> errors;
        try {
            JsonSchema compiled = JsonSchemaFactory.getInstance(versionOf(schema)).getSchema(schema);
            errors = compiled.validate(answer);
        } catch (RuntimeException unusableSchema) {
            return TurnFailure.of("structured output could not be checked: the output schema is not usable ("
                    + unusableSchema.getMessage() + ")", ErrorCategory.STRUCTURED_OUTPUT, null);
        }
        if (errors.isEmpty()) {
            return null;
        }
        String shown = errors.stream().limit(MAX_ERRORS_SHOWN).map(ValidationMessage::getMessage).collect(Collectors.joining("; "));
        return TurnFailure.of("structured output failed validation: " + shown
                + (errors.size() > MAX_ERRORS_SHOWN ? "; … (" + errors.size() + " errors)" : ""),
                ErrorCategory.STRUCTURED_OUTPUT, null);
    }

    /** The draft the schema declares, else 2020-12 (what the Responses API's structured outputs follow). */
    private static SpecVersion.VersionFlag versionOf(JsonNode schema) {
        JsonNode declared = schema.get("$schema");
        String uri = declared != null && declared.isTextual() ? declared.asText() : "";
        if (uri.contains("draft-04")) {
            return SpecVersion.VersionFlag.V4;
        }
        if (uri.contains("draft-06")) {
            return SpecVersion.VersionFlag.V6;
        }
        if (uri.contains("draft-07")) {
            return SpecVersion.VersionFlag.V7;
        }
        if (uri.contains("2019-09")) {
            return SpecVersion.VersionFlag.V201909;
        }
        return SpecVersion.VersionFlag.V202012;
    }
}
