package dev.codexbridge.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OTLP/HTTP receiver for benchmarks: answers 200 to every {@code POST /v1/traces} and counts
 * the spans in each protobuf {@code ExportTraceServiceRequest} (resource_spans = 1 → scope_spans =
 * 2 → spans = 2), so a benchmark can tell exported spans from dropped ones. Metrics and logs are
 * accepted and not counted.
 */
final class OtlpSink implements AutoCloseable {
    private final HttpServer server;
    private final AtomicLong spans = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    private OtlpSink(HttpServer server) {
        this.server = server;
    }

    static OtlpSink start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        OtlpSink sink = new OtlpSink(server);
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (exchange.getRequestURI().getPath().endsWith("/v1/traces")) {
                sink.requests.incrementAndGet();
                sink.spans.addAndGet(countSpans(ByteBuffer.wrap(body)));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "otlp-sink");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return sink;
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long spans() {
        return spans.get();
    }

    long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Spans in one request: the length-delimited fields at path 1/2/2. */
    static long countSpans(ByteBuffer request) {
        long n = 0;
        for (ByteBuffer resourceSpans : fields(request, 1)) {
            for (ByteBuffer scopeSpans : fields(resourceSpans, 2)) {
                n += fields(scopeSpans, 2).size();
            }
        }
        return n;
    }

    /** The length-delimited fields numbered {@code field} of a message; the others are skipped. */
    private static List<ByteBuffer> fields(ByteBuffer message, int field) {
        List<ByteBuffer> out = new ArrayList<>();
        ByteBuffer m = message.duplicate();
        while (m.hasRemaining()) {
            long key = varint(m);
            int wireType = (int) (key & 7);
            switch (wireType) {
                case 0 -> varint(m);
                case 1 -> m.position(m.position() + 8);
                case 5 -> m.position(m.position() + 4);
                case 2 -> {
                    int length = (int) varint(m);
                    if (key >>> 3 == field) {
                        out.add(m.slice(m.position(), length));
                    }
                    m.position(m.position() + length);
                }
                default -> throw new IllegalArgumentException("wire type " + wireType + " in an OTLP request");
            }
        }
        return out;
    }

    private static long varint(ByteBuffer b) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b.get();
            value |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return value;
            }
        }
    }
}
