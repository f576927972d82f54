package dev.codexbridge.example.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * What the scripted model answers, so the page shows a whole turn with an approval: for each user
 * message it asks codex to run {@code echo '<message>' | wc -w} outside the sandbox (which codex,
 * under {@code on-request}, asks the host about), and once codex hands back the command's output it
 * replies with a sentence quoting it. Routed on the request itself, so every conversation of the
 * page shares one model server.
 */
final class OfflineModel implements Function<RecordedRequest, ModelReply> {
    static final String JUSTIFICATION = "to count the words of your message";

    @Override
    public ModelReply apply(RecordedRequest request) {
        // a tool output after the latest user message: codex is continuing the turn
        List<JsonNode> items = request.inputItems();
        int calls = 0;
        String output = null;
        for (JsonNode item : items) {
            String type = item.path("type").asText("message");
            if ("function_call".equals(type)) {
                calls++;
            } else if ("function_call_output".equals(type)) {
                JsonNode out = item.get("output");
                output = out == null ? "" : out.isTextual() ? out.textValue() : out.toString();
            } else if ("message".equals(type) && "user".equals(item.path("role").asText())) {
                output = null;
            }
        }
        if (output != null) {
            return ModelReply.message(reply(output));
        }
        String words = request.lastUserText().map(OfflineModel::shellSafe).orElse("");
        return ModelReply.builder()
                .execCommandEscalated("count-" + (calls + 1), "echo '" + words + "' | wc -w", JUSTIFICATION)
                .build();
    }

    /**
     * The final answer, from what codex sent back: the command's output (codex wraps it in a few
     * lines of its own, "Output:" last) or codex's words for a command that did not run.
     */
    static String reply(String output) {
        String text = output.strip();
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.contains("rejected") || lower.contains("declined") || lower.contains("denied")) {
            return "You declined the command, so I did not count the words. (codex: " + text + ")";
        }
        int printed = text.lastIndexOf("Output:");
        return "The command ran and printed: " + (printed < 0 ? text : text.substring(printed + "Output:".length()).strip());
    }

    /** Only letters, digits and spaces reach the shell: the message is put inside single quotes. */
    static String shellSafe(String text) {
        return text.replaceAll("[^A-Za-z0-9 ]", " ").replaceAll(" +", " ").strip();
    }
}
