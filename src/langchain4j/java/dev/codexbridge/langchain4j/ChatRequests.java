package dev.codexbridge.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.image.Image;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Reads a LangChain4j request as a codex turn: what is new since codex last answered (the user's
 * messages, the application's tool results), the system message (the thread's instructions), the
 * tools, and the few options codex takes. What codex cannot honour is refused here with an
 * {@link UnsupportedFeatureException} before anything reaches codex (docs/langchain4j.md has the table).
 */
final class ChatRequests {

    /**
     * One request, read.
     *
     * @param instructions the system message(s), joined; null when none
     * @param newUserMessages the user's messages after codex's last answer
     * @param earlier      the messages before those, as text: the history a thread that never saw
     *                     them is given with the first turn; null when none
     * @param results      the application's answers to codex's tool calls, after codex's last answer
     */
    record Reading(@Nullable String instructions, List<ToolSpecification> tools, List<UserMessage> newUserMessages,
                   @Nullable String earlier, List<ToolExecutionResultMessage> results, TurnOptions options) {

        boolean hasUserInput() {
            return !newUserMessages.isEmpty();
        }

        /** The new user messages as a turn's input, after {@code preamble} when there is one. */
        TurnInput turnInput(@Nullable String preamble) {
            TurnInput.Builder input = TurnInput.builder();
            if (preamble != null) {
                input.text(preamble);
            }
            newUserMessages.forEach(u -> addUser(u, input));
            return input.build();
        }
    }

    private ChatRequests() {
    }

    static Reading read(ChatRequest request) {
        ChatRequestParameters p = request.parameters();
        refuseUnsupported(p);
        List<ChatMessage> messages = request.messages();
        int lastAnswer = -1;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) instanceof AiMessage) {
                lastAnswer = i;
            }
        }
        List<String> instructions = new ArrayList<>();
        List<String> earlier = new ArrayList<>();
        List<UserMessage> users = new ArrayList<>();
        List<ToolExecutionResultMessage> results = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m instanceof SystemMessage s) {
                instructions.add(s.text());
            } else if (i < lastAnswer) {
                earlier.add(asHistory(m));
            } else if (m instanceof UserMessage u) {
                if (!u.contents().isEmpty()) {
                    users.add(u);
                }
            } else if (m instanceof ToolExecutionResultMessage r) {
                results.add(r);
            } else if (!(m instanceof AiMessage)) {
                throw new UnsupportedFeatureException("codex takes system, user, AI and tool-result messages; not " + m.type());
            }
        }
        if (lastAnswer >= 0) {
            earlier.add(asHistory(messages.get(lastAnswer)));
        }
        TurnOptions.Builder options = TurnOptions.builder();
        if (p != null && p.modelName() != null) {
            options.model(p.modelName());
        }
        JsonNode schema = outputSchema(p == null ? null : p.responseFormat());
        if (schema != null) {
            options.outputSchema(schema);
        }
        Reading reading = new Reading(instructions.isEmpty() ? null : String.join("\n\n", instructions),
                p == null || p.toolSpecifications() == null ? List.of() : List.copyOf(p.toolSpecifications()),
                List.copyOf(users), earlier.isEmpty() ? null : String.join("\n", earlier), List.copyOf(results), options.build());
        if (reading.hasUserInput()) {
            reading.turnInput(null);        // refuses what codex cannot take now, before any codex work
        }
        return reading;
    }

    /** The sampling and decoding knobs of a chat-completions model: codex's agent loop has none of them. */
    private static void refuseUnsupported(@Nullable ChatRequestParameters p) {
        if (p == null) {
            return;
        }
        refuse(p.temperature() != null, "temperature");
        refuse(p.topP() != null, "topP");
        refuse(p.topK() != null, "topK");
        refuse(p.frequencyPenalty() != null, "frequencyPenalty");
        refuse(p.presencePenalty() != null, "presencePenalty");
        refuse(p.maxOutputTokens() != null, "maxOutputTokens");
        refuse(p.stopSequences() != null && !p.stopSequences().isEmpty(), "stopSequences");
        if (p.toolChoice() != null && p.toolChoice() != ToolChoice.AUTO) {
            throw new UnsupportedFeatureException("toolChoice " + p.toolChoice() + " is not supported by codex: the model "
                    + "decides itself whether to call a tool (leave toolChoice unset or AUTO)");
        }
    }

    private static void refuse(boolean set, String option) {
        if (set) {
            throw new UnsupportedFeatureException(option + " is not supported by codex: codex runs its own agent loop and "
                    + "takes no sampling or decoding options per request; leave " + option + " unset");
        }
    }

    /** A JSON schema response format becomes codex's structured output (checked against the schema by the session). */
    private static @Nullable JsonNode outputSchema(@Nullable ResponseFormat format) {
        if (format == null || format.type() == null || format.type() == ResponseFormatType.TEXT) {
            return null;
        }
        if (format.jsonSchema() == null || format.jsonSchema().rootElement() == null) {
            throw new UnsupportedFeatureException("a JSON response format without a schema is not supported by codex: "
                    + "codex's structured output needs a JSON schema (ResponseFormat with a JsonSchema)");
        }
        return Json.tree(JsonSchemaElementUtils.toMap(format.jsonSchema().rootElement(), true));
    }

    private static void addUser(UserMessage u, TurnInput.Builder input) {
        for (Content c : u.contents()) {
            if (c instanceof TextContent t) {
                input.text(t.text());
            } else if (c instanceof ImageContent ic) {
                addImage(ic.image(), input);
            } else {
                throw new UnsupportedFeatureException("codex takes text and images in a user message; not " + c.type());
            }
        }
    }

    private static void addImage(Image image, TurnInput.Builder input) {
        if (image.base64Data() != null) {
            String mime = image.mimeType() == null ? "image/png" : image.mimeType();
            input.imageDataUrl("data:" + mime + ";base64," + image.base64Data());
        } else if (image.url() != null && "data".equals(image.url().getScheme())) {
            input.imageDataUrl(image.url().toString());
        } else if (image.url() != null && "file".equals(image.url().getScheme())) {
            input.localImage(Path.of(image.url()));
        } else {
            throw new UnsupportedFeatureException("codex takes images as base64 data or a file: URL, not a remote URL ("
                    + (image.url() == null ? "no data" : image.url().getScheme() + ":") + ")");
        }
    }

    /** One line of the history handed to a thread that never saw it. */
    private static String asHistory(ChatMessage m) {
        if (m instanceof UserMessage u) {
            return "user: " + u.contents().stream().map(c -> c instanceof TextContent t ? t.text() : "[" + c.type() + "]")
                    .collect(Collectors.joining(" "));
        }
        if (m instanceof AiMessage a) {
            StringBuilder line = new StringBuilder("assistant: ").append(a.text() == null ? "" : a.text());
            if (a.hasToolExecutionRequests()) {
                for (ToolExecutionRequest r : a.toolExecutionRequests()) {
                    line.append(" [called ").append(r.name()).append(' ').append(r.arguments()).append(']');
                }
            }
            return line.toString();
        }
        if (m instanceof ToolExecutionResultMessage r) {
            return "tool " + r.toolName() + " returned: " + r.text();
        }
        return m.type() + ": " + m;
    }
}
