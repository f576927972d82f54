package dev.codexbridge.mcp;

import dev.codexbridge.json.Json;
import dev.harrel.jsonschema.Error;
import dev.harrel.jsonschema.MessageProvider;
import dev.harrel.jsonschema.Validator;
import dev.harrel.jsonschema.ValidatorFactory;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The SDK's JSON Schema check (tool inputs, a result's {@code structuredContent} against the
 * tool's output schema) on the validator the library checks structured output with: the SDK's
 * own needs networknt's json-schema-validator 3, which the module leaves out so that it fits a
 * class path with any version of it (decisions 0039, 0066). Draft 2020-12, as MCP says, unless a
 * schema's {@code $schema} names another; the last 64 schemas are kept compiled.
 */
public final class OutputSchemaCheck implements JsonSchemaValidator {
    private static final ValidatorFactory FACTORY = new ValidatorFactory().withMessageProvider(MessageProvider.fromLocale(Locale.ROOT));
    private final Map<String, Compiled> compiled = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Compiled> eldest) {
            return size() > 64;
        }
    };

    /** A validator per schema: its registry holds that schema alone, so an evicted one is gone and two {@code $id}s never meet. */
    private record Compiled(Validator validator, URI uri) {
        Validator.Result validate(Object instance) {
            return validator.validate(uri, instance);
        }
    }

    @Override
    public ValidationResponse validate(Map<String, Object> schema, Object structuredContent) {
        try {
            com.fasterxml.jackson.databind.JsonNode content = Json.tree(structuredContent);
            Validator.Result result = schema(schema).validate(content);
            if (result.isValid()) {
                return ValidationResponse.asValid(Json.write(content));
            }
            return ValidationResponse.asInvalid("does not match the schema: " + result.getErrors().stream()
                    .map(OutputSchemaCheck::describe).distinct().sorted().collect(Collectors.joining("; ")));
        } catch (RuntimeException e) {
            return ValidationResponse.asInvalid("could not be checked against the schema: " + e.getMessage());
        }
    }

    private static String describe(Error error) {
        String at = error.getInstanceLocation();
        return (at.isEmpty() ? "/" : at) + ": " + error.getError();
    }

    private synchronized Compiled schema(Map<String, Object> schema) {
        return compiled.computeIfAbsent(Json.write(schema), text -> {
            Validator validator = FACTORY.createValidator();
            return new Compiled(validator, validator.registerSchema((Object) Json.parse(text)));
        });
    }
}
