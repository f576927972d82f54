package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.callers.BearerTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every error body of the A2A server as a caller sending what it should not meets it, on a server
 * without codex (its session source fails, so nothing here runs a turn): on the JSON-RPC binding
 * a JSON-RPC error object, on HTTP+JSON a {@code google.rpc.Status}; neither with exception text
 * (no {@code stackTrace}, no Java class name), whatever the request got wrong.
 */
class A2aErrorBodiesTest {
    private static final String ALICE = "alice-token-0123456789";
    /** A qualified Java name (java.lang.String), an exception's or a nested class's name, a stack frame. */
    private static final Pattern JAVA = Pattern.compile("(?<!/)\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*|\\w+Exception\\b|\\w\\$\\w"
            + "|stackTrace|\\bat [a-z]+\\.");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private A2aServer server;

    @BeforeEach
    void start() {
        server = A2aServer.builder().tokens(BearerTokens.of(Map.of(ALICE, "alice"))).contexts(new FailingStore())
                .sessions((principal, context, approvals) -> {
                    throw new IllegalStateException("no codex in this test");
                }).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyJsonRpcRefusalIsAJsonRpcErrorWithoutJava() throws Exception {
        Map<String, HttpResponse<String>> answers = new LinkedHashMap<>();
        answers.put("no JSON", rpc("{not json", ALICE, Map.of()));
        answers.put("an empty body", rpc("", ALICE, Map.of()));
        answers.put("a JSON string", rpc("\"SendMessage\"", ALICE, Map.of()));
        answers.put("a batch", rpc("[" + call("GetTask", "{\"id\":\"x\"}") + "]", ALICE, Map.of()));
        answers.put("no jsonrpc", rpc("{\"id\":1,\"method\":\"GetTask\",\"params\":{\"id\":\"x\"}}", ALICE, Map.of()));
        answers.put("a method that is no string", rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", ALICE, Map.of()));
        answers.put("an id that is an object", rpc("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"GetTask\"}", ALICE, Map.of()));
        answers.put("an unknown method", rpc(call("NoSuchMethod", "{}"), ALICE, Map.of()));
        answers.put("params that are a string", rpc(call("GetTask", "\"x\""), ALICE, Map.of()));
        answers.put("params that are an array", rpc(call("GetTask", "[1]"), ALICE, Map.of()));
        answers.put("an unknown task", rpc(call("GetTask", "{\"id\":\"no-such-task\"}"), ALICE, Map.of()));
        answers.put("a task id that is an object", rpc(call("GetTask", "{\"id\":{\"x\":1}}"), ALICE, Map.of()));
        answers.put("a history length that is no number", rpc(call("GetTask", "{\"id\":\"x\",\"historyLength\":\"lots\"}"), ALICE, Map.of()));
        answers.put("no message", rpc(call("SendMessage", "{}"), ALICE, Map.of()));
        answers.put("a message that is a string", rpc(call("SendMessage", "{\"message\":\"hi\"}"), ALICE, Map.of()));
        answers.put("parts that are a string", rpc(call("SendMessage",
                "{\"message\":{\"messageId\":\"m\",\"role\":\"ROLE_USER\",\"parts\":\"hi\"}}"), ALICE, Map.of()));
        answers.put("a part that is a number", rpc(call("SendMessage",
                "{\"message\":{\"messageId\":\"m\",\"role\":\"ROLE_USER\",\"parts\":[7]}}"), ALICE, Map.of()));
        answers.put("0.3 parts that are a string", rpc(call("message/send",
                "{\"message\":{\"kind\":\"message\",\"messageId\":\"m\",\"role\":\"user\",\"parts\":\"hi\"}}"), ALICE, Map.of()));
        answers.put("an output schema that is a string", rpc(call("message/send",
                "{\"message\":{\"kind\":\"message\",\"messageId\":\"m\",\"role\":\"user\",\"parts\":[{\"kind\":\"text\",\"text\":\"hi\"}],"
                        + "\"metadata\":{\"outputSchema\":\"x\"}}}"), ALICE, Map.of()));
        answers.put("a page size that is no number", rpc(call("ListTasks", "{\"pageSize\":\"many\"}"), ALICE, Map.of()));
        answers.put("a page size out of range", rpc(call("ListTasks", "{\"pageSize\":-5}"), ALICE, Map.of()));
        answers.put("a time that is no time", rpc(call("ListTasks", "{\"statusTimestampAfter\":\"yesterday\"}"), ALICE, Map.of()));
        answers.put("an unknown page token", rpc(call("ListTasks", "{\"pageToken\":\"nope\"}"), ALICE, Map.of()));
        answers.put("a webhook that is no URL", rpc(call("CreateTaskPushNotificationConfig",
                "{\"taskId\":\"x\",\"url\":\"::not a url\"}"), ALICE, Map.of()));
        answers.put("an unknown version", rpc(call("GetTask", "{\"id\":\"x\"}"), ALICE, Map.of("A2A-Version", "9.9")));
        answers.put("a text body", rpc(call("GetTask", "{\"id\":\"x\"}"), ALICE, Map.of("Content-Type", "text/plain")));
        answers.put("no token", rpc(call("GetTask", "{\"id\":\"x\"}"), null, Map.of()));
        answers.put("a wrong token", rpc(call("GetTask", "{\"id\":\"x\"}"), "wrong-token-0123456789", Map.of()));
        answers.put("a foreign origin", rpc(call("GetTask", "{\"id\":\"x\"}"), ALICE, Map.of("Origin", "http://evil.example")));
        answers.put("a body too large", rpc("\"" + "x".repeat(2 * 1024 * 1024) + "\"", ALICE, Map.of()));
        answers.put("GET /", send("GET", "/", null, ALICE, Map.of()));
        answers.put("a fault of the server's", rpc(call("GetTask", "{\"id\":\"" + FailingStore.TASK + "\"}"), ALICE, Map.of()));

        Map<String, String> wrong = new LinkedHashMap<>();
        answers.forEach((what, r) -> {
            String why = notAJsonRpcError(r.body());
            if (why != null) {
                wrong.put(what + " (" + r.statusCode() + ")", why + ": " + r.body().substring(0, Math.min(300, r.body().length())));
            }
        });
        assertThat(wrong).as("bodies that are no JSON-RPC error, or show Java").isEmpty();
        assertThat(answers.get("no token").statusCode()).isEqualTo(401);
        assertThat(answers.get("a foreign origin").statusCode()).isEqualTo(403);
        assertThat(answers.get("a body too large").statusCode()).isEqualTo(413);
    }

    @Test
    void everyHttpJsonRefusalIsAStatusWithoutJava() throws Exception {
        Map<String, HttpResponse<String>> answers = new LinkedHashMap<>();
        answers.put("no JSON", send("POST", "/message:send", "{not json", ALICE, Map.of()));
        answers.put("a body that is an array", send("POST", "/message:send", "[1]", ALICE, Map.of()));
        answers.put("parts that are a string", send("POST", "/message:send",
                "{\"message\":{\"messageId\":\"m\",\"role\":\"ROLE_USER\",\"parts\":\"hi\"}}", ALICE, Map.of()));
        answers.put("an unknown task", send("GET", "/tasks/no-such-task", null, ALICE, Map.of()));
        answers.put("a wrong method", send("DELETE", "/tasks/no-such-task", null, ALICE, Map.of()));
        answers.put("a page size that is no number", send("GET", "/tasks?pageSize=many", null, ALICE, Map.of()));
        answers.put("a history length that is no number", send("GET", "/tasks/x?historyLength=lots", null, ALICE, Map.of()));
        answers.put("a text body", send("POST", "/message:send", "{}", ALICE, Map.of("Content-Type", "text/plain")));
        answers.put("no token", send("GET", "/tasks", null, null, Map.of()));
        answers.put("a foreign origin", send("GET", "/tasks", null, ALICE, Map.of("Origin", "http://evil.example")));
        answers.put("a body too large", send("POST", "/message:send", "\"" + "x".repeat(2 * 1024 * 1024) + "\"", ALICE, Map.of()));
        answers.put("a fault of the server's", send("GET", "/tasks/" + FailingStore.TASK, null, ALICE, Map.of()));

        Map<String, String> wrong = new LinkedHashMap<>();
        answers.forEach((what, r) -> {
            String why = notAStatus(r);
            if (why != null) {
                wrong.put(what + " (" + r.statusCode() + ")", why + ": " + r.body().substring(0, Math.min(300, r.body().length())));
            }
        });
        assertThat(wrong).as("bodies that are no google.rpc.Status, or show Java").isEmpty();
    }

    @Test
    void whatTheContainerRefusesShowsNoJavaEither() throws Exception {
        URI uri = server.uri();
        String host = "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n";
        for (String raw : new String[] {"GET /%zz HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
                "POST / HTTP/1.1\r\n" + host + "X-Big: " + "x".repeat(64 * 1024) + "\r\nConnection: close\r\n\r\n",
                "POST / HTTP/1.1\r\n" + host + "Content-Length: x\r\nConnection: close\r\n\r\n"}) {
            try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(raw.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(answer).startsWith("HTTP/1.1 4");
                assertThat(answer.substring(answer.indexOf("\r\n\r\n"))).doesNotContainPattern(JAVA);
            }
        }
    }

    /** A context store that fails when asked for one task's context: a fault of the server's, not the caller's. */
    private static final class FailingStore implements ContextStore {
        static final String TASK = "task-whose-record-is-unreadable";
        private final ContextStore kept = ContextStore.inMemory(100);

        @Override
        public Optional<StoredContext> context(String principal, String contextId) {
            return kept.context(principal, contextId);
        }

        @Override
        public Optional<StoredContext> contextOfTask(String taskId) {
            if (TASK.equals(taskId)) {
                throw new IllegalStateException("the record of " + taskId + " cannot be read");
            }
            return kept.contextOfTask(taskId);
        }

        @Override
        public Optional<String> ownerOfThread(String threadId) {
            return kept.ownerOfThread(threadId);
        }

        @Override
        public void save(StoredContext context) {
            kept.save(context);
        }
    }

    private static String call(String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}";
    }

    private HttpResponse<String> rpc(String body, @Nullable String token, Map<String, String> headers) throws Exception {
        return send("POST", "/", body, token, headers);
    }

    private HttpResponse<String> send(String method, String path, @Nullable String body, @Nullable String token, Map<String, String> headers)
            throws Exception {
        URI uri = server.uri().resolve(path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null && !headers.containsKey("Content-Type")) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Why a body is not a clean JSON-RPC error, or null when it is one. */
    private static @Nullable String notAJsonRpcError(String text) {
        if (JAVA.matcher(text).find()) {
            return "shows Java";
        }
        JsonNode body;
        try {
            body = A2aWire.JSON.readTree(text);
        } catch (Exception e) {
            return "not JSON";
        }
        if (body == null || !"2.0".equals(body.path("jsonrpc").asText()) || !body.has("id") || !body.path("error").path("code").isInt()
                || body.path("error").path("message").asText().isBlank() || body.has("result")) {
            return "not a JSON-RPC error object";
        }
        return null;
    }

    /** Why an answer is not a clean HTTP+JSON error, or null when it is one. */
    private static @Nullable String notAStatus(HttpResponse<String> r) {
        if (r.statusCode() < 400) {
            return "not refused";
        }
        if (JAVA.matcher(r.body()).find()) {
            return "shows Java";
        }
        JsonNode body;
        try {
            body = A2aWire.JSON.readTree(r.body());
        } catch (Exception e) {
            return "not JSON";
        }
        if (body == null || body.path("error").path("code").asInt() != r.statusCode() || body.path("error").path("status").asText().isBlank()
                || body.path("error").path("message").asText().isBlank()) {
            return "not a google.rpc.Status with the HTTP status as its code";
        }
        return null;
    }
}
