package dev.codexbridge.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A loopback HTTP server that speaks the OpenAI Responses API the way codex uses it, so the real
 * codex binary runs whole turns offline. Each {@code POST …/responses} gets the next scripted
 * {@link ModelReply}; {@code GET …/models} answers an empty list. Every request is recorded.
 *
 * <p>A request that finds the script empty is answered 500 and counted in
 * {@link #unscriptedRequests()}, so a test that under-scripts fails loudly rather than hanging.
 */
public final class ScriptedModelServer implements AutoCloseable {
    private static final int ACCEPT_BACKLOG = 1024;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ConcurrentLinkedQueue<ModelReply> script = new ConcurrentLinkedQueue<>();
    private final List<RecordedRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger unscripted = new AtomicInteger();
    private volatile Function<RecordedRequest, ModelReply> responder;
    private volatile boolean recording = true;

    private ScriptedModelServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts on 127.0.0.1 at a free port. */
    public static ScriptedModelServer start() {
        return start(0);
    }

    /**
     * Starts on 127.0.0.1 at {@code port} (0: a free one), e.g. a fixed port that a development
     * setup's CODEX_HOME names across restarts. Every thread it runs is a daemon: a server left open
     * (an application that failed to start) does not keep the JVM alive.
     */
    public static ScriptedModelServer start(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port (0 to 65535; 0 picks a free one)");
        }
        HttpServer server;
        try {
            // hundreds of codex turns may connect at once; a short accept queue drops their SYNs, and
            // TCP's retries (1, 3, 7, 15 s ...) then delay a turn by tens of seconds on a busy machine
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), ACCEPT_BACKLOG);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the scripted model server on 127.0.0.1:" + port + ": "
                    + e.getMessage() + (port != 0 ? " (is the port in use?)" : ""), e);
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, task -> {
            Thread t = new Thread(task, "codex-bridge-model-server-" + threads.incrementAndGet());
            t.setDaemon(true);      // never keeps a test's JVM alive
            return t;
        });
        ScriptedModelServer s = new ScriptedModelServer(server, executor);
        server.createContext("/", s::handle);
        server.setExecutor(executor);
        // the JDK's dispatcher thread takes its daemon flag from the thread that starts the server
        Thread starter = new Thread(server::start, "codex-bridge-model-server-start");
        starter.setDaemon(true);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.close();
            throw new IllegalStateException("interrupted while starting the scripted model server", e);
        }
        return s;
    }

    /** The API base URL to put in codex's provider config, e.g. {@code http://127.0.0.1:41234/v1}. */
    public URI baseUrl() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/v1");
    }

    /** Appends replies to the script, answered in order. */
    public ScriptedModelServer enqueue(ModelReply... replies) {
        Collections.addAll(script, replies);
        return this;
    }

    /**
     * Answers the {@code POST …/responses} requests that find the script empty from the request
     * itself: the way to test conversations that run at once. The script is one queue, so
     * concurrent turns would take its replies in the order their requests arrive, not the one the
     * test meant; a reply function instead routes each request by what it carries
     * ({@link RecordedRequest#lastUserText()}, {@link RecordedRequest#functionCallOutput}). It
     * runs on the server's threads, two at a time, and must not block. {@code null} restores the
     * 500 for an empty script.
     */
    public ScriptedModelServer respondWhenEmpty(@Nullable Function<RecordedRequest, ModelReply> responder) {
        this.responder = responder;
        return this;
    }

    /**
     * Whether requests are kept for {@link #requests()} (default on). Off for long benchmark runs,
     * where each request carries the whole history and keeping them would grow the heap measured.
     */
    public ScriptedModelServer recording(boolean on) {
        this.recording = on;
        return this;
    }

    /** Drops the replies not yet consumed (e.g. after an interrupted turn) and returns how many there were. */
    public int discardRemaining() {
        int n = 0;
        while (script.poll() != null) {
            n++;
        }
        return n;
    }

    /** Replies not yet consumed. */
    public int remaining() {
        return script.size();
    }

    /** Every request received so far, in order. */
    public List<RecordedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Only the {@code POST …/responses} requests. */
    public List<RecordedRequest> responsesRequests() {
        List<RecordedRequest> out = new ArrayList<>();
        for (RecordedRequest r : requests()) {
            if ("POST".equals(r.method()) && r.path().endsWith("/responses")) {
                out.add(r);
            }
        }
        return out;
    }

    /** Requests that arrived when the script was already empty. */
    public int unscriptedRequests() {
        return unscripted.get();
    }

    /** Waits until {@code n} responses requests arrived. */
    public void awaitResponsesRequests(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (responsesRequests().size() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("expected " + n + " model requests, got " + responsesRequests().size());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            RecordedRequest recorded = new RecordedRequest(method, path, headersOf(exchange), parseBody(body));
            if (recording) {
                requests.add(recorded);
            }
            if ("GET".equals(method) && path.endsWith("/models")) {
                send(exchange, 200, "application/json", modelCatalog(), Map.of());
            } else if ("POST".equals(method) && path.endsWith("/responses")) {
                ModelReply reply = script.poll();
                Function<RecordedRequest, ModelReply> fallback = responder;
                if (reply == null && fallback != null) {
                    reply = fallback.apply(recorded);
                }
                if (reply == null) {
                    unscripted.incrementAndGet();
                    send(exchange, 500, "application/json",
                            "{\"error\":{\"message\":\"scripted model server: script exhausted\",\"type\":\"server_error\"}}"
                                    .getBytes(StandardCharsets.UTF_8), Map.of());
                } else if (reply instanceof ModelReply.Stream stream) {
                    send(exchange, 200, "text/event-stream", stream.body(), Map.of("cache-control", "no-cache"));
                } else if (reply instanceof ModelReply.HttpError error) {
                    Map<String, String> headers = new LinkedHashMap<>(error.headers());
                    String type = headers.remove("content-type");
                    send(exchange, error.status(), type == null ? "application/json" : type,
                            error.body().getBytes(StandardCharsets.UTF_8), headers);
                }
            } else {
                send(exchange, 404, "application/json",
                        "{\"error\":{\"message\":\"not found\"}}".getBytes(StandardCharsets.UTF_8), Map.of());
            }
        }
    }

    /**
     * The catalogue codex asks for ({@code GET …/models}, a {@code ModelsResponse}): one entry, the
     * mock model, with the values codex's own fallback metadata has (unified exec, no apply_patch
     * tool, 272k context), so codex behaves as with an unknown slug but without warning about it.
     * Any other slug still gets codex's fallback.
     */
    static byte[] modelCatalog() {
        return MODEL_CATALOG.getBytes(StandardCharsets.UTF_8);
    }

    private static final String MODEL_CATALOG = Json.write(Map.of("models", List.of(mockModelInfo())));

    private static Map<String, Object> mockModelInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("slug", IsolatedCodexHome.MODEL);
        m.put("display_name", "Scripted mock model");
        m.put("description", "codex-bridge's scripted model server");
        m.put("default_reasoning_level", null);
        m.put("supported_reasoning_levels", List.of());
        m.put("shell_type", "default");
        m.put("visibility", "list");
        m.put("supported_in_api", true);
        m.put("priority", 0);
        m.put("base_instructions", "You are codex, run offline against a scripted model: every reply is scripted by a test.");
        m.put("supports_reasoning_summaries", false);
        m.put("default_reasoning_summary", "auto");
        m.put("support_verbosity", false);
        m.put("default_verbosity", null);
        m.put("apply_patch_tool_type", null);
        m.put("web_search_tool_type", "text");
        m.put("truncation_policy", Map.of("mode", "bytes", "limit", 10_000));
        m.put("supports_parallel_tool_calls", true);
        m.put("supports_image_detail_original", false);
        m.put("context_window", 272_000);
        m.put("auto_compact_token_limit", null);
        m.put("experimental_supported_tools", List.of());
        m.put("input_modalities", List.of("text", "image"));
        return m;
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body,
                             Map<String, String> extra) throws IOException {
        exchange.getResponseHeaders().set("content-type", contentType);
        exchange.getResponseHeaders().set("connection", "close");
        extra.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static Map<String, List<String>> headersOf(HttpExchange exchange) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        return out;
    }

    private static JsonNode parseBody(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return Json.mapper().readTree(body);
        } catch (IOException e) {
            return Json.nodes().textNode(new String(body, StandardCharsets.UTF_8));
        }
    }
}
