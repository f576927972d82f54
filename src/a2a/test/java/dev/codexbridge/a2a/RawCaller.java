package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * JSON-RPC by hand, for what the SDK's client does not let a test set or read as plainly: a
 * chosen context id, message metadata, the raw error of a refusal.
 */
final class RawCaller {
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI uri;
    private final String token;

    RawCaller(URI uri, String token) {
        this.uri = uri;
        this.token = token;
    }

    /** A user message of {@code text}, in {@code contextId} when not null. */
    static ObjectNode message(String text, String contextId) {
        ObjectNode m = A2aWire.object().put("kind", "message").put("role", "user").put("messageId", UUID.randomUUID().toString());
        m.putArray("parts").add(A2aWire.textPart(text));
        if (contextId != null) {
            m.put("contextId", contextId);
        }
        return m;
    }

    static ObjectNode params(ObjectNode message) {
        ObjectNode p = A2aWire.object();
        p.set("message", message);
        return p;
    }

    /** The whole JSON-RPC response: {@code result} or {@code error}. */
    JsonNode call(String method, ObjectNode params) throws Exception {
        HttpResponse<String> r = http.send(request(method, params), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
        }
        return A2aWire.JSON.readTree(r.body());
    }

    /** The task a blocking {@code message/send} answers. */
    JsonNode send(ObjectNode message) throws Exception {
        JsonNode r = call("message/send", params(message));
        if (!r.has("result")) {
            throw new AssertionError("message/send failed: " + r);
        }
        return r.path("result");
    }

    /**
     * A blocking {@code message/send} whose caller gives up after {@code patience} with no answer (a
     * client's timeout, a cut connection): the call is left to the server.
     */
    void sendGivingUp(ObjectNode message, java.time.Duration patience) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(request("message/send", params(message)), (n, v) -> true).timeout(patience).build();
        try {
            http.send(r, HttpResponse.BodyHandlers.ofString());
            throw new AssertionError("answered within " + patience + ": the test's turn is not long enough");
        } catch (java.net.http.HttpTimeoutException expected) {
            // no answer: the caller cannot know whether its message ran
        }
    }

    /** Every event of a {@code message/stream} (each a JSON-RPC result), to the stream's end. */
    List<JsonNode> stream(ObjectNode message) throws Exception {
        return events("message/stream", params(message));
    }

    /** Every event of a streaming call (each a JSON-RPC result), to the stream's end. */
    List<JsonNode> events(String method, ObjectNode params) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        HttpResponse<Stream<String>> r = http.send(request(method, params), HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = r.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("data: ")) {
                    events.add(A2aWire.JSON.readTree(line.substring(6)).path("result"));
                }
            }
        }
        return events;
    }

    private HttpRequest request(String method, ObjectNode params) throws Exception {
        ObjectNode body = A2aWire.object().put("jsonrpc", "2.0").put("id", UUID.randomUUID().toString()).put("method", method);
        body.set("params", params);
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(A2aWire.JSON.writeValueAsString(body))).build();
    }
}
