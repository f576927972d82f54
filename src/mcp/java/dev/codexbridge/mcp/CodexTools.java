package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The tools' definitions. {@code codex} and {@code codex-reply} have the names, parameters and
 * output schema of {@code codex mcp-server}'s (codex 0.130.0, the last release that had it;
 * checked against that binary by McpReferenceToolsTest), in codex-tools.json. With a host's
 * output schema their output schema gains {@code output}, the final message parsed. Beyond the
 * reference: {@code codex-transcript}.
 */
final class CodexTools {
    static final String CODEX = "codex";
    static final String REPLY = "codex-reply";
    static final String TRANSCRIPT = "codex-transcript";
    static final String THREAD_URI = "codex://threads/{threadId}";

    private CodexTools() {
    }

    static List<McpSchema.Tool> reference(@Nullable JsonNode hostOutputSchema) {
        JsonNode all;
        try (InputStream in = CodexTools.class.getResourceAsStream("codex-tools.json")) {
            if (in == null) {
                throw new IllegalStateException("codex-tools.json is missing from the jar");
            }
            all = Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return java.util.stream.StreamSupport.stream(all.spliterator(), false).map(t -> {
            ObjectNode output = t.path("outputSchema").deepCopy();
            if (hostOutputSchema != null) {
                ((ObjectNode) output.path("properties")).set("output", hostOutputSchema);
            }
            return McpSchema.Tool.builder().name(t.path("name").asText()).title(t.path("title").asText())
                    .description(t.path("description").asText()).inputSchema(map(t.path("inputSchema"))).outputSchema(map(output))
                    .build();
        }).toList();
    }

    static McpSchema.Tool transcript() {
        Map<String, Object> threadId = new LinkedHashMap<>();
        threadId.put("type", "string");
        threadId.put("description", "The conversation's thread id, as the codex tool answered it.");
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("type", "object");
        input.put("properties", Map.of("threadId", threadId));
        input.put("required", List.of("threadId"));
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("type", "object");
        output.put("properties", Map.of("threadId", Map.of("type", "string"), "messages", Map.of("type", "array"),
                "turns", Map.of("type", "array")));
        output.put("required", List.of("threadId", "messages", "turns"));
        return McpSchema.Tool.builder().name(TRANSCRIPT).title("Codex Transcript")
                .description("Read a codex conversation of yours as a transcript: user, assistant and tool messages, oldest first "
                        + "(tool calls with their arguments and results), and how each turn ended by codex's record.")
                .inputSchema(input).outputSchema(output)
                .annotations(new McpSchema.ToolAnnotations("Codex Transcript", true, false, true, false, null)).build();
    }

    static McpSchema.ResourceTemplate threadTemplate() {
        return McpSchema.ResourceTemplate.builder().uriTemplate(THREAD_URI).name("codex-thread").title("Codex conversation")
                .description("One of your codex conversations as a JSON transcript (the codex-transcript tool's answer).")
                .mimeType("application/json").build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(JsonNode node) {
        return Json.convert(node, Map.class);
    }
}
