package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.codexbridge.json.Json;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The SDK's JSON Schema check (tool inputs, a result's {@code structuredContent} against the
 * tool's output schema) on json-schema-validator 1.5, the version the project already uses: the
 * SDK's own validator needs 3.x, whose classes clash with it. Draft 2020-12, as MCP says; the
 * last 64 schemas are kept compiled.
 */
public final class OutputSchemaCheck implements JsonSchemaValidator {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private final Map<String, JsonSchema> compiled = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JsonSchema> eldest) {
            return size() > 64;
        }
    };

    @Override
    public ValidationResponse validate(Map<String, Object> schema, Object structuredContent) {
        try {
            JsonNode content = Json.tree(structuredContent);
            Set<ValidationMessage> errors = schema(schema).validate(content);
            if (errors.isEmpty()) {
                return ValidationResponse.asValid(Json.write(content));
            }
            return ValidationResponse.asInvalid("does not match the schema: "
                    + errors.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("; ")));
        } catch (RuntimeException e) {
            return ValidationResponse.asInvalid("could not be checked against the schema: " + e.getMessage());
        }
    }

    private synchronized JsonSchema schema(Map<String, Object> schema) {
        return compiled.computeIfAbsent(Json.write(schema), text -> FACTORY.getSchema(Json.parse(text)));
    }
}
