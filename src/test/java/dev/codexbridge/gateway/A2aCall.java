package dev.codexbridge.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

/** A blocking {@code SendMessage} (A2A 1.0) into a context, and any other call, as the tests of this package send them. */
final class A2aCall {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private A2aCall() {
    }

    /** The whole JSON-RPC answer to {@code text} sent into {@code contextId} with {@code token}. */
    static JsonNode send(URI server, String token, String contextId, String text) throws Exception {
        return JSON.readTree(rpc(server, token, "1.0", "SendMessage", message(contextId, text)).body());
    }

    /** {@code SendMessage}'s params: {@code text} into {@code contextId}. */
    static ObjectNode message(String contextId, String text) {
        ObjectNode params = JSON.createObjectNode();
        ObjectNode m = params.putObject("message").put("messageId", UUID.randomUUID().toString())
                .put("role", "ROLE_USER").put("contextId", contextId);
        m.putArray("parts").addObject().put("text", text);
        return params;
    }

    /** A JSON-RPC call of {@code version} ("1.0", or "0.3": no {@code A2A-Version} header), answered as it is (a stream's body whole). */
    static HttpResponse<String> rpc(URI server, String token, String version, String method, JsonNode params) throws Exception {
        ObjectNode call = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", 1).put("method", method);
        call.set("params", params);
        HttpRequest.Builder b = HttpRequest.newBuilder(server).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(call.toString()));
        if (!version.equals("0.3")) {
            b.header("A2A-Version", version);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An HTTP+JSON call ({@code body} null: none), answered as it is. */
    static HttpResponse<String> rest(URI server, String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("A2A-Version", "1.0").header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
