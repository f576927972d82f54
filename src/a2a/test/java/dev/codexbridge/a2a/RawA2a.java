package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

/** Plain HTTP calls to the server, for what the SDK clients do not reach: push delivery, auth failures, raw error shapes. */
final class RawA2a {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;

    RawA2a(URI base) {
        this.base = base;
    }

    /** A JSON-RPC call under {@code A2A-Version: 1.0}; the whole response (result or error). */
    JsonNode rpc(String bearer, String method, JsonNode params) throws Exception {
        ObjectNode req = A2aWire.object().put("jsonrpc", "2.0").put("id", 1).put("method", method);
        req.set("params", params);
        HttpResponse<String> r = post(base, bearer, req.toString());
        return A2aWire.JSON.readTree(r.body());
    }

    /** A JSON-RPC call of A2A 0.3's, without a version header, as 0.3 clients send it. */
    JsonNode rpc03(String bearer, String method, JsonNode params) throws Exception {
        ObjectNode req = A2aWire.object().put("jsonrpc", "2.0").put("id", 1).put("method", method);
        req.set("params", params);
        return A2aWire.JSON.readTree(post(base, bearer, req.toString(), null).body());
    }

    HttpResponse<String> post(URI uri, String bearer, String body) throws Exception {
        return post(uri, bearer, body, "1.0");
    }

    HttpResponse<String> post(URI uri, String bearer, String body, String version) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (version != null) {
            b.header("A2A-Version", version);
        }
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String bearer) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + bearer).header("A2A-Version", "1.0")
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** 1.0's SendMessage params: a user text message, and a push config to set with it when {@code pushUrl} is not null. */
    static ObjectNode send(String text, URI pushUrl, String token, boolean returnImmediately) {
        ObjectNode p = A2aWire.object();
        ObjectNode m = p.putObject("message").put("messageId", UUID.randomUUID().toString()).put("role", "ROLE_USER");
        m.putArray("parts").addObject().put("text", text);
        ObjectNode c = p.putObject("configuration").put("returnImmediately", returnImmediately);
        if (pushUrl != null) {
            ObjectNode push = c.putObject("taskPushNotificationConfig").put("url", pushUrl.toString()).put("token", token);
            push.putObject("authentication").put("scheme", "Bearer").put("credentials", "hook-secret");
        }
        return p;
    }
}
