package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An OTLP/HTTP receiver for traces, JSON (codex's own exporter) or binary protobuf (the Java
 * SDK's, which has no JSON): every span POSTed to {@code /v1/traces} is kept (logs and metrics
 * are accepted and dropped).
 */
public final class OtlpReceiver implements AutoCloseable {
    /** One span as codex exported it: ids in hex, attributes flattened to strings. */
    public record ReceivedSpan(String name, String traceId, String spanId, String parentSpanId, Map<String, String> attributes,
                               String service) {
    }

    private final HttpServer server;
    /** Counts the binary requests' spans without keeping them (a benchmark's receiver, kept light). */
    private final boolean countOnly;
    private long counted;
    private final List<ReceivedSpan> spans = new ArrayList<>();
    private final List<RuntimeException> failures = new ArrayList<>();
    private final Map<String, Integer> posts = new HashMap<>();

    private OtlpReceiver(HttpServer server, boolean countOnly) {
        this.server = server;
        this.countOnly = countOnly;
    }

    public static OtlpReceiver start() throws IOException {
        return start(false);
    }

    /** A receiver that only counts the spans of binary (protobuf) requests: see {@link #spanCount}. */
    public static OtlpReceiver counting() throws IOException {
        return start(true);
    }

    private static OtlpReceiver start(boolean countOnly) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        OtlpReceiver receiver = new OtlpReceiver(server, countOnly);
        server.createContext("/", exchange -> {
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            boolean protobuf = type != null && type.startsWith("application/x-protobuf");
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                receiver.posted(exchange.getRequestURI().getPath() + " " + (protobuf ? "protobuf" : "json"));
                if (exchange.getRequestURI().getPath().equals("/v1/traces")) {
                    if (protobuf && receiver.countOnly) {
                        receiver.count(OtlpProtobuf.countSpans(body));
                    } else if (protobuf) {
                        receiver.add(OtlpProtobuf.spans(body));
                    } else {
                        receiver.accept(Json.parse(new String(body, StandardCharsets.UTF_8)));
                    }
                }
            } catch (RuntimeException e) {
                receiver.failed(e);
                exchange.sendResponseHeaders(400, -1);
                exchange.close();
                return;
            }
            // an empty ExportTraceServiceResponse in either encoding
            byte[] answer = protobuf ? new byte[0] : "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", protobuf ? "application/x-protobuf" : "application/json");
            exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        return receiver;
    }

    /** The base address; codex's exporter wants {@code base + "/v1/traces"}. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The {@code [otel]} table that makes codex export its traces here. */
    public String codexOtelToml() {
        return "[otel]\nenvironment = \"test\"\ntrace_exporter = { otlp-http = { endpoint = \"" + baseUrl()
                + "/v1/traces\", protocol = \"json\" } }\n";
    }

    public synchronized List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    /** How many requests arrived per path and encoding ({@code "/v1/metrics json"}). */
    public synchronized Map<String, Integer> posts() {
        return Map.copyOf(posts);
    }

    private synchronized void posted(String pathAndEncoding) {
        posts.merge(pathAndEncoding, 1, Integer::sum);
    }

    /** The requests it could not read (a test's message shows them). */
    public synchronized List<RuntimeException> failures() {
        return List.copyOf(failures);
    }

    private synchronized void failed(RuntimeException e) {
        failures.add(e);
    }

    private synchronized void add(List<ReceivedSpan> received) {
        spans.addAll(received);
        counted += received.size();
    }

    private synchronized void count(long received) {
        counted += received;
    }

    /** Every span received so far, kept or only counted. */
    public synchronized long spanCount() {
        return counted;
    }

    private synchronized void accept(JsonNode body) {
        for (JsonNode resource : body.path("resourceSpans")) {
            String service = "";
            for (JsonNode a : resource.path("resource").path("attributes")) {
                if (a.path("key").asText().equals("service.name")) {
                    service = a.path("value").path("stringValue").asText();
                }
            }
            for (JsonNode scope : resource.path("scopeSpans")) {
                for (JsonNode span : scope.path("spans")) {
                    Map<String, String> attributes = new HashMap<>();
                    for (JsonNode a : span.path("attributes")) {
                        JsonNode value = a.path("value");
                        attributes.put(a.path("key").asText(), value.isObject() && value.size() > 0
                                ? value.elements().next().asText() : value.asText());
                    }
                    spans.add(new ReceivedSpan(span.path("name").asText(), span.path("traceId").asText(),
                            span.path("spanId").asText(), span.path("parentSpanId").asText(""), attributes, service));
                    counted++;
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
