package dev.codexbridge.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.transcript.CanonicalJson;
import dev.codexbridge.transcript.ItemProjector;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON-text twins (decision 0031): the same value as the Jackson 2 member, and a clear error for bad text. */
class JsonTextTwinsTest {
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"integer\"}}}";

    @Test
    void turnOptionsCarryTheSchemaAndExtraParamsGivenAsText() {
        TurnOptions options = TurnOptions.builder().outputSchemaJson(SCHEMA).extraParamsJson("{\"collaborationMode\":null}").build();
        assertThat(options.outputSchema()).isEqualTo(Json.parse(SCHEMA));
        assertThat(options.outputSchemaJson()).isEqualTo(SCHEMA);
        assertThat(options.extraParamsJson()).isEqualTo("{\"collaborationMode\":null}");
        assertThat(TurnOptions.DEFAULTS.withOutputSchemaJson(SCHEMA)).isEqualTo(TurnOptions.DEFAULTS.withOutputSchema(Json.parse(SCHEMA)));
        assertThat(options.withExtraParamsJson(null).extraParamsJson()).isNull();
        assertThat(TurnOptions.DEFAULTS.outputSchemaJson()).isNull();
    }

    @Test
    void textThatIsNotJsonOrNotAnObjectIsRefusedNamingTheArgument() {
        assertThatThrownBy(() -> TurnOptions.builder().outputSchemaJson("{\"type\":"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("outputSchemaJson is not valid JSON: ");
        assertThatThrownBy(() -> TurnOptions.builder().outputSchemaJson("[1]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("outputSchemaJson must be a JSON object, not an array");
        assertThatThrownBy(() -> ThreadOptions.builder().extraParamsJson("\"x\""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("extraParamsJson must be a JSON object, not a string");
        assertThatThrownBy(() -> DynamicTool.ofJson("t", "d", "true", args -> DynamicTool.Result.text(args)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("inputSchema must be a JSON object, not a boolean");
        assertThatThrownBy(() -> ApprovalDecision.acceptJson("{oops}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("approval content is not valid JSON: ");
    }

    @Test
    void threadOptionsExtraParamsFromTextEqualTheTreeForm() {
        Path here = Path.of(".");
        assertThat(ThreadOptions.builder().cwd(here).extraParamsJson("{\"serviceName\":\"host\"}").build())
                .isEqualTo(ThreadOptions.builder().cwd(here).extraParams(Json.object().put("serviceName", "host")).build());
    }

    @Test
    void approvalFailureAndInputTwinsGiveTheSameJson() {
        ApprovalDecision accept = ApprovalDecision.acceptJson("{\"q1\":[\"a\",\"b\"]}");
        assertThat(accept).isEqualTo(ApprovalDecision.accept(Json.parse("{\"q1\":[\"a\",\"b\"]}")));
        assertThat(accept.contentJson()).isEqualTo("{\"q1\":[\"a\",\"b\"]}");
        assertThat(ApprovalDecision.ofJson(ApprovalChoice.DENY, null, "no")).isEqualTo(ApprovalDecision.deny("no"));
        assertThat(ApprovalDecision.once().contentJson()).isNull();

        TurnFailure failure = TurnFailure.ofJson("quota", ErrorCategory.USAGE_LIMIT, "\"usageLimitExceeded\"");
        assertThat(failure.codexErrorInfo().textValue()).isEqualTo("usageLimitExceeded");
        assertThat(failure.codexErrorInfoJson()).isEqualTo("\"usageLimitExceeded\"");
        assertThat(TurnFailure.ofJson("x", ErrorCategory.USAGE_LIMIT, null).codexErrorInfoJson()).isNull();

        TurnInput input = TurnInput.text("hello");
        assertThat(input.toJsonText()).isEqualTo(input.toJson().toString());
    }

    @Test
    void aJsonTextToolGetsItsArgumentsAsTextAndAnObjectWhenCodexSentNone() throws Exception {
        List<String> seen = new ArrayList<>();
        DynamicTool tool = DynamicTool.ofJson("t", "d", null, args -> {
            seen.add(args);
            return DynamicTool.Result.text("ok");
        });
        assertThat(tool.inputSchemaJson()).isEqualTo("{\"type\":\"object\"}");
        assertThat(tool.specJson()).isEqualTo(Json.write(tool.spec()));
        tool.handler().call(Json.parse("{\"b\":1,\"a\":2}"));
        tool.handler().call(null);
        assertThat(seen).containsExactly("{\"b\":1,\"a\":2}", "{}");
    }

    @Test
    void canonicalTextAndTheProjectorReadJsonText() {
        assertThat(CanonicalJson.writeText("{\"b\":1,\"a\":{\"d\":[2,1],\"c\":null}}")).isEqualTo("{\"a\":{\"c\":null,\"d\":[2,1]},\"b\":1}");
        assertThat(CanonicalJson.writeText("{\"b\":1,\"a\":2}")).isEqualTo(CanonicalJson.write(Json.parse("{\"b\":1,\"a\":2}")));

        ItemProjector projector = new ItemProjector();
        List<TranscriptMessage> out = projector.onNotificationJson("item/completed",
                "{\"threadId\":\"t\",\"turnId\":\"u\",\"item\":{\"type\":\"agentMessage\",\"id\":\"m1\",\"text\":\"Hi\"}}");
        out = new ArrayList<>(out);
        out.addAll(projector.finish());
        assertThat(out).extracting(TranscriptMessage::content).contains("Hi");
    }
}
