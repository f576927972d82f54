package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * One message of a request, either API's: its role ({@code user}, {@code assistant}, {@code system},
 * {@code developer}) and its parts, text or an inline image.
 *
 * @param parts each a text, or an image as a {@code data:} URL
 */
record Message(String role, List<Part> parts) {
    static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");

    /** A text, or an image ({@code imageUrl} set, a {@code data:} URL). */
    record Part(@Nullable String text, @Nullable String imageUrl) {
    }

    Message {
        parts = List.copyOf(parts);
    }

    boolean instructs() {
        return role.equals("system") || role.equals("developer");
    }

    /** The message's text parts, joined. */
    String text() {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (p.text() != null) {
                if (!sb.isEmpty()) {
                    sb.append('\n');
                }
                sb.append(p.text());
            }
        }
        return sb.toString();
    }

    /** A Responses API message item: {@code content} a string or {@code input_text}, {@code output_text}, {@code input_image} parts. */
    static Message ofResponses(JsonNode item, String param) {
        return new Message(role(item, param), parts(item.get("content"), param, Message::responsesPart));
    }

    /**
     * A Chat Completions message: {@code content} a string or {@code text} and {@code image_url}
     * parts. An assistant message's {@code tool_calls} and a {@code tool} message (a call's output)
     * are kept as text naming the call, so that a re-sent history reads (and digests) the same each
     * time and a thread that never saw them gets them as history.
     */
    static Message ofChat(JsonNode message, String param) {
        if (!message.isObject()) {
            throw OpenAiError.invalid(param, "a message is an object with a role and content");
        }
        String roleName = message.path("role").asText("");
        if (roleName.equals("function")) {
            throw OpenAiError.unsupported(param, "function messages (the API's deprecated functions) are not supported: use tools and "
                    + "tool messages");
        }
        if (roleName.equals("tool")) {
            JsonNode content = message.get("content");
            String text = content == null || content.isNull() ? "" : new Message("tool", parts(content, param, Message::chatPart)).text();
            return new Message("tool", List.of(new Part(toolOutput(message.path("tool_call_id").asText(""), text), null)));
        }
        JsonNode calls = message.get("tool_calls");
        JsonNode content = message.get("content");
        List<Part> parts = new ArrayList<>();
        if (calls != null && !calls.isNull() && roleName.equals("assistant")) {
            if (content != null && !content.isNull()) {
                parts.addAll(parts(content, param, Message::chatPart));
            }
            for (JsonNode call : calls) {
                parts.add(new Part(toolCall(call.path("function").path("name").asText(""), call.path("function").path("arguments")
                        .asText("{}"), call.path("id").asText("")), null));
            }
            return new Message("assistant", parts);
        }
        return new Message(role(message, param), parts(content, param, Message::chatPart));
    }

    /** An earlier call of the caller's tool, as history. */
    static String toolCall(String name, String arguments, String callId) {
        return "called " + name + " " + arguments + " [" + callId + "]";
    }

    /** The call id {@link #toolCall} ends {@code text} with, or "" when it is not a call. */
    static String callIdOf(String text) {
        int open = text.lastIndexOf(" [");
        return text.startsWith("called ") && text.endsWith("]") && open > 0 ? text.substring(open + 2, text.length() - 1) : "";
    }

    /** An earlier call's output, as history. */
    static String toolOutput(String callId, String output) {
        return "output of [" + callId + "]: " + output;
    }

    /** {@code content}: a string, or a list of parts each read by {@code part}. */
    private static List<Part> parts(@Nullable JsonNode content, String param, BiFunction<JsonNode, String, Part> part) {
        if (content != null && content.isTextual()) {
            return List.of(new Part(content.asText(), null));
        }
        if (content == null || !content.isArray()) {
            throw OpenAiError.invalid(param + ".content", "a message's content is a string or a list of parts");
        }
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            parts.add(part.apply(content.get(i), param + ".content[" + i + "]"));
        }
        return parts;
    }

    private static Part responsesPart(JsonNode c, String at) {
        return switch (c.path("type").asText("")) {
            case "input_text", "output_text", "text" -> new Part(string(c, "text", at), null);
            case "refusal" -> new Part(string(c, "refusal", at), null);
            case "input_image" -> new Part(null, image(c.path("image_url"), c.has("file_id"), at));
            case "input_file" -> throw OpenAiError.unsupported(at, "input_file is not supported by this server: send the file's text "
                    + "as input_text");
            case "input_audio" -> throw OpenAiError.unsupported(at, "audio input is not supported by this server");
            default -> throw OpenAiError.invalid(at, "unknown content part type '" + c.path("type").asText("") + "'");
        };
    }

    private static Part chatPart(JsonNode c, String at) {
        return switch (c.path("type").asText("")) {
            case "text" -> new Part(string(c, "text", at), null);
            case "refusal" -> new Part(string(c, "refusal", at), null);
            case "image_url" -> new Part(null, image(c.path("image_url").path("url"), false, at));
            case "input_audio" -> throw OpenAiError.unsupported(at, "audio input is not supported by this server");
            case "file" -> throw OpenAiError.unsupported(at, "file input is not supported by this server: send the file's text");
            default -> throw OpenAiError.invalid(at, "unknown content part type '" + c.path("type").asText("") + "'");
        };
    }

    private static String role(JsonNode item, String param) {
        String role = item.path("role").asText("");
        if (!ROLES.contains(role)) {
            throw OpenAiError.invalid(param + ".role", "a message's role is one of user, assistant, system, developer");
        }
        return role;
    }

    private static String string(JsonNode part, String field, String param) {
        JsonNode v = part.get(field);
        if (v == null || !v.isTextual()) {
            throw OpenAiError.invalid(param + "." + field, field + " must be a string");
        }
        return v.asText();
    }

    /** An image as codex takes it: inline only; the door fetches nothing on a caller's behalf. */
    private static String image(JsonNode url, boolean fileId, String param) {
        if (fileId) {
            throw OpenAiError.unsupported(param + ".file_id", "file ids are not supported by this server: send the image as a data: URL");
        }
        if (!url.isTextual() || !url.asText().startsWith("data:image/")) {
            throw OpenAiError.unsupported(param + ".image_url", "only inline images (a data:image/... URL) are supported: this server "
                    + "fetches no URL on a caller's behalf");
        }
        return url.asText();
    }
}
