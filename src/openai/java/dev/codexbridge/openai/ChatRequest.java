package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@code POST /v1/chat/completions} body, read and checked (docs/openai.md, "The mapping").
 * Sampling and length settings ({@code temperature}, {@code top_p}, {@code max_tokens},
 * {@code seed}, the penalties, …) are accepted and ignored: codex's model settings are the host's.
 * What would change the answer's shape in a way codex cannot honour is refused, naming the
 * parameter: {@code n > 1}, {@code logprobs}, audio, {@code stop}, {@code logit_bias}, tools.
 */
record ChatRequest(String model, List<Message> messages, boolean stream, boolean includeUsage, @Nullable String effort,
        @Nullable JsonNode outputSchema, List<FunctionTool> tools, String toolChoice, Map<String, CallerAnswer> answers) {

    static ChatRequest of(@Nullable JsonNode raw) {
        ObjectNode body = Params.body(raw);
        List<FunctionTool> tools = FunctionTool.ofChat(body);
        String toolChoice = FunctionTool.choice(body);
        Params.refuse(body, "functions", "the deprecated functions are not supported: give tools");
        Params.refuse(body, "function_call", "the deprecated function_call is not supported: give tool_choice");
        if (body.path("n").asInt(1) != 1) {
            throw OpenAiError.unsupported("n", "n must be 1: codex gives one answer per turn");
        }
        if (body.path("logprobs").asBoolean(false) || body.path("top_logprobs").asInt(0) > 0) {
            throw OpenAiError.unsupported(body.path("logprobs").asBoolean(false) ? "logprobs" : "top_logprobs",
                    "log probabilities are not available from codex");
        }
        Params.refuse(body, "audio", "audio output is not available from codex");
        for (JsonNode m : body.path("modalities")) {
            if (!m.asText().equals("text")) {
                throw OpenAiError.unsupported("modalities", "codex answers in text only");
            }
        }
        JsonNode stop = body.get("stop");
        if (stop != null && !stop.isNull() && !(stop.isArray() && stop.isEmpty())) {
            throw OpenAiError.unsupported("stop", "stop sequences are not supported by this server: codex ends its own answer");
        }
        JsonNode bias = body.get("logit_bias");
        if (bias != null && !bias.isNull() && !bias.isEmpty()) {
            throw OpenAiError.unsupported("logit_bias", "logit_bias is not available from codex");
        }
        Params.refuse(body, "prediction", "predicted outputs are not available from codex");
        Params.refuse(body, "web_search_options", "codex searches the web by its own configuration, not per request");
        String model = Params.text(body, "model");
        JsonNode format = body.get("response_format");
        boolean stream = Params.bool(body, "stream", false);
        JsonNode options = body.get("stream_options");
        boolean usage = stream && options != null && options.path("include_usage").asBoolean(false);
        JsonNode given = body.get("messages");
        return new ChatRequest(model == null ? "codex" : model, messages(given), stream, usage,
                Params.effort(Params.text(body, "reasoning_effort"), "reasoning_effort"), Params.outputSchema(format, "response_format"),
                tools, toolChoice, answers(given));
    }

    /**
     * This request with its last {@code tool} messages taken as new input, not as answers to a held
     * turn: outputs that came after their turn stopped waiting (decision 0137).
     */
    ChatRequest withoutAnswers() {
        return new ChatRequest(model, messages, stream, includeUsage, effort, outputSchema, tools, toolChoice, Map.of());
    }

    /** The history's last {@code tool} messages: the outputs of the calls a held turn waits for, by call id. */
    private static Map<String, CallerAnswer> answers(JsonNode messages) {
        Map<String, CallerAnswer> answers = new LinkedHashMap<>();
        int from = messages.size();
        while (from > 0 && messages.get(from - 1).path("role").asText().equals("tool")) {
            from--;
        }
        for (int i = from; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String id = m.path("tool_call_id").asText("");
            if (id.isEmpty()) {
                throw OpenAiError.invalid("messages[" + i + "].tool_call_id", "a tool message names the call it answers");
            }
            Message read = Message.ofChat(m, "messages[" + i + "]");
            String text = read.text();
            answers.put(id, CallerAnswer.output(id, text.substring(Message.toolOutput(id, "").length())));
        }
        return answers;
    }

    private static List<Message> messages(@Nullable JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw OpenAiError.invalid("messages", "messages must be a non-empty list");
        }
        List<Message> list = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            list.add(Message.ofChat(messages.get(i), "messages[" + i + "]"));
        }
        String last = list.get(list.size() - 1).role();
        if (!last.equals("user") && !last.equals("tool")) {
            throw OpenAiError.invalid("messages", "the last message must be the user's (codex answers it) or the tools' outputs");
        }
        return list;
    }
}
