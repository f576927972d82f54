package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.OtelCapture;
import dev.codexbridge.support.OtlpReceiver;
import dev.codexbridge.support.OtlpReceiver.ReceivedSpan;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.telemetry.CodexTelemetry;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One trace from the host through the library into the real codex: codex exports its own spans
 * to an OTLP receiver in the test, the library's go to the SDK in memory, and codex's handling of
 * the requests a turn sent hangs under that turn's span.
 */
class TelemetryLiveTest {
    @TempDir
    Path tmp;

    @Test
    void codexsSpansJoinTheHostsTraceUnderTheTurnSpan() throws Exception {
        LiveCodex.binary();
        WireSchema.Recorder wire = new WireSchema.Recorder();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             OtlpReceiver receiver = OtlpReceiver.start();
             OtelCapture otel = new OtelCapture()) {
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy("on-request")
                    .extraToml(EchoMcpServer.configToml("echo")).extraToml(receiver.codexOtelToml()).write();
            model.enqueue(ModelReply.builder().execCommandEscalated("call-cmd", "echo traced", "Need to run it").build(),
                    ModelReply.builder().mcpCall("call-mcp", "echo", "say", Json.object().put("text", "hi")).build(),
                    ModelReply.message("done"));

            Span host = otel.openTelemetry().getTracer("host").spanBuilder("host request").startSpan();
            TurnResult r;
            try (CodexClient client = CodexClient.connect(CodexClient.builder()
                    .process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).build()).wireTap(wire)
                    .telemetry(CodexTelemetry.of(otel.openTelemetry())).options());
                 CodexSession session = CodexSession.builder().client(client).cwd(work)
                         .approvals(ApprovalPolicy.builder().handler(q -> CompletableFuture.completedFuture(ApprovalDecision.once())).build())
                         .limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO)).build();
                 Scope ignored = host.makeCurrent()) {
                r = session.runTurn(TurnInput.text("run it, then echo"));
            } finally {
                host.end();
            }
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);

            // the library's spans: the turn under the host's span, its tools and the approval under it
            SpanData root = otel.span("host request");
            SpanData turn = otel.span("invoke_agent codex");
            String trace = root.getTraceId();
            assertThat(turn.getTraceId()).isEqualTo(trace);
            assertThat(turn.getParentSpanId()).isEqualTo(root.getSpanId());
            assertThat(turn.getAttributes().get(AttributeKey.stringKey("gen_ai.conversation.id"))).isEqualTo(r.threadId());
            assertThat(turn.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).isPositive();
            SpanData command = otel.span("execute_tool commandExecution");
            assertThat(command.getParentSpanId()).isEqualTo(turn.getSpanId());
            assertThat(command.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.call.id"))).isEqualTo("call-cmd");
            SpanData mcp = otel.span("execute_tool say");
            assertThat(mcp.getParentSpanId()).isEqualTo(turn.getSpanId());
            assertThat(mcp.getAttributes().get(AttributeKey.stringKey("codex_bridge.mcp.server"))).isEqualTo("echo");
            SpanData approval = otel.span("await_approval");
            assertThat(approval.getParentSpanId()).isEqualTo(command.getSpanId());
            assertThat(otel.metric("gen_ai.client.token.usage")).isPresent();
            assertThat(otel.metric("codex_bridge.approvals")).isPresent();

            // codex's spans (it flushes its exporter as it exits): the same trace, under the turn's span
            await().atMost(Duration.ofSeconds(60)).until(() -> rpc(receiver.spans(), "turn/start") != null
                    && rpc(receiver.spans(), "tools/call") != null);
            ReceivedSpan turnStart = rpc(receiver.spans(), "turn/start");
            assertThat(turnStart.traceId()).isEqualTo(trace);
            assertThat(turnStart.parentSpanId()).as("codex's turn/start hangs under the library's turn span").isEqualTo(turn.getSpanId());
            // codex's MCP call of the turn, deep below its turn/start, is in the host's trace too
            ReceivedSpan toolCall = rpc(receiver.spans(), "tools/call");
            assertThat(toolCall.attributes().get("tool.call_id")).isEqualTo("call-mcp");
            assertThat(toolCall.traceId()).isEqualTo(trace);
            List<ReceivedSpan> inTrace = receiver.spans().stream().filter(s -> s.traceId().equals(trace)).toList();
            assertThat(inTrace).as("codex's work for the turn joins the host's trace").hasSizeGreaterThan(10);
            ReceivedSpan initialize = rpc(receiver.spans(), "initialize");
            assertThat(initialize.traceId()).as("the handshake ran under no host span").isNotEqualTo(trace);

            // every message sent, the trace member included, matches the pinned schema
            assertThat(wire.sent()).filteredOn(m -> m.has("trace")).extracting(m -> m.path("method").asText())
                    .contains("thread/start", "turn/start");
            assertThat(WireSchema.pinned().validateConversation(wire)).isEmpty();
        }
    }

    /** codex's server span for the request with that method. */
    private static ReceivedSpan rpc(List<ReceivedSpan> spans, String method) {
        return spans.stream().filter(s -> method.equals(s.attributes().get("rpc.method"))).findFirst().orElse(null);
    }
}
