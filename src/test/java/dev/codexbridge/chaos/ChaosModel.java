package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scripted model's side of a chaos run, answering each request from the request itself (many
 * turns run at once). A prompt {@code chaos: KIND KEY} names the host's own key for the turn:
 * {@code plain} is answered at once, {@code slow} runs {@code sleep} in codex first, and
 * {@code approval} runs a command outside the sandbox, which codex asks the host to approve. Once
 * the command's output is back, the answer names the key, so every final text is the turn's own.
 */
final class ChaosModel {
    static final String PREFIX = "chaos: ";
    private static final Pattern PROMPT = Pattern.compile("chaos: (plain|slow|approval) (\\S+)");

    private ChaosModel() {
    }

    /** The prompt for a turn of {@code kind} keyed {@code key}. */
    static String prompt(String kind, String key) {
        return PREFIX + kind + " " + key;
    }

    /** Every {@code (kind, key)} in a text, in order (one, unless inputs were merged). */
    static List<String[]> keys(String text) {
        Matcher m = PROMPT.matcher(text == null ? "" : text);
        List<String[]> found = new java.util.ArrayList<>();
        while (m.find()) {
            found.add(new String[] {m.group(1), m.group(2)});
        }
        return found;
    }

    static ModelReply reply(RecordedRequest request) {
        List<JsonNode> items = request.inputItems();
        int prompt = -1;
        String kind = "plain";
        String key = "?";
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if ("user".equals(item.path("role").asText())) {
                for (JsonNode part : item.path("content")) {
                    List<String[]> k = keys(part.path("text").asText(""));
                    if (!k.isEmpty()) {
                        prompt = i;
                        kind = k.get(k.size() - 1)[0];
                        key = k.get(k.size() - 1)[1];
                    }
                }
            }
        }
        for (int i = prompt + 1; i < items.size(); i++) {
            if ("function_call_output".equals(items.get(i).path("type").asText())) {
                return ModelReply.builder().message("done " + kind + " " + key).build();
            }
        }
        return switch (kind) {
            case "slow" -> ModelReply.builder().execCommand("call-" + key, "sleep " + (1 + Math.floorMod(key.hashCode(), 4))).build();
            case "approval" -> ModelReply.builder().execCommandEscalated("call-" + key, "echo " + key, "chaos: needs approval").build();
            default -> ModelReply.builder().message("answer " + key).build();
        };
    }
}
