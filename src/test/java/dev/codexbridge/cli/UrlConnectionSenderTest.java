package dev.codexbridge.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The command line's OTLP sender, driven by the SDK's own OTLP/HTTP span exporter (which finds it
 * through the service file, as in the runnable jar) against a local HTTP server.
 */
class UrlConnectionSenderTest {
    private HttpServer server;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    /** Statuses to answer, in order; 200 once they are used up. */
    private final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();

    private record Request(String path, Map<String, List<String>> headers, byte[] body) {
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            requests.add(new Request(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body));
            Integer status = statuses.poll();
            byte[] answer = status == null || status == 200 ? new byte[0] : "busy".getBytes();
            exchange.sendResponseHeaders(status == null ? 200 : status, answer.length == 0 ? -1 : answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    /** One span through the exporter; the export's own result (the exporter reads the sender's response). */
    private static CompletableResultCode exportOne(OtlpHttpSpanExporter exporter) {
        List<SpanData> finished = new ArrayList<>();
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(new SpanProcessor() {
            @Override
            public void onStart(Context parentContext, ReadWriteSpan span) {
            }

            @Override
            public boolean isStartRequired() {
                return false;
            }

            @Override
            public void onEnd(ReadableSpan span) {
                finished.add(span.toSpanData());
            }

            @Override
            public boolean isEndRequired() {
                return true;
            }
        }).build();
        provider.get("test").spanBuilder("turn").setAttribute("gen_ai.tool.name", "commandExecution").startSpan().end();
        provider.shutdown().join(10, TimeUnit.SECONDS);
        CompletableResultCode result = exporter.export(finished).join(10, TimeUnit.SECONDS);
        exporter.shutdown().join(10, TimeUnit.SECONDS);
        return result;
    }

    @Test
    void theExporterSendsThroughItWithItsHeaders() {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint())
                .addHeader("authorization", "Bearer t0ken").build();

        assertThat(exportOne(exporter).isSuccess()).isTrue();

        assertThat(requests).hasSize(1);
        Request r = requests.peek();
        assertThat(r.path()).isEqualTo("/v1/traces");
        assertThat(r.headers().get("Content-type")).containsExactly("application/x-protobuf");
        assertThat(r.headers().get("Authorization")).containsExactly("Bearer t0ken");
        assertThat(new String(r.body(), ISO_8859_1)).contains("commandExecution");
    }

    @Test
    void gzipIsSentCompressed() throws IOException {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint()).setCompression("gzip").build();

        assertThat(exportOne(exporter).isSuccess()).isTrue();

        Request r = requests.peek();
        assertThat(r.headers().get("Content-encoding")).containsExactly("gzip");
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            assertThat(new String(in.readAllBytes(), ISO_8859_1)).contains("commandExecution");
        }
    }

    @Test
    void aRetryableStatusIsRetriedByThePolicy() {
        statuses.addAll(List.of(503, 429));
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint())
                .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(3).setInitialBackoff(Duration.ofMillis(5)).build()).build();

        assertThat(exportOne(exporter).isSuccess()).isTrue();

        assertThat(requests).hasSize(3);
    }

    @Test
    void anotherStatusIsNotRetriedAndFailsTheExport() {
        statuses.add(400);
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint())
                .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(5).setInitialBackoff(Duration.ofMillis(5)).build()).build();

        assertThat(exportOne(exporter).isSuccess()).isFalse();

        assertThat(requests).hasSize(1);
    }

    @Test
    void retriesStopAtTheAttemptLimit() {
        statuses.addAll(List.of(503, 503, 503, 503));
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint())
                .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(2).setInitialBackoff(Duration.ofMillis(5)).build()).build();

        assertThat(exportOne(exporter).isSuccess()).isFalse();

        assertThat(requests).hasSize(2);
    }

    @Test
    void aCollectorThatIsNotThereFailsTheExportAfterTheRetries() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        AtomicInteger attempts = new AtomicInteger();
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint("http://127.0.0.1:" + closed + "/v1/traces")
                .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(3).setInitialBackoff(Duration.ofMillis(5))
                        .setRetryExceptionPredicate(e -> attempts.incrementAndGet() > 0).build()).build();

        assertThat(exportOne(exporter).isSuccess()).isFalse();

        // asked after the first and the second attempt; the third is the last
        assertThat(attempts).hasValue(2);
    }

    @Test
    void itStartsNoThread() {
        var before = Thread.getAllStackTraces().keySet();
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint()).build();
        assertThat(exportOne(exporter).isSuccess()).isTrue();

        assertThat(Thread.getAllStackTraces().keySet()).allSatisfy(t -> assertThat(before.contains(t)
                || t.getName().startsWith("Keep-Alive") || !t.isAlive()).as(t.getName()).isTrue());
    }
}
