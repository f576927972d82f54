package dev.codexbridge.mcp;

import static dev.codexbridge.mcp.HttpProbe.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.json.Json;
import dev.codexbridge.mcp.HttpProbe.Answer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every error body of the Streamable HTTP endpoint, the SDK's and the container's included, as a
 * client sending what it should not meets it: a JSON-RPC error object with {@code id} null, a code
 * and a short message, and no exception text (no {@code stackTrace}, no Java class name). No codex
 * needed: nothing here reaches a session.
 */
class McpErrorBodiesTest {
    private static final String ALICE = "alice-token-0123456789";
    private static final String BOB = "bob-token-9876543210xx";
    private static final String LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
    /** A qualified Java name (java.lang.String, io.modelcontextprotocol.spec.McpError), an exception's or a nested class's name. */
    static final Pattern JAVA = Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*|\\w+(Exception|Error)\\b|\\w\\$\\w"
            + "|stackTrace|\\bat [a-z]+\\.");

    private CodexMcpServer server;
    private McpHttpServer http;

    @BeforeEach
    void start() {
        server = CodexMcpServer.builder().sessions(NoCodex.sessions()).limits(McpLimits.DEFAULTS.withSessionsPerPrincipal(2)).build();
        http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob"))).start();
    }

    @AfterEach
    void stop() {
        http.close();
        server.close();
    }

    @Test
    void everyRefusalIsAJsonRpcErrorWithoutJava() throws IOException {
        URI uri = http.uri();
        String session = open(ALICE);
        open(ALICE);
        String bobs = open(BOB);
        Map<String, Answer> answers = new LinkedHashMap<>();
        // the SDK's own refusals
        answers.put("a session never given out", send(uri, "POST", ALICE, "no-such-session", Map.of(), LIST));
        answers.put("a batch", send(uri, "POST", ALICE, session, Map.of(), "[" + LIST + "," + LIST + "]"));
        answers.put("a response to an id never sent", send(uri, "POST", ALICE, session, Map.of(),
                "{\"jsonrpc\":\"2.0\",\"id\":\"never-sent\",\"result\":{}}"));
        answers.put("an error response to an id never sent", send(uri, "POST", ALICE, session, Map.of(),
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-1,\"message\":\"no\"}}"));
        answers.put("no JSON", send(uri, "POST", ALICE, session, Map.of(), "{not json"));
        answers.put("an empty body", send(uri, "POST", ALICE, session, Map.of(), ""));
        answers.put("JSON that is no JSON-RPC message", send(uri, "POST", ALICE, session, Map.of(), "{\"hello\":[1,2]}"));
        answers.put("a JSON string", send(uri, "POST", ALICE, session, Map.of(), "\"tools/list\""));
        answers.put("a method that is no string", send(uri, "POST", ALICE, session, Map.of(),
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":{\"x\":1}}"));
        answers.put("a text body", send(uri, "POST", ALICE, session, Map.of("Content-Type", "text/plain"), LIST));
        answers.put("no Accept of streams", send(uri, "POST", ALICE, session, Map.of("Accept", "application/json"), LIST));
        answers.put("a request without a session", send(uri, "POST", ALICE, null, Map.of(), LIST));
        answers.put("a GET without a session", send(uri, "GET", ALICE, null, Map.of("Accept", "text/event-stream"), null));
        answers.put("a GET of a session never given out", send(uri, "GET", ALICE, "no-such-session", Map.of("Accept", "text/event-stream"), null));
        answers.put("a GET not taking a stream", send(uri, "GET", ALICE, session, Map.of("Accept", "application/json"), null));
        answers.put("a GET resuming an unknown stream", send(uri, "GET", ALICE, session,
                Map.of("Accept", "text/event-stream", "Last-Event-ID", "0123456789abcdef0123456789abcdef-1"), null));
        answers.put("a DELETE without a session", send(uri, "DELETE", ALICE, null, Map.of(), null));
        answers.put("a DELETE of a session never given out", send(uri, "DELETE", ALICE, "no-such-session", Map.of(), null));
        answers.put("PUT", send(uri, "PUT", ALICE, session, Map.of(), "{}"));
        // the gate's and the container's
        answers.put("another principal's session", send(uri, "POST", ALICE, bobs, Map.of(), LIST));
        answers.put("no token", send(uri, "POST", null, null, Map.of(), LIST));
        answers.put("a wrong token", send(uri, "POST", "wrong-token-0123456789", null, Map.of(), LIST));
        answers.put("a foreign origin", send(uri, "POST", ALICE, session, Map.of("Origin", "http://evil.example"), LIST));
        answers.put("an unknown protocol version", send(uri, "POST", ALICE, session, Map.of("MCP-Protocol-Version", "1999-01-01"), LIST));
        answers.put("one session too many", send(uri, "POST", ALICE, null, Map.of(), HttpProbe.INITIALIZE));
        answers.put("a body too large", send(uri, "POST", ALICE, session, Map.of(), "\"" + "x".repeat(5 * 1024 * 1024) + "\""));
        answers.put("another path", send(uri.resolve("/elsewhere"), "GET", ALICE, null, Map.of(), null));
        answers.put("a header too large", HttpProbe.exchange(uri, ("GET /mcp HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nX-Big: " + "x".repeat(64 * 1024) + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8), new byte[0]));
        answers.put("a broken request line", HttpProbe.exchange(uri, ("GET /mcp%zz HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8), new byte[0]));

        Map<String, String> wrong = new LinkedHashMap<>();
        answers.forEach((what, a) -> {
            String why = notAJsonRpcError(a);
            if (why != null) {
                wrong.put(what + " (" + a.status() + ")", why + ": " + a.body().substring(0, Math.min(300, a.body().length())));
            }
        });
        assertThat(wrong).as("bodies that are no JSON-RPC error, or show Java").isEmpty();
        // a session never given out and another's read alike
        assertThat(answers.get("a session never given out").body()).isEqualTo(answers.get("another principal's session").body())
                .isEqualTo(answers.get("a GET of a session never given out").body())
                .isEqualTo(answers.get("a DELETE of a session never given out").body());
        assertThat(answers.get("no JSON").body()).contains("-32700");
        // the session the refusals named still serves
        assertThat(send(uri, "POST", ALICE, session, Map.of(), LIST).status()).isEqualTo(200);
    }

    /** Why an answer is not a clean JSON-RPC error, or null when it is one. */
    static @Nullable String notAJsonRpcError(Answer a) {
        if (a.status() < 400) {
            return "not refused";
        }
        if (JAVA.matcher(a.body()).find()) {
            return "shows Java";
        }
        JsonNode body;
        try {
            body = Json.parse(a.body());
        } catch (RuntimeException e) {
            return "not JSON";
        }
        boolean idNull = body.has("id") && body.get("id").isNull();
        if (!"2.0".equals(body.path("jsonrpc").asText()) || !idNull || !body.path("error").path("code").isInt()
                || body.path("error").path("message").asText().isBlank()) {
            return "not a JSON-RPC error object with id null, a code and a message";
        }
        return null;
    }

    private String open(String token) throws IOException {
        return HttpProbe.openSession(http.uri(), token);
    }
}
