package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A turn's events on their way to the caller as server-sent events: the turn's listener puts them
 * here (it must not block), the request's own thread writes them, a comment line keeping the
 * connection alive while codex is quiet (the SDKs skip comments). Ends with {@link #end}, after
 * which an optional last line (Chat Completions' {@code [DONE]}) is written.
 */
final class SseStream {
    /** How long the stream may be silent before a keep-alive comment is written. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final ObjectNode END = Json.object();

    private final BlockingQueue<ObjectNode> events = new LinkedBlockingQueue<>();

    void add(ObjectNode event) {
        events.add(event);
    }

    void end() {
        events.add(END);
    }

    /**
     * Writes every event until the end, each framed by {@code frame} (the SSE lines for one
     * event); throws {@link IOException} when the caller went away.
     */
    void writeTo(HttpExchange http, Function<ObjectNode, String> frame, String last) throws IOException, InterruptedException {
        http.status(200);
        http.header("Content-Type", "text/event-stream; charset=utf-8");
        http.header("Cache-Control", "no-cache");
        try (OutputStream out = http.stream()) {
            writeTo(out, frame, last);
        }
    }

    /** Writes every event until the end to {@code out}, flushed after each. */
    void writeTo(OutputStream out, Function<ObjectNode, String> frame, String last) throws IOException, InterruptedException {
        while (true) {
            ObjectNode event = events.poll(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
            if (event == END) {
                if (!last.isEmpty()) {
                    out.write(last.getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
                return;
            }
            out.write((event == null ? ": keep-alive\n\n" : frame.apply(event)).getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** The Responses API's framing: the event's type named, then its JSON. */
    static String typed(ObjectNode event) {
        return "event: " + event.path("type").asText() + "\ndata: " + Json.write(event) + "\n\n";
    }

    /** Chat Completions' framing: data lines only. */
    static String data(ObjectNode event) {
        return "data: " + Json.write(event) + "\n\n";
    }
}
