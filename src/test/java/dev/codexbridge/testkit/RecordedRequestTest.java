package dev.codexbridge.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The user's words in a Responses request, as codex 0.169.0 sends them: codex's own context comes first. */
class RecordedRequestTest {
    private static RecordedRequest request(String inputJson) {
        return new RecordedRequest("POST", "/v1/responses", Map.of(), Json.parse("{\"model\":\"mock-model\",\"input\":" + inputJson + "}"));
    }

    @Test
    void theLastUserMessageIsTheTurnsInputAlsoWhenAToolsOutputFollowsIt() {
        RecordedRequest followUp = request("["
                + "{\"type\":\"message\",\"role\":\"developer\",\"content\":[{\"type\":\"input_text\",\"text\":\"<permissions>\"}]},"
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"<environment_context>…</environment_context>\"}]},"
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"list \"},{\"type\":\"input_image\",\"image_url\":\"x\"},{\"type\":\"input_text\",\"text\":\"the files\"}]},"
                + "{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"exec_command\",\"arguments\":\"{}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"notes.txt\"}]");
        assertThat(followUp.userTexts()).containsExactly("<environment_context>…</environment_context>", "list the files");
        assertThat(followUp.lastUserText()).contains("list the files");
        assertThat(followUp.functionCallOutput("c1")).contains("notes.txt");
    }

    @Test
    void aMessageWithPlainStringContentCountsAndNoneGivesEmpty() {
        assertThat(request("[{\"role\":\"user\",\"content\":\"hello\"}]").lastUserText()).contains("hello");
        assertThat(request("[]").lastUserText()).isEmpty();
        assertThat(new RecordedRequest("GET", "/v1/models", Map.of(), null).userTexts()).isEqualTo(List.of());
    }
}
