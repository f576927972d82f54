package dev.codexbridge.example.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scripted model's routing, on request bodies shaped like codex's. */
class OfflineModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OfflineModel model = new OfflineModel();

    private static RecordedRequest request(String inputJson) throws Exception {
        JsonNode body = JSON.readTree("{\"input\":" + inputJson + "}");
        return new RecordedRequest("POST", "/v1/responses", Map.of(), body);
    }

    private static String body(ModelReply reply) {
        return new String(((ModelReply.Stream) reply).body(), StandardCharsets.UTF_8);
    }

    @Test
    void aNewMessageAsksForTheCountingCommandWithOnlySafeCharacters() throws Exception {
        String sse = body(model.apply(request("""
                [{"type":"message","role":"user","content":[{"type":"input_text","text":"it's $(rm -rf /) ok"}]}]""")));
        assertThat(sse).contains("count-1").contains("echo 'it s rm rf ok' | wc -w").contains(OfflineModel.JUSTIFICATION)
                .doesNotContain("$(");
    }

    @Test
    void theCommandsOutputGetsTheReplyQuotingIt() throws Exception {
        String sse = body(model.apply(request("""
                [{"type":"message","role":"user","content":[{"type":"input_text","text":"two words"}]},
                 {"type":"function_call","call_id":"count-1","name":"exec_command","arguments":"{}"},
                 {"type":"function_call_output","call_id":"count-1","output":"Chunk ID: 1\\nProcess exited with code 0\\nOutput:\\n2\\n"}]""")));
        assertThat(sse).contains("The command ran and printed: 2");
    }

    @Test
    void aSecondMessageAfterAnEarlierCallAsksAgainWithTheNextCallId() throws Exception {
        String sse = body(model.apply(request("""
                [{"type":"message","role":"user","content":[{"type":"input_text","text":"first"}]},
                 {"type":"function_call","call_id":"count-1","name":"exec_command","arguments":"{}"},
                 {"type":"function_call_output","call_id":"count-1","output":"1"},
                 {"type":"message","role":"assistant","content":[{"type":"output_text","text":"done"}]},
                 {"type":"message","role":"user","content":[{"type":"input_text","text":"second one"}]}]""")));
        assertThat(sse).contains("count-2").contains("echo 'second one' | wc -w");
    }

    @Test
    void aDeclinedCommandIsSaidSo() {
        assertThat(OfflineModel.reply("exec_command failed: CreateProcess { message: \"Rejected(\\\"rejected by user\\\")\" }"))
                .startsWith("You declined the command");
        assertThat(OfflineModel.reply("Output:\n7\n")).isEqualTo("The command ran and printed: 7");
    }
}
