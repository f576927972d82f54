package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@code POST /v1/chat/completions} body, read and checked (docs/openai.md, "The mapping").
 * Sampling and length settings ({@code temperature}, {@code top_p}, {@code max_tokens},
 * {@code seed}, the penalties, …) are accepted and ignored: codex's model settings are the host's.
 * What would change the answer's shape in a way codex cannot honour is refused, naming the
 * parameter: {@code n > 1}, {@code logprobs}, audio, {@code stop}, {@code logit_bias}, tools.
 */
record ChatRequest(String model, List<Message> messages, boolean stream, boolean includeUsage, @Nullable String effort,
        @Nullable JsonNode outputSchema) {

    static ChatRequest of(@Nullable JsonNode raw) {
        ObjectNode body = Params.body(raw);
        Params.noTools(body);
        Params.refuse(body, "functions", "function tools are not supported by this server yet");
        Params.refuse(body, "function_call", "function tools are not supported by this server yet");
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
        return new ChatRequest(model == null ? "codex" : model, messages(body.get("messages")), stream, usage,
                Params.effort(Params.text(body, "reasoning_effort"), "reasoning_effort"), Params.outputSchema(format, "response_format"));
    }

    private static List<Message> messages(@Nullable JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw OpenAiError.invalid("messages", "messages must be a non-empty list");
        }
        List<Message> list = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            list.add(Message.ofChat(messages.get(i), "messages[" + i + "]"));
        }
        if (!list.get(list.size() - 1).role().equals("user")) {
            throw OpenAiError.invalid("messages", "the last message must be the user's: codex answers it");
        }
        return list;
    }
}
