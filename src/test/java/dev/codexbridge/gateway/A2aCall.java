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

/** A blocking {@code SendMessage} (A2A 1.0) into a context, as the tests of this package send it. */
final class A2aCall {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private A2aCall() {
    }

    /** The whole JSON-RPC answer to {@code text} sent into {@code contextId} with {@code token}. */
    static JsonNode send(URI server, String token, String contextId, String text) throws Exception {
        ObjectNode call = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", 1).put("method", "SendMessage");
        ObjectNode m = call.putObject("params").putObject("message").put("messageId", UUID.randomUUID().toString())
                .put("role", "ROLE_USER").put("contextId", contextId);
        m.putArray("parts").addObject().put("text", text);
        HttpRequest request = HttpRequest.newBuilder(server).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("A2A-Version", "1.0").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(call.toString())).build();
        return JSON.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }
}
