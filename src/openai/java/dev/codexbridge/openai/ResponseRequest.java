package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * @param tools        the caller's function tools
 * @param toolChoice   {@code auto} or {@code none}
 * @param answers      the input's last items when they answer what a held turn asked ({@code function_call_output},
 *                     {@code mcp_approval_response}), by the id they answer; empty when the input ends otherwise
 * @param approvals    the caller answers codex's approvals: it declared an {@code mcp} tool on server label {@code codex}
 * @param background   answered at once, the turn running on ({@link BackgroundResponses})
 * @param conversation the Conversations API's conversation the response belongs to ({@link ConversationsApi}), or null
 */
record ResponseRequest(String model, List<Message> messages, @Nullable String instructions, @Nullable String previousResponseId,
        boolean stream, boolean store, ObjectNode metadata, @Nullable String effort, @Nullable JsonNode outputSchema, ObjectNode text,
        List<FunctionTool> tools, String toolChoice, Map<String, CallerAnswer> answers, boolean approvals, boolean background,
        @Nullable String conversation) {
    /**
     * Items of the door's own a client may send back as input (the Agents SDK's input list), and
     * references to them: taken as history codex's thread already holds, and left out.
     */
    static final Set<String> RESENT_OUTPUT = Set.of("reasoning", "mcp_call", "web_search_call", "mcp_approval_request", "item_reference");
    /** Items that answer what a held turn asked. */
    static final Set<String> ANSWERS = Set.of("function_call_output", "mcp_approval_response");


    static ResponseRequest of(@Nullable JsonNode raw) {
        ObjectNode body = Params.body(raw);
        List<FunctionTool> tools = FunctionTool.ofResponses(body);
        String toolChoice = FunctionTool.choice(body);
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
        JsonNode input = body.get("input");
        Map<String, CallerAnswer> answers = answers(input);
        boolean store = Params.bool(body, "store", true);
        boolean background = Params.bool(body, "background", false);
        if (background && !store) {
            throw OpenAiError.invalid("background", "a background response is read later, so it is kept: send store true (or leave it "
                    + "out) with background");
        }
        String previous = Params.text(body, "previous_response_id");
        String conversation = conversation(body);
        if (previous != null && conversation != null) {
            throw OpenAiError.invalid("conversation", "Mutually exclusive parameters: give previous_response_id or conversation, not both");
        }
        return new ResponseRequest(model == null ? "codex" : model, messages(input, answers.size()), Params.text(body, "instructions"),
                previous, Params.bool(body, "stream", false), store, Params.metadata(body), effort, schema, text, tools, toolChoice,
                answers, FunctionTool.answersApprovals(body), background, conversation);
    }

    /**
     * This request with its answers taken out and {@code said} added after its messages: answers
     * no turn waits for any more, given to codex as new input ({@link LateOutputs}).
     */
    ResponseRequest answersSaid(Message said) {
        List<Message> all = new ArrayList<>(messages);
        all.add(said);
        return new ResponseRequest(model, List.copyOf(all), instructions, previousResponseId, stream, store, metadata, effort,
                outputSchema, text, tools, toolChoice, Map.of(), approvals, background, conversation);
    }

    /** {@code conversation}: a conversation's id, or an object holding it. */
    private static @Nullable String conversation(ObjectNode body) {
        JsonNode c = body.get("conversation");
        if (c == null || c.isNull()) {
            return null;
        }
        String id = c.isTextual() ? c.asText() : c.isObject() ? c.path("id").asText("") : "";
        if (id.isEmpty()) {
            throw OpenAiError.invalid("conversation", "conversation must be a conversation's id, or an object with its id");
        }
        return id;
    }

    /** The input's last items, when they answer a held turn: by the call id or approval request id. */
    private static Map<String, CallerAnswer> answers(@Nullable JsonNode input) {
        Map<String, CallerAnswer> answers = new LinkedHashMap<>();
        if (input == null || !input.isArray()) {
            return answers;
        }
        int from = input.size();
        while (from > 0 && ANSWERS.contains(input.get(from - 1).path("type").asText())) {
            from--;
        }
        for (int i = from; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String param = "input[" + i + "]";
            if (item.path("type").asText().equals("function_call_output")) {
                String id = required(item, "call_id", param);
                JsonNode output = item.get("output");
                answers.put(id, CallerAnswer.output(id, output == null || output.isNull() ? "" : output.isTextual() ? output.asText()
                        : outputText(output)));
            } else {
                String id = required(item, "approval_request_id", param);
                JsonNode approve = item.get("approve");
                if (approve == null || !approve.isBoolean()) {
                    throw OpenAiError.invalid(param + ".approve", "approve must be true or false");
                }
                answers.put(id, CallerAnswer.approval(id, approve.asBoolean(), Params.text(item, "reason")));
            }
        }
        return answers;
    }

    private static String required(JsonNode item, String field, String param) {
        String v = item.path(field).asText("");
        if (v.isEmpty()) {
            throw OpenAiError.invalid(param + "." + field, field + " is required");
        }
        return v;
    }

    /** A function call's output given as a list of content parts: their texts. */
    private static String outputText(JsonNode parts) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : parts) {
            sb.append(p.path("text").asText(""));
        }
        return sb.toString();
    }

    /**
     * {@code input}: a string (one user message) or a list of items: messages, and as history the
     * function calls and their outputs of earlier turns; the last {@code answering} items answer a
     * held turn and are not messages.
     */
    static List<Message> messages(@Nullable JsonNode input, int answering) {
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
        for (int i = 0; i < input.size() - answering; i++) {
            JsonNode item = input.get(i);
            String param = "input[" + i + "]";
            String type = item.path("type").asText("message");
            if (RESENT_OUTPUT.contains(type) || type.equals("mcp_approval_response")) {
                // the door's own output sent back as history (the Agents SDK's input list): codex's thread holds that work
                continue;
            }
            if (type.equals("function_call")) {
                // an earlier turn's call, re-sent as history (the AI SDK, the Agents SDK without previous_response_id)
                messages.add(new Message("assistant", List.of(new Message.Part(Message.toolCall(item.path("name").asText(),
                        item.path("arguments").asText("{}"), item.path("call_id").asText()), null))));
                continue;
            }
            if (type.equals("function_call_output")) {
                JsonNode output = item.get("output");
                messages.add(new Message("tool", List.of(new Message.Part(Message.toolOutput(item.path("call_id").asText(),
                        output == null ? "" : output.isTextual() ? output.asText() : outputText(output)), null))));
                continue;
            }
            if (!type.equals("message")) {
                throw OpenAiError.unsupported(param, "input items of type " + type + " are not supported by this server yet: send "
                        + "messages, and continue a conversation with previous_response_id");
            }
            messages.add(Message.ofResponses(item, param));
        }
        if (messages.isEmpty() && answering == 0) {
            throw OpenAiError.invalid("input", "input holds no message: give at least one");
        }
        return messages;
    }
}
