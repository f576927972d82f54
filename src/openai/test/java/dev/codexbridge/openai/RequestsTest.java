package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.json.Json;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.protocol.UserInput;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two APIs' request bodies: what is taken, what is accepted and ignored, and each refusal naming its parameter. */
class RequestsTest {
    private static OpenAiError refusal(Runnable parse) {
        try {
            parse.run();
        } catch (OpenAiError e) {
            return e;
        }
        throw new AssertionError("not refused");
    }

    @Test
    void aResponseRequestTakesTextOrMessagesInstructionsEffortAndASchema() {
        ResponseRequest r = ResponseRequest.of(Json.parse("""
                {"model":"gpt-5","instructions":"be brief","temperature":0.2,"max_output_tokens":50,
                 "input":[{"role":"user","content":[{"type":"input_text","text":"hello"}]}],
                 "reasoning":{"effort":"low"},"store":false,"metadata":{"a":"b"},
                 "text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"},"strict":true}}}"""));
        assertThat(r.messages()).containsExactly(new Message("user", List.of(new Message.Part("hello", null))));
        assertThat(r.instructions()).isEqualTo("be brief");
        assertThat(r.effort()).isEqualTo("low");
        assertThat(r.store()).isFalse();
        assertThat(r.outputSchema()).isEqualTo(Json.parse("{\"type\":\"object\"}"));
        assertThat(ResponseRequest.of(Json.parse("{\"input\":\"hi\"}")).messages().get(0).text()).isEqualTo("hi");
        // the door's own output items sent back as input (the Agents SDK's input list) are history codex already has
        ResponseRequest resent = ResponseRequest.of(Json.parse("""
                {"input":[{"role":"user","content":"list the files"},
                          {"type":"reasoning","id":"rs_1","summary":[]},
                          {"type":"mcp_call","id":"mcp_1","server_label":"codex","name":"exec_command","arguments":"{}"},
                          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"One file.","annotations":[]}]},
                          {"role":"user","content":"which?"}]}"""));
        assertThat(resent.messages()).extracting(Message::role).containsExactly("user", "assistant", "user");
    }

    @Test
    void whatCodexCannotHonourIsRefusedNamingTheParameter() {
        assertThat(refusal(() -> ResponseRequest.of(Json.parse("{\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}]}")))
                .param).isEqualTo("tools[0].type");
        assertThat(refusal(() -> ResponseRequest.of(Json.parse("{\"input\":\"hi\",\"tools\":[{\"type\":\"function\",\"name\":\"a b\"}]}")))
                .param).isEqualTo("tools[0].name");
        assertThat(refusal(() -> ResponseRequest.of(Json.parse("{\"input\":\"hi\",\"tools\":[{\"type\":\"function\",\"name\":\"exec_command\"}]}")))
                .param).isEqualTo("tools[0].name");
        assertThat(refusal(() -> ResponseRequest.of(Json.parse("{\"input\":\"hi\",\"tool_choice\":\"required\"}"))).param)
                .isEqualTo("tool_choice");
        assertThat(refusal(() -> ResponseRequest.of(Json.parse("{\"input\":\"hi\",\"background\":true,\"store\":false}"))).param)
                .as("a background response is kept to be read").isEqualTo("background");
        assertThat(ResponseRequest.of(Json.parse("{\"input\":\"hi\",\"background\":true}")).background()).isTrue();
        assertThat(refusal(() -> ResponseRequest.of(Json.parse("{\"input\":[{\"type\":\"function_call_output\"}]}")))
                .param).isEqualTo("input[0].call_id");
        assertThat(refusal(() -> ResponseRequest.of(Json.parse(
                "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"image_url\":\"https://x/y.png\"}]}]}"))).param)
                .isEqualTo("input[0].content[0].image_url");
        assertThat(refusal(() -> ResponseRequest.of(Json.parse("{\"input\":\"hi\",\"reasoning\":{\"effort\":\"huge\"}}"))).param)
                .isEqualTo("reasoning.effort");
        assertThat(refusal(() -> ResponseRequest.of(Json.parse("{}"))).param).isEqualTo("input");
        assertThat(refusal(() -> ChatRequest.of(Json.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":2}"))).param)
                .isEqualTo("n");
        assertThat(refusal(() -> ChatRequest.of(Json.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":true}")))
                .param).isEqualTo("logprobs");
        assertThat(refusal(() -> ChatRequest.of(Json.parse(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"json_object\"}}"))).param)
                .isEqualTo("response_format");
        assertThat(refusal(() -> ChatRequest.of(Json.parse("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}"))).param)
                .isEqualTo("messages[0].tool_call_id");
        assertThat(refusal(() -> ChatRequest.of(Json.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}"))).param).isEqualTo("tool_choice");
        OpenAiError e = refusal(() -> ChatRequest.of(Json.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[\"x\"]}")));
        assertThat(e.status).isEqualTo(400);
        assertThat(e.body().path("error").path("param").asText()).isEqualTo("stop");
        assertThat(e.body().path("error").path("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void functionToolsTheirOutputsAndApprovalsAreReadFromEitherApi() {
        ResponseRequest r = ResponseRequest.of(Json.parse("""
                {"tools":[{"type":"function","name":"weather","description":"d","parameters":{"type":"object"},"strict":true}],
                 "tool_choice":"none",
                 "input":[{"role":"user","content":"weather?"},
                          {"type":"function_call","call_id":"call_1","name":"weather","arguments":"{\\"city\\":\\"Oslo\\"}"},
                          {"type":"function_call_output","call_id":"call_1","output":"sunny"},
                          {"type":"mcp_approval_response","approval_request_id":"mcpr_1","approve":false,"reason":"no"}]}"""));
        assertThat(r.tools()).extracting(FunctionTool::name).containsExactly("weather");
        assertThat(r.toolChoice()).isEqualTo("none");
        assertThat(r.answers()).containsOnlyKeys("call_1", "mcpr_1");
        assertThat(r.answers().get("call_1").output()).isEqualTo("sunny");
        assertThat(r.answers().get("mcpr_1").approve()).isFalse();
        assertThat(r.answers().get("mcpr_1").reason()).isEqualTo("no");
        // the call before its output is history: codex's thread has it
        assertThat(r.messages()).extracting(Message::role).containsExactly("user", "assistant");

        ChatRequest c = ChatRequest.of(Json.parse("""
                {"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}],
                 "messages":[{"role":"user","content":"weather?"},
                             {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                              "function":{"name":"weather","arguments":"{}"}}]},
                             {"role":"tool","tool_call_id":"call_1","content":"sunny"}]}"""));
        assertThat(c.tools()).extracting(FunctionTool::name).containsExactly("weather");
        assertThat(c.answers().get("call_1").output()).isEqualTo("sunny");
        assertThat(c.messages().get(1).text()).contains("weather", "call_1");
    }

    @Test
    void aChatRequestAcceptsSamplingSettingsAndTakesItsSchemaAndUsageOption() {
        ChatRequest c = ChatRequest.of(Json.parse("""
                {"model":"m","temperature":0.7,"max_tokens":100,"seed":1,"stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"system","content":"be kind"},{"role":"user","content":[{"type":"text","text":"hi"}]}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}}}"""));
        assertThat(c.includeUsage()).isTrue();
        assertThat(c.outputSchema()).isEqualTo(Json.parse("{\"type\":\"object\"}"));
        assertThat(c.messages()).extracting(Message::role).containsExactly("system", "user");
    }

    @Test
    void instructionsAndUnseenHistoryReachCodexAsLabelledTextAheadOfTheNewMessage() {
        List<Message> messages = List.of(new Message("system", List.of(new Message.Part("be kind", null))),
                new Message("user", List.of(new Message.Part("first", null))),
                new Message("assistant", List.of(new Message.Part("answer one", null))),
                new Message("user", List.of(new Message.Part("second", null))));
        TurnInput input = TurnText.of(null, messages, 3, "messages");
        String text = ((UserInput.Text) input.toUserInputs().get(0)).text();
        assertThat(text).contains("be kind", "user: first", "assistant: answer one");
        assertThat(text).endsWith("The new message:\n\nsecond");
        // a lone new message goes as it is
        TurnInput alone = TurnText.of(null, messages.subList(3, 4), 0, "messages");
        assertThat(((UserInput.Text) alone.toUserInputs().get(0)).text()).isEqualTo("second");
    }
}
