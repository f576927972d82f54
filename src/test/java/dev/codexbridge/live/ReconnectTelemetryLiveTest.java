package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.support.FaultProxy;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.OtelCapture;
import dev.codexbridge.support.OtlpReceiver;
import dev.codexbridge.support.OtlpReceiver.ReceivedSpan;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.telemetry.CodexTelemetry;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transport.CodexEndpoint;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network to a running WebSocket app-server drops: the client's reconnect is a
 * {@code codex.reconnect} span, the session's background resume a {@code codex.resume} span
 * under it, and the real codex's handling of that {@code thread/resume} hangs under the resume.
 */
class ReconnectTelemetryLiveTest {
    private static final String TOKEN = "reconnect-telemetry-token-7f3a";

    @TempDir
    Path tmp;

    @Test
    void codexsThreadResumeSpanHangsUnderTheLibrarysResumeSpan() throws Exception {
        LiveCodex.binary();
        WireSchema.Recorder wire = new WireSchema.Recorder();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             OtlpReceiver receiver = OtlpReceiver.start();
             OtelCapture otel = new OtelCapture()) {
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).extraToml(receiver.codexOtelToml()).write();
            Path token = tmp.resolve("token");
            Files.writeString(token, TOKEN + "\n");
            SpanData resume;
            SpanData reconnect;
            try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work,
                    List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()));
                 FaultProxy proxy = FaultProxy.tcp(server.uri().getHost(), server.uri().getPort())) {
                CodexEndpoint ep = CodexEndpoint.parse("ws://127.0.0.1:" + proxy.port()).tokenFile(token);
                try (CodexClient client = CodexClient.builder().wireTap(wire).telemetry(CodexTelemetry.of(otel.openTelemetry()))
                        .reconnect(new ReconnectPolicy(5, Duration.ofMillis(50), Duration.ofSeconds(1), 4)).connect(ep);
                     CodexSession session = CodexSession.builder().client(client).cwd(work).build()) {
                    session.start();
                    proxy.cut();
                    await().atMost(Duration.ofSeconds(60)).until(() -> !otel.spansNamed("codex.reconnect").isEmpty());
                    assertThat(client.generation()).isEqualTo(2);
                }
                reconnect = otel.span("codex.reconnect");
                resume = otel.span("codex.resume");
                assertThat(resume.getParentSpanId()).isEqualTo(reconnect.getSpanId());
                assertThat(reconnect.getAttributes().get(AttributeKey.longKey("codex_bridge.reconnect.resumes")))
                        .isEqualTo(1L);
            }
            // codex flushes its exporter as it exits (the server was stopped above)
            await().atMost(Duration.ofSeconds(60)).until(() -> rpc(receiver.spans(), "thread/resume") != null);
            ReceivedSpan codexResume = rpc(receiver.spans(), "thread/resume");
            assertThat(codexResume.traceId()).isEqualTo(reconnect.getTraceId());
            assertThat(codexResume.parentSpanId()).as("codex's thread/resume under the library's resume span")
                    .isEqualTo(resume.getSpanId());
            assertThat(WireSchema.pinned().validateConversation(wire)).isEmpty();
        }
    }

    private static ReceivedSpan rpc(List<ReceivedSpan> spans, String method) {
        return spans.stream().filter(s -> method.equals(s.attributes().get("rpc.method"))).findFirst().orElse(null);
    }
}
