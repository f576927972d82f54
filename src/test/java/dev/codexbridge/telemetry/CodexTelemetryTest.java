package dev.codexbridge.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.support.OtelCapture;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Spans, metrics and the trace context on the wire, against an in-memory codex and an in-memory SDK. */
class CodexTelemetryTest {
    private static final String APPROVAL = "{\"threadId\":\"thread-1\",\"turnId\":\"%s\",\"itemId\":\"call-cmd\",\"startedAtMs\":1,"
            + "\"command\":\"ls -la\",\"cwd\":\"/w\"}";
    private static final String COMMAND = "{\"type\":\"commandExecution\",\"id\":\"call-cmd\",\"command\":\"ls -la\",\"cwd\":\"/w\","
            + "\"status\":\"%s\",\"exitCode\":%s,\"aggregatedOutput\":%s,\"commandActions\":[]}";
    private static final String MCP = "{\"type\":\"mcpToolCall\",\"id\":\"call-mcp\",\"server\":\"notes\",\"tool\":\"search_notes\","
            + "\"status\":\"completed\",\"arguments\":{\"query\":\"secret plan\"},\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"found\"}]},\"error\":null}";

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.otel, () -> this.shared, () -> this.session);
    private final FakeCodex codex = fake.codex();
    private final OtelCapture otel = new OtelCapture();
    private CodexSession session;
    private CodexClient shared;

    /** A session on a connection of its own, tracing with {@code telemetry} (null: off). */
    private CodexSession.Builder builder(CodexTelemetry telemetry) {
        return session(CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).telemetry(telemetry));
    }

    private CodexSession.Builder session(CodexSession.Builder b) {
        return b.replaceThreadOptions(ThreadOptions.builder().cwd(Path.of("/work")).model("gpt-test").build())
                .approvals(ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build())
                .limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO));
    }

    /** A turn with a command that asks for approval, an MCP tool call, token usage and an answer. */
    private void scriptToolTurn() {
        codex.onTurnStart = (f, turn) -> {
            f.item("item/started", turn, String.format(COMMAND, "inProgress", "null", "null"));
            f.request("item/commandExecution/requestApproval", String.format(APPROVAL, turn)).join();
            f.item("item/completed", turn, String.format(COMMAND, "completed", "0", "\"total 0\""));
            f.item("item/started", turn, MCP.replace("\"completed\"", "\"inProgress\""));
            f.item("item/completed", turn, MCP);
            f.notify("thread/tokenUsage/updated", "{\"threadId\":\"thread-1\",\"turnId\":\"" + turn + "\",\"tokenUsage\":{"
                    + "\"total\":{\"totalTokens\":30,\"inputTokens\":20,\"cachedInputTokens\":0,\"outputTokens\":10,\"reasoningOutputTokens\":0},"
                    + "\"last\":{\"totalTokens\":30,\"inputTokens\":20,\"cachedInputTokens\":0,\"outputTokens\":10,\"reasoningOutputTokens\":0},"
                    + "\"modelContextWindow\":1000}}");
            f.agentMessage(turn, "listed the files");
            f.completeTurn(turn, "completed", null);
        };
    }

    @Test
    void aTurnIsAnInvokeAgentSpanUnderTheHostsSpanWithToolAndApprovalChildren() {
        scriptToolTurn();
        // on a shared client the session traces with the client's telemetry, and opens its thread on the caller's thread
        shared = CodexClient.connect(CodexClient.builder().transport(codex.factory()).telemetry(CodexTelemetry.of(otel.openTelemetry())).options());
        session = session(CodexSession.builder().client(shared)).build();
        Span host = otel.openTelemetry().getTracer("host").spanBuilder("host request").startSpan();
        TurnResult r;
        try (Scope ignored = host.makeCurrent()) {
            r = session.runTurn(TurnInput.text("list the files"));
        } finally {
            host.end();
        }
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);

        SpanData root = otel.span("host request");
        SpanData turn = otel.span("invoke_agent codex");
        assertThat(turn.getParentSpanId()).isEqualTo(root.getSpanId());
        assertThat(turn.getTraceId()).isEqualTo(root.getTraceId());
        assertThat(turn.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(turn.getAttributes().get(GenAiAttributes.OPERATION_NAME)).isEqualTo("invoke_agent");
        assertThat(turn.getAttributes().get(GenAiAttributes.PROVIDER_NAME)).isEqualTo("openai");
        assertThat(turn.getAttributes().get(GenAiAttributes.REQUEST_MODEL)).isEqualTo("gpt-test");
        assertThat(turn.getAttributes().get(GenAiAttributes.CONVERSATION_ID)).isEqualTo("thread-1");
        assertThat(turn.getAttributes().get(GenAiAttributes.CODEX_VERSION)).as("the version codex's initialize answer gave").isEqualTo("0.169.0");
        assertThat(turn.getAttributes().get(GenAiAttributes.TURN_ID)).isEqualTo(r.turnId());
        assertThat(turn.getAttributes().get(GenAiAttributes.USAGE_INPUT_TOKENS)).isEqualTo(20L);
        assertThat(turn.getAttributes().get(GenAiAttributes.USAGE_OUTPUT_TOKENS)).isEqualTo(10L);
        assertThat(turn.getAttributes().get(GenAiAttributes.TURN_STATUS)).isEqualTo("completed");
        assertThat(turn.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

        SpanData command = otel.span("execute_tool commandExecution");
        assertThat(command.getParentSpanId()).isEqualTo(turn.getSpanId());
        assertThat(command.getAttributes().get(GenAiAttributes.TOOL_CALL_ID)).isEqualTo("call-cmd");
        assertThat(command.getAttributes().get(GenAiAttributes.OPERATION_NAME)).isEqualTo("execute_tool");
        assertThat(command.getAttributes().get(GenAiAttributes.TOOL_STATUS)).isEqualTo("completed");
        assertThat(command.getAttributes().get(GenAiAttributes.EXIT_CODE)).isEqualTo(0L);
        SpanData mcp = otel.span("execute_tool search_notes");
        assertThat(mcp.getParentSpanId()).isEqualTo(turn.getSpanId());
        assertThat(mcp.getAttributes().get(GenAiAttributes.MCP_SERVER)).isEqualTo("notes");
        assertThat(mcp.getAttributes().get(GenAiAttributes.TOOL_NAME)).isEqualTo("search_notes");
        SpanData approval = otel.span("await_approval");
        assertThat(approval.getParentSpanId()).as("the approval waits inside its command's span").isEqualTo(command.getSpanId());
        assertThat(approval.getAttributes().get(GenAiAttributes.APPROVAL_KIND)).isEqualTo("command");
        assertThat(approval.getAttributes().get(GenAiAttributes.APPROVAL_DECISION)).isEqualTo("once");

        // the requests carry the trace: thread/start under the turn's span, turn/start too
        JsonNode turnStart = sent("turn/start");
        assertThat(turnStart.path("trace").path("traceparent").asText())
                .as("Level 1 flags only: codex ignores a traceparent with the random flag")
                .isEqualTo("00-" + turn.getTraceId() + "-" + turn.getSpanId() + "-01");
        assertThat(sent("thread/start").path("trace").path("traceparent").asText()).contains(turn.getSpanId());
        assertThat(sent("initialize").has("trace")).as("no span is current when the client connects").isFalse();

        // no content without opting in
        for (AttributeKey<String> key : List.of(GenAiAttributes.INPUT_MESSAGES, GenAiAttributes.OUTPUT_MESSAGES,
                GenAiAttributes.TOOL_CALL_ARGUMENTS, GenAiAttributes.TOOL_CALL_RESULT)) {
            assertThat(otel.anySpanHas(key)).as("%s recorded without captureContent", key).isFalse();
        }
        assertThat(otel.spans().toString()).doesNotContain("secret plan", "list the files", "listed the files", "ls -la");

        MetricData tokens = otel.metric("gen_ai.client.token.usage").orElseThrow();
        assertThat(tokens.getHistogramData().getPoints()).extracting(p -> p.getAttributes().get(GenAiAttributes.TOKEN_TYPE) + "=" + (long) p.getSum())
                .containsExactlyInAnyOrder("input=20", "output=10");
        HistogramPointData duration = otel.metric("gen_ai.client.operation.duration").orElseThrow().getHistogramData().getPoints().iterator().next();
        assertThat(duration.getCount()).isEqualTo(1);
        assertThat(duration.getAttributes().get(GenAiAttributes.REQUEST_MODEL)).isEqualTo("gpt-test");
        LongPointData turns = otel.metric("codex_bridge.turns").orElseThrow().getLongSumData().getPoints().iterator().next();
        assertThat(turns.getAttributes().get(GenAiAttributes.TURN_STATUS)).isEqualTo("completed");
        LongPointData approvals = otel.metric("codex_bridge.approvals").orElseThrow().getLongSumData().getPoints().iterator().next();
        assertThat(approvals.getAttributes().get(GenAiAttributes.APPROVAL_DECISION)).isEqualTo("once");
        assertThat(otel.metric("codex_bridge.approval.wait").orElseThrow().getHistogramData().getPoints().iterator().next().getCount())
                .isEqualTo(1);
        assertThat(otel.metric("codex_bridge.tool.calls").orElseThrow().getLongSumData().getPoints()).hasSize(2);
        // the shared client, observed while the session is open on it
        assertThat(otel.metric("codex_bridge.client.threads").orElseThrow().getLongSumData().getPoints())
                .singleElement().satisfies(p -> assertThat(p.getValue()).isEqualTo(1));
        assertThat(otel.metric("codex_bridge.client.reconnects").orElseThrow().getLongSumData().getPoints())
                .singleElement().satisfies(p -> assertThat(p.getValue()).isZero());
        assertThat(otel.metric("codex_bridge.client.recycles").orElseThrow().getLongSumData().getPoints())
                .singleElement().satisfies(p -> assertThat(p.getValue()).isZero());
    }

    @Test
    void contentIsRecordedOnlyWhenTheHostOptsIn() {
        scriptToolTurn();
        session = builder(CodexTelemetry.builder(otel.openTelemetry()).captureContent(true).build()).build();
        session.runTurn(TurnInput.text("list the files"));
        SpanData turn = otel.span("invoke_agent codex");
        assertThat(turn.getParentSpanContext().isValid()).as("no host span: the turn is a root").isFalse();
        assertThat(turn.getAttributes().get(GenAiAttributes.INPUT_MESSAGES))
                .isEqualTo("[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"list the files\"}]}]");
        assertThat(turn.getAttributes().get(GenAiAttributes.OUTPUT_MESSAGES)).contains("listed the files");
        SpanData command = otel.span("execute_tool commandExecution");
        assertThat(command.getAttributes().get(GenAiAttributes.TOOL_CALL_ARGUMENTS)).isEqualTo("ls -la");
        assertThat(command.getAttributes().get(GenAiAttributes.TOOL_CALL_RESULT)).isEqualTo("total 0");
        assertThat(otel.span("execute_tool search_notes").getAttributes().get(GenAiAttributes.TOOL_CALL_ARGUMENTS))
                .isEqualTo("{\"query\":\"secret plan\"}");
    }

    @Test
    void aFailedTurnCarriesItsCategoryAsErrorTypeAndADeclinedCommandFailsItsSpan() {
        codex.onTurnStart = (f, turn) -> {
            f.item("item/completed", turn, String.format(COMMAND, "declined", "null", "null"));
            f.completeTurn(turn, "failed", "{\"message\":\"Your access token could not be refreshed\",\"codexErrorInfo\":\"unauthorized\"}");
        };
        session = builder(CodexTelemetry.of(otel.openTelemetry())).build();
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        SpanData turn = otel.span("invoke_agent codex");
        assertThat(turn.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(turn.getAttributes().get(GenAiAttributes.ERROR_TYPE)).isEqualTo(r.error().category().wire());
        SpanData command = otel.span("execute_tool commandExecution");
        assertThat(command.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(command.getAttributes().get(GenAiAttributes.ERROR_TYPE)).isEqualTo("declined");
        LongPointData turns = otel.metric("codex_bridge.turns").orElseThrow().getLongSumData().getPoints().iterator().next();
        assertThat(turns.getAttributes().get(GenAiAttributes.ERROR_TYPE)).isEqualTo(r.error().category().wire());
    }

    @Test
    void theTurnNamesTheCodexThatRanItANewerOneIncluded() {
        codex.userAgent = "codex_bridge/0.172.0 (Linux 6.1; x86_64) xterm";
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "hi");
            f.completeTurn(turn, "completed", null);
        };
        session = builder(CodexTelemetry.of(otel.openTelemetry())).build();
        assertThat(session.runTurn(TurnInput.text("go")).status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(otel.span("invoke_agent codex").getAttributes().get(GenAiAttributes.CODEX_VERSION)).isEqualTo("0.172.0");
    }

    @Test
    void withoutTelemetryRequestsCarryNoTraceEvenUnderAHostSpan() {
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "hi");
            f.completeTurn(turn, "completed", null);
        };
        session = builder(null).build();
        Span host = otel.openTelemetry().getTracer("host").spanBuilder("host request").startSpan();
        try (Scope ignored = host.makeCurrent()) {
            session.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE);
        } finally {
            host.end();
        }
        assertThat(codex.received()).filteredOn(m -> m.has("method")).allSatisfy(m -> assertThat(m.has("trace")).isFalse());
        assertThat(otel.names()).containsExactly("host request");
    }

    private JsonNode sent(String method) {
        return codex.received().stream().filter(m -> method.equals(m.path("method").asText())).findFirst().orElseThrow();
    }
}
