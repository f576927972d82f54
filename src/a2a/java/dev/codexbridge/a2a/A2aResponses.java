package dev.codexbridge.a2a;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * How the {@link A2aServer} writes its answers on Jetty: a JSON body, a task's events as an SSE
 * stream (kept alive while the task is quiet), a one-event stream, or a plain-text refusal.
 */
final class A2aResponses {
    /** How long an SSE stream may be silent before a keep-alive comment is written. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private A2aResponses() {
    }

    static void reply(Response response, Callback callback, A2aReply r) throws JsonProcessingException {
        if (r instanceof A2aReply.Body b) {
            json(response, callback, b.status(), A2aWire.JSON.writeValueAsBytes(b.json()));
        } else if (r instanceof A2aReply.Stream s) {
            sse(response, callback, s);
        }
    }

    /** Writes a stream's events as SSE, each framed by its binding, until the task pauses. */
    private static void sse(Response response, Callback callback, A2aReply.Stream s) {
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            while (true) {
                ObjectNode event = s.events().next(HEARTBEAT);
                if (event == null) {
                    if (s.events().done()) {
                        break;
                    }
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                } else {
                    if (event.path("final").asBoolean()) {
                        // the task paused or ended: told here only once every replica answers it so
                        s.task().recorded();
                    }
                    out.write(("data: " + A2aWire.JSON.writeValueAsString(s.frame().apply(event)) + "\n\n").getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
            }
            callback.succeeded();
        } catch (IOException e) {
            // the client went away: it can resubscribe
            callback.failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } finally {
            s.task().unsubscribe(s.events());
        }
    }

    /** An SSE stream of one event, then its end. */
    static void sseOnce(Response response, Callback callback, JsonNode event) throws JsonProcessingException {
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        Content.Sink.write(response, true, "data: " + A2aWire.JSON.writeValueAsString(event) + "\n\n", callback);
    }

    static void json(Response response, Callback callback, int status, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * A refusal answered before the request's body was read (or while it was): a JSON error body,
     * the connection closed after it as for {@link #plain}.
     */
    static void refusal(Response response, Callback callback, int status, JsonNode body) throws JsonProcessingException {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        json(response, callback, status, A2aWire.JSON.writeValueAsBytes(body));
    }

    /**
     * An error answered before the request's body was read: the connection is closed after it
     * (said in the header, so a client does not send its next request on a connection the server
     * is about to drop with the unread body).
     */
    static void plain(Response response, Callback callback, int status, String text) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        Content.Sink.write(response, true, text + "\n", callback);
    }
}
