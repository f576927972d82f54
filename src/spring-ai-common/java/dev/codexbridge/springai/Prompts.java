package dev.codexbridge.springai;

import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

/**
 * Reads a Spring AI prompt as a codex turn: what is new since codex last answered (the user's
 * messages, the results of codex's tool calls), the system message (the thread's instructions),
 * the tool callbacks, and the one option codex takes per turn (the model). What codex cannot
 * honour is refused here with a {@link CodexPromptException} before anything reaches codex
 * (docs/spring-ai.md has the table).
 */
final class Prompts {

    /**
     * One prompt, read.
     *
     * @param instructions    the system message(s), joined; null when none
     * @param newUserMessages the user's messages after codex's last answer
     * @param earlier         the messages before those, as text: the history a thread that never saw
     *                        them is given with its first turn; null when none
     * @param results         the results of codex's tool calls, after codex's last answer
     */
    record Reading(@Nullable String instructions, List<ToolCallback> tools, List<UserMessage> newUserMessages,
                   @Nullable String earlier, List<ToolResponseMessage.ToolResponse> results, TurnOptions options) {

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

    private Prompts() {
    }

    static Reading read(Prompt prompt) {
        ChatOptions options = prompt.getOptions();
        refuseUnsupported(options);
        List<Message> messages = prompt.getInstructions();
        int lastAnswer = -1;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) instanceof AssistantMessage) {
                lastAnswer = i;
            }
        }
        List<String> instructions = new ArrayList<>();
        List<String> earlier = new ArrayList<>();
        List<UserMessage> users = new ArrayList<>();
        List<ToolResponseMessage.ToolResponse> results = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m instanceof SystemMessage s) {
                if (s.getText() != null && !s.getText().isBlank()) {
                    instructions.add(s.getText());
                }
            } else if (i <= lastAnswer) {
                earlier.add(asHistory(m));
            } else if (m instanceof UserMessage u) {
                if ((u.getText() != null && !u.getText().isEmpty()) || !u.getMedia().isEmpty()) {
                    users.add(u);
                }
            } else if (m instanceof ToolResponseMessage r) {
                results.addAll(r.getResponses());
            } else {
                throw new CodexPromptException("codex takes system, user, assistant and tool-response messages; not "
                        + m.getMessageType());
            }
        }
        TurnOptions.Builder turn = TurnOptions.builder();
        if (options != null && options.getModel() != null && !options.getModel().isBlank()) {
            turn.model(options.getModel());
        }
        if (options instanceof StructuredOutputChatOptions s && s.getOutputSchema() != null && !s.getOutputSchema().isBlank()) {
            turn.outputSchemaJson(s.getOutputSchema());      // codex's structured output; the session checks the schema
        }
        List<ToolCallback> tools = options instanceof ToolCallingChatOptions t && t.getToolCallbacks() != null
                ? List.copyOf(t.getToolCallbacks()) : List.of();
        Reading reading = new Reading(instructions.isEmpty() ? null : String.join("\n\n", instructions), tools, List.copyOf(users),
                earlier.isEmpty() ? null : String.join("\n", earlier), List.copyOf(results), turn.build());
        if (reading.hasUserInput()) {
            reading.turnInput(null);        // refuses what codex cannot take, before any codex work
        }
        return reading;
    }

    /** The sampling and decoding knobs of a chat-completions model: codex's agent loop has none of them. */
    static void refuseUnsupported(@Nullable ChatOptions o) {
        if (o == null) {
            return;
        }
        refuse(o.getTemperature() != null, "temperature");
        refuse(o.getTopP() != null, "topP");
        refuse(o.getTopK() != null, "topK");
        refuse(o.getFrequencyPenalty() != null, "frequencyPenalty");
        refuse(o.getPresencePenalty() != null, "presencePenalty");
        refuse(o.getMaxTokens() != null, "maxTokens");
        refuse(o.getStopSequences() != null && !o.getStopSequences().isEmpty(), "stopSequences");
    }

    private static void refuse(boolean set, String option) {
        if (set) {
            throw new CodexPromptException(option + " is not supported by codex: codex runs its own agent loop and takes no "
                    + "sampling or decoding options per request; leave " + option + " unset");
        }
    }

    private static void addUser(UserMessage u, TurnInput.Builder input) {
        if (u.getText() != null && !u.getText().isEmpty()) {
            input.text(u.getText());
        }
        for (Media media : u.getMedia()) {
            addImage(media, input);
        }
    }

    private static void addImage(Media media, TurnInput.Builder input) {
        String mime = media.getMimeType().toString();
        if (!"image".equals(media.getMimeType().getType())) {
            throw new CodexPromptException("codex takes text and images in a user message; not " + mime);
        }
        Object data = media.getData();
        if (data instanceof byte[] bytes) {
            input.imageDataUrl("data:" + mime + ";base64," + Base64.getEncoder().encodeToString(bytes));
        } else if (data instanceof String s && s.startsWith("data:")) {
            input.imageDataUrl(s);
        } else if (data instanceof String s && s.startsWith("file:")) {
            input.localImage(Path.of(URI.create(s)));
        } else {
            throw new CodexPromptException("codex takes images as bytes, a data: URL or a file: URL, not "
                    + (data instanceof String s ? s.replaceAll(":.*", ":") + " URLs" : data.getClass().getName()));
        }
    }

    /** One line of the history handed to a thread that never saw it. */
    private static String asHistory(Message m) {
        if (m instanceof UserMessage u) {
            return "user: " + u.getText() + (u.getMedia().isEmpty() ? "" : " [" + u.getMedia().size() + " image(s)]");
        }
        if (m instanceof AssistantMessage a) {
            StringBuilder line = new StringBuilder("assistant: ").append(a.getText() == null ? "" : a.getText());
            for (AssistantMessage.ToolCall c : a.getToolCalls()) {
                line.append(" [called ").append(c.name()).append(' ').append(c.arguments()).append(']');
            }
            return line.toString();
        }
        if (m instanceof ToolResponseMessage r) {
            return r.getResponses().stream().map(x -> "tool " + x.name() + " returned: " + x.responseData())
                    .collect(Collectors.joining("\n"));
        }
        return m.getMessageType().getValue() + ": " + m.getText();
    }
}
