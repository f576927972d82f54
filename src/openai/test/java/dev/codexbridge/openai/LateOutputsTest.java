package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import org.junit.jupiter.api.Test;

/**
 * Which answers no turn waits for become new input (decision 0137): outputs of calls that were made —
 * by the response continued, or in the history re-sent — each said with the call it answers;
 * never an approval, a call nothing made, or a history on a named conversation.
 */
class LateOutputsTest {
    private static final String ASKED = "{\"id\":\"resp_1\",\"output\":[{\"type\":\"function_call\",\"call_id\":\"call_a\",\"name\":\"weather\","
            + "\"arguments\":\"{}\"},{\"type\":\"function_call\",\"call_id\":\"call_b\",\"name\":\"time\",\"arguments\":\"{}\"},"
            + "{\"type\":\"mcp_approval_request\",\"id\":\"mcpr_1\",\"server_label\":\"codex\",\"name\":\"exec_command\"}]}";

    private static JsonNode body(String previous, String input) {
        return Json.parse("{\"model\":\"codex\"" + (previous == null ? "" : ",\"previous_response_id\":\"" + previous + "\"")
                + ",\"input\":[" + input + "]}");
    }

    private static String output(String callId, String output) {
        return "{\"type\":\"function_call_output\",\"call_id\":\"" + callId + "\",\"output\":\"" + output + "\"}";
    }

    private static ResponseRequest late(JsonNode body, JsonNode previous) {
        return LateOutputs.of(ResponseRequest.of(body), body, previous);
    }

    @Test
    void outputsOfTheContinuedResponsesCallsAreOneMessageSayingWhichCallEachAnswers() {
        ResponseRequest late = late(body("resp_1", output("call_a", "snow") + "," + output("call_b", "noon")), Json.parse(ASKED));

        assertThat(late).isNotNull();
        assertThat(late.answers()).isEmpty();
        assertThat(late.previousResponseId()).isEqualTo("resp_1");
        assertThat(late.messages()).hasSize(1);
        assertThat(late.messages().get(0).role()).isEqualTo("user");
        assertThat(late.messages().get(0).text()).contains("call of weather [call_a]").contains("call of time [call_b]")
                .contains("came after that turn had stopped waiting").contains(":\nsnow").endsWith(":\nnoon");
    }

    @Test
    void anApprovalACallTheResponseDidNotMakeOrAnUnknownResponseIsNot() {
        JsonNode asked = Json.parse(ASKED);
        assertThat(late(body("resp_1", "{\"type\":\"mcp_approval_response\",\"approval_request_id\":\"mcpr_1\",\"approve\":true}"), asked))
                .as("an approval").isNull();
        assertThat(late(body("resp_1", output("call_c", "x")), asked)).as("a call it did not make").isNull();
        assertThat(late(body("resp_1", output("call_a", "x") + "," + output("call_c", "y")), asked)).as("one of them unmade").isNull();
        assertThat(late(body("resp_1", output("call_a", "x")), null)).as("the response unknown").isNull();
    }

    @Test
    void aHistoryReSentWithItsCallsKeepsItsMessagesAndAddsTheOutputsButNotOnANamedConversation() {
        String history = "{\"type\":\"message\",\"role\":\"user\",\"content\":\"weather?\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_a\",\"name\":\"weather\",\"arguments\":\"{}\"}," + output("call_a", "snow");
        ResponseRequest late = late(body(null, history), null);

        assertThat(late).isNotNull();
        assertThat(late.previousResponseId()).isNull();
        assertThat(late.messages()).extracting(Message::role).containsExactly("user", "assistant", "user");
        assertThat(late.messages().get(2).text()).contains("call of weather [call_a]").endsWith("snow");
        assertThat(late(body(null, output("call_a", "snow")), null)).as("no call in the history").isNull();

        JsonNode onConversation = Json.parse("{\"model\":\"codex\",\"conversation\":\"conv_1\",\"input\":[" + history + "]}");
        assertThat(late(onConversation, null)).as("a named conversation").isNull();
    }
}
