package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@code POST /v1/responses} body, read and checked: what the door serves, every refusal naming
 * its parameter (docs/openai.md, "The mapping"). Parameters that tune a model's sampling or
 * bound its output ({@code temperature}, {@code top_p}, {@code max_output_tokens}, …) are accepted
 * and ignored: codex's model settings are the host's.
 *
 * @param messages     the input as messages, in order
 * @param outputSchema {@code text.format}'s JSON Schema (codex's output schema), or null
 * @param text         the {@code text} configuration echoed in the answer
 */
record ResponseRequest(String model, List<Message> messages, @Nullable String instructions, @Nullable String previousResponseId,
        boolean stream, boolean store, ObjectNode metadata, @Nullable String effort, @Nullable JsonNode outputSchema, ObjectNode text) {
    /** Output items of the door's own a client may send back as input: taken as history already had, and left out. */
    static final Set<String> RESENT_OUTPUT = Set.of("reasoning", "mcp_call", "web_search_call");


    static ResponseRequest of(@Nullable JsonNode raw) {
        ObjectNode body = Params.body(raw);
        Params.noTools(body);
        Params.refuse(body, "background", "background responses are not built yet; send without background and read the answer, "
                + "or stream it");
        Params.refuse(body, "conversation", "the Conversations API is not built yet; continue with previous_response_id");
        Params.refuse(body, "prompt", "prompt templates are not supported; send the input itself");
        if (body.path("top_logprobs").asInt(0) > 0) {
            throw OpenAiError.unsupported("top_logprobs", "log probabilities are not available from codex");
        }
        for (JsonNode include : body.path("include")) {
            if (include.asText().contains("logprobs")) {
                throw OpenAiError.unsupported("include", "log probabilities are not available from codex");
            }
        }
        String model = Params.text(body, "model");
        JsonNode reasoning = body.get("reasoning");
        String effort = reasoning == null || reasoning.isNull() ? null : Params.effort(Params.text(reasoning, "effort"), "reasoning.effort");
        JsonNode textConfig = body.get("text");
        ObjectNode text = textConfig != null && textConfig.isObject() ? ((ObjectNode) textConfig).deepCopy() : dev.codexbridge.json.Json.object();
        if (!text.has("format")) {
            text.putObject("format").put("type", "text");
        }
        JsonNode schema = Params.outputSchema(text.get("format"), "text.format");
        return new ResponseRequest(model == null ? "codex" : model, messages(body.get("input")), Params.text(body, "instructions"),
                Params.text(body, "previous_response_id"), Params.bool(body, "stream", false), Params.bool(body, "store", true),
                Params.metadata(body), effort, schema, text);
    }

    /** {@code input}: a string (one user message) or a list of message items. */
    private static List<Message> messages(@Nullable JsonNode input) {
        if (input == null || input.isNull()) {
            throw OpenAiError.invalid("input", "input is required: a string, or a list of messages");
        }
        if (input.isTextual()) {
            return List.of(new Message("user", List.of(new Message.Part(input.asText(), null))));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw OpenAiError.invalid("input", "input must be a string or a non-empty list of messages");
        }
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String param = "input[" + i + "]";
            String type = item.path("type").asText("message");
            if (RESENT_OUTPUT.contains(type)) {
                // the door's own output sent back as history (the Agents SDK's input list): codex's thread holds that work
                continue;
            }
            if (!type.equals("message")) {
                throw OpenAiError.unsupported(param, "input items of type " + type + " are not supported by this server yet: send "
                        + "messages, and continue a conversation with previous_response_id");
            }
            messages.add(Message.ofResponses(item, param));
        }
        if (messages.isEmpty()) {
            throw OpenAiError.invalid("input", "input holds no message: give at least one");
        }
        return messages;
    }
}
