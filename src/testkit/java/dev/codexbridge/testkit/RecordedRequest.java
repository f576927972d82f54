package dev.codexbridge.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** One HTTP request codex sent to the {@link ScriptedModelServer}. Header names are lower case. */
public record RecordedRequest(String method, String path, Map<String, List<String>> headers, @Nullable JsonNode body) {

    /** {@link #body} as JSON text. */
    public String bodyJson() {
        return dev.codexbridge.json.Json.write(body);
    }

    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The {@code input} items of a Responses API request body. */
    public List<JsonNode> inputItems() {
        JsonNode input = body == null ? null : body.get("input");
        if (input == null || !input.isArray()) {
            return List.of();
        }
        ArrayList<JsonNode> out = new ArrayList<>();
        input.forEach(out::add);
        return out;
    }

    /**
     * The texts of the user's messages in this request, oldest first: what each turn's input said,
     * one entry per message (its {@code input_text} parts joined). Codex also sends context of its
     * own as user messages (the {@code <environment_context>} block, project instructions), so a
     * test that routes on the user's words looks at {@link #lastUserText()}.
     */
    public List<String> userTexts() {
        List<String> texts = new ArrayList<>();
        for (JsonNode item : inputItems()) {
            if (!"user".equals(item.path("role").asText()) || !"message".equals(item.path("type").asText("message"))) {
                continue;
            }
            JsonNode content = item.get("content");
            if (content != null && content.isTextual()) {
                texts.add(content.textValue());
            } else if (content != null && content.isArray()) {
                StringBuilder text = new StringBuilder();
                content.forEach(part -> {
                    if ("input_text".equals(part.path("type").asText())) {
                        text.append(part.path("text").asText());
                    }
                });
                texts.add(text.toString());
            }
        }
        return texts;
    }

    /**
     * The text of the last user message: the input of the turn this request belongs to, also in
     * the requests that carry a tool's output back. What a reply function routes on when several
     * conversations share one {@link ScriptedModelServer} ({@code respondWhenEmpty}).
     */
    public Optional<String> lastUserText() {
        List<String> texts = userTexts();
        return texts.isEmpty() ? Optional.empty() : Optional.of(texts.get(texts.size() - 1));
    }

    /** The {@code output} codex sent back for tool call {@code callId}, if this request carries it. */
    public Optional<String> functionCallOutput(String callId) {
        for (JsonNode item : inputItems()) {
            if ("function_call_output".equals(item.path("type").asText()) && callId.equals(item.path("call_id").asText())) {
                JsonNode output = item.get("output");
                return Optional.of(output.isTextual() ? output.textValue() : output.toString());
            }
        }
        return Optional.empty();
    }

    /** The names of the tools codex offered the model. */
    public List<String> toolNames() {
        JsonNode tools = body == null ? null : body.get("tools");
        if (tools == null || !tools.isArray()) {
            return List.of();
        }
        ArrayList<String> names = new ArrayList<>();
        tools.forEach(t -> names.add(t.path("name").asText(t.path("type").asText())));
        return names;
    }
}
