package dev.codexbridge.a2a;

import dev.codexbridge.callers.BearerTokens;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wire rules of A2A that an independent conformance kit checks, on a server without codex:
 * its session source refuses, so every task it starts ends at once as failed (an ended task is
 * all these checks need). Each finding of the kit has its test here; the live tests cover the
 * same rules where codex must run.
 */
class A2aConformanceTest {
    private static final String ALICE = "alice-token-0123456789";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private A2aServer server;

    @BeforeEach
    void start() {
        server = A2aServer.builder().tokens(BearerTokens.of(Map.of(ALICE, "alice")))
                .push(PushOptions.DEFAULTS.allowingPrivateAddresses())
                .sessions((principal, context, approvals) -> {
                    throw new IllegalStateException("no codex in this test");
                }).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> post(String pathAndQuery, String body, String version) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve(pathAndQuery)).header("Authorization", "Bearer " + ALICE)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30));
        if (version != null) {
            b.header("A2A-Version", version);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode rpc(String body, String version) throws Exception {
        HttpResponse<String> r = post("/", body, version);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return A2aWire.JSON.readTree(r.body());
    }

    private JsonNode rpc(String method, JsonNode params) throws Exception {
        ObjectNode req = A2aWire.object().put("jsonrpc", "2.0").put("id", 7).put("method", method);
        req.set("params", params);
        return rpc(req.toString(), method.contains("/") ? null : "1.0");
    }

    private static ObjectNode message03(String text) {
        ObjectNode m = A2aWire.object().put("kind", "message").put("role", "user").put("messageId", UUID.randomUUID().toString());
        m.putArray("parts").add(A2aWire.textPart(text));
        return m;
    }

    private static ObjectNode params(JsonNode message) {
        ObjectNode p = A2aWire.object();
        p.set("message", message);
        return p;
    }

    /** A task of alice's that has ended (failed: this server has no codex). */
    private String endedTask() throws Exception {
        JsonNode sent = rpc("message/send", params(message03("hello")));
        assertThat(sent.at("/result/status/state").asText()).as(sent.toString()).isEqualTo("failed");
        return sent.at("/result/id").asText();
    }

    private static void assertErrorInfo(JsonNode response, int code, String reason) {
        assertThat(response.at("/error/code").asInt()).as(response.toString()).isEqualTo(code);
        JsonNode info = response.at("/error/data/0");
        assertThat(info.path("@type").asText()).isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
        assertThat(info.path("reason").asText()).isEqualTo(reason);
        assertThat(info.path("domain").asText()).isEqualTo("a2a-protocol.org");
    }

    @Test
    void a2aErrorsCarryErrorInfoAndJsonRpcOwnErrorsDoNot() throws Exception {
        JsonNode missing = rpc("GetTask", A2aWire.object().put("id", "no-such-task"));
        assertErrorInfo(missing, A2aError.TASK_NOT_FOUND, "TASK_NOT_FOUND");
        assertThat(missing.at("/error/data/0/metadata/taskId").asText()).isEqualTo("no-such-task");
        assertThat(missing.path("id").asInt()).isEqualTo(7);
        assertErrorInfo(rpc("tasks/get", A2aWire.object().put("id", "no-such-task")), A2aError.TASK_NOT_FOUND, "TASK_NOT_FOUND");
        assertErrorInfo(rpc("GetExtendedAgentCard", A2aWire.object()), A2aError.EXTENDED_CARD_NOT_CONFIGURED, "EXTENDED_AGENT_CARD_NOT_CONFIGURED");

        JsonNode noMethod = rpc("NoSuchMethod", A2aWire.object());
        assertThat(noMethod.at("/error/code").asInt()).isEqualTo(A2aError.METHOD_NOT_FOUND);
        assertThat(noMethod.path("error").has("data")).isFalse();
    }

    @Test
    void aFilePartIsContentTypeNotSupported() throws Exception {
        ObjectNode m03 = A2aWire.object().put("kind", "message").put("role", "user").put("messageId", "m-file");
        m03.putArray("parts").addObject().put("kind", "file").putObject("file").put("uri", "https://example.org/a.png").put("mimeType", "image/png");
        assertErrorInfo(rpc("message/send", params(m03)), A2aError.CONTENT_TYPE_NOT_SUPPORTED, "CONTENT_TYPE_NOT_SUPPORTED");

        ObjectNode m1 = A2aWire.object().put("messageId", "m-file-1").put("role", "ROLE_USER");
        m1.putArray("parts").addObject().put("url", "https://example.org/a.png").put("mediaType", "image/png");
        JsonNode refused = rpc("SendMessage", params(m1));
        assertErrorInfo(refused, A2aError.CONTENT_TYPE_NOT_SUPPORTED, "CONTENT_TYPE_NOT_SUPPORTED");
        assertThat(refused.at("/error/message").asText()).contains("file parts are not supported");

        HttpResponse<String> rest = post("/message:send", params(m1).toString(), "1.0");
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(A2aWire.JSON.readTree(rest.body()).at("/error/details/0/reason").asText()).isEqualTo("CONTENT_TYPE_NOT_SUPPORTED");
    }

    @Test
    void aBodyThatIsNotJsonByItsContentTypeIsContentTypeNotSupported() throws Exception {
        String get = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTask\",\"params\":{\"id\":\"x\"}}";
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(server.uri()).header("Authorization", "Bearer " + ALICE)
                .header("Content-Type", "text/plain").header("A2A-Version", "1.0").POST(HttpRequest.BodyPublishers.ofString(get)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertErrorInfo(A2aWire.JSON.readTree(plain.body()), A2aError.CONTENT_TYPE_NOT_SUPPORTED, "CONTENT_TYPE_NOT_SUPPORTED");
        HttpResponse<String> rest = http.send(HttpRequest.newBuilder(server.uri().resolve("/message:send")).header("Authorization", "Bearer " + ALICE)
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(A2aWire.JSON.readTree(rest.body()).at("/error/details/0/reason").asText()).isEqualTo("CONTENT_TYPE_NOT_SUPPORTED");
        // JSON with parameters, and A2A's own JSON media type, are JSON
        assertThat(A2aHttpHandler.isJson("application/json; charset=utf-8")).isTrue();
        assertThat(A2aHttpHandler.isJson("application/a2a+json")).isTrue();
        assertThat(rpc(get, "1.0").at("/error/code").asInt()).isEqualTo(A2aError.TASK_NOT_FOUND);
    }

    @Test
    void subscribingToAnEndedTaskIsUnsupportedNotAStream() throws Exception {
        String task = endedTask();
        JsonNode v1 = rpc("SubscribeToTask", A2aWire.object().put("id", task));
        assertErrorInfo(v1, A2aError.UNSUPPORTED, "UNSUPPORTED_OPERATION");
        assertThat(v1.at("/error/message").asText()).contains("already failed");
        assertErrorInfo(rpc("tasks/resubscribe", A2aWire.object().put("id", task)), A2aError.UNSUPPORTED, "UNSUPPORTED_OPERATION");

        HttpResponse<String> rest = post("/tasks/" + task + ":subscribe", "", "1.0");
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(rest.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(A2aWire.JSON.readTree(rest.body()).at("/error/details/0/reason").asText()).isEqualTo("UNSUPPORTED_OPERATION");
    }

    @Test
    void a03StreamingCallsErrorIsItsStreamsOneEventWhenTheClientTakesSse() throws Exception {
        String resubscribe = "{\"jsonrpc\":\"2.0\",\"id\":\"r1\",\"method\":\"tasks/resubscribe\",\"params\":{\"id\":\"no-such-task\"}}";
        HttpResponse<String> sse = http.send(HttpRequest.newBuilder(server.uri()).header("Authorization", "Bearer " + ALICE)
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(resubscribe)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(sse.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        assertThat(sse.body()).startsWith("data: ").endsWith("\n\n");
        JsonNode event = A2aWire.JSON.readTree(sse.body().substring(6).strip());
        assertErrorInfo(event, A2aError.TASK_NOT_FOUND, "TASK_NOT_FOUND");
        assertThat(event.path("id").asText()).isEqualTo("r1");
        // a client that does not take SSE gets the error as JSON; so does 1.0 (its kit and SDKs read a JSON body)
        assertErrorInfo(rpc(resubscribe, (String) null), A2aError.TASK_NOT_FOUND, "TASK_NOT_FOUND");
        HttpResponse<String> v1 = http.send(HttpRequest.newBuilder(server.uri()).header("Authorization", "Bearer " + ALICE)
                .header("Content-Type", "application/json").header("Accept", "text/event-stream").header("A2A-Version", "1.0")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"SubscribeToTask\",\"params\":{\"id\":\"x\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(v1.headers().firstValue("Content-Type")).hasValue("application/json");
        assertErrorInfo(A2aWire.JSON.readTree(v1.body()), A2aError.TASK_NOT_FOUND, "TASK_NOT_FOUND");
    }

    @Test
    void aMessageToAnEndedTaskIsUnsupported() throws Exception {
        String task = endedTask();
        ObjectNode again = message03("yes").put("taskId", task);
        JsonNode v03 = rpc("message/send", params(again));
        assertErrorInfo(v03, A2aError.UNSUPPORTED, "UNSUPPORTED_OPERATION");
        assertThat(v03.at("/error/message").asText()).contains("already failed", "send a new message in its context");

        ObjectNode m1 = A2aWire.object().put("messageId", "m-again").put("role", "ROLE_USER").put("taskId", task);
        m1.putArray("parts").addObject().put("text", "yes");
        assertErrorInfo(rpc("SendMessage", params(m1)), A2aError.UNSUPPORTED, "UNSUPPORTED_OPERATION");
        // the task is as it was
        assertThat(rpc("tasks/get", A2aWire.object().put("id", task)).at("/result/history")).hasSize(1);
    }

    @Test
    void deletingAPushConfigTwiceSucceedsBothTimes() throws Exception {
        String task = endedTask();
        ObjectNode set = A2aWire.object().put("taskId", task).put("id", "cfg-1").put("url", "http://127.0.0.1:9/hook");
        assertThat(rpc("CreateTaskPushNotificationConfig", set).at("/result/id").asText()).isEqualTo("cfg-1");
        ObjectNode which = A2aWire.object().put("taskId", task).put("id", "cfg-1");
        JsonNode first = rpc("DeleteTaskPushNotificationConfig", which);
        JsonNode second = rpc("DeleteTaskPushNotificationConfig", which);
        assertThat(first.has("result")).as(first.toString()).isTrue();
        assertThat(second.has("result")).as(second.toString()).isTrue();
        assertThat(rpc("tasks/pushNotificationConfig/delete", A2aWire.object().put("id", task).put("pushNotificationConfigId", "cfg-1"))
                .has("result")).isTrue();
        HttpResponse<String> rest = http.send(HttpRequest.newBuilder(server.uri().resolve("/tasks/" + task + "/pushNotificationConfigs/cfg-1"))
                .header("Authorization", "Bearer " + ALICE).header("A2A-Version", "1.0").DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rest.statusCode()).isEqualTo(200);
        // gone: reading it is "not found" (A2A 1.0 §3.1.8); a task not the caller's is still not found for a delete
        assertErrorInfo(rpc("GetTaskPushNotificationConfig", which), A2aError.TASK_NOT_FOUND, "TASK_NOT_FOUND");
        assertErrorInfo(rpc("DeleteTaskPushNotificationConfig", A2aWire.object().put("taskId", "no-such-task").put("id", "cfg-1")),
                A2aError.TASK_NOT_FOUND, "TASK_NOT_FOUND");
    }

    @Test
    void protoFieldNamesAreReadAsTheirJsonNames() throws Exception {
        // ProtoJSON parsers take a field by its proto name too (the 1.0 conformance kit's JSON-RPC client sends task_id)
        String task = endedTask();
        ObjectNode set = A2aWire.object().put("task_id", task).put("id", "cfg-1").put("url", "http://127.0.0.1:9/hook");
        JsonNode created = rpc("CreateTaskPushNotificationConfig", set);
        assertThat(created.at("/result/taskId").asText()).as(created.toString()).isEqualTo(task);
        assertThat(rpc("GetTaskPushNotificationConfig", A2aWire.object().put("task_id", task).put("id", "cfg-1")).at("/result/url").asText())
                .isEqualTo("http://127.0.0.1:9/hook");
        assertThat(rpc("ListTaskPushNotificationConfigs", A2aWire.object().put("task_id", task).put("page_size", 5)).at("/result/configs"))
                .hasSize(1);
        assertThat(rpc("GetTask", A2aWire.object().put("id", task)).at("/result/history")).hasSize(1);
        assertThat(rpc("GetTask", A2aWire.object().put("id", task).put("history_length", 0)).at("/result/history").size()).isZero();

        // HTTP+JSON's body too; what metadata holds is the caller's own and kept as sent
        ObjectNode m = A2aWire.object().put("message_id", "m-proto-names").put("role", "ROLE_USER");
        m.putArray("parts").addObject().put("text", "hello");
        m.putObject("metadata").put("caller_key", 1);
        ObjectNode body = params(m);
        body.putObject("configuration").put("history_length", 5);
        HttpResponse<String> rest = post("/message:send", body.toString(), "1.0");
        assertThat(rest.statusCode()).as(rest.body()).isEqualTo(200);
        JsonNode sent = A2aWire.JSON.readTree(rest.body()).at("/task/history/0");
        assertThat(sent.path("messageId").asText()).isEqualTo("m-proto-names");
        assertThat(sent.at("/metadata/caller_key").asInt()).isEqualTo(1);

        // a field named both ways is given twice, which ProtoJSON refuses
        JsonNode twice = rpc("GetTask", A2aWire.object().put("id", task).put("historyLength", 1).put("history_length", 0));
        assertThat(twice.at("/error/code").asInt()).as(twice.toString()).isEqualTo(A2aError.INVALID_PARAMS);
        assertThat(ProtoJson.jsonName("status_timestamp_after")).isEqualTo("statusTimestampAfter");
        assertThat(ProtoJson.jsonName("taskId")).isEqualTo("taskId");
        assertThat(ProtoJson.jsonName("@type")).isEqualTo("@type");
    }

    @Test
    void theHttpJsonInterfaceIsNamedWithoutATrailingSlash() throws Exception {
        // its paths are appended to its url: "http://host:port/" would make "//message:send", which the server refuses
        JsonNode card = A2aWire.JSON.readTree(http.send(HttpRequest.newBuilder(server.uri().resolve(A2aServer.CARD_PATH))
                .header("A2A-Version", "1.0").GET().build(), HttpResponse.BodyHandlers.ofString()).body());
        String rest = null;
        for (JsonNode i : card.path("supportedInterfaces")) {
            if (i.path("protocolBinding").asText().equals("HTTP+JSON")) {
                rest = i.path("url").asText();
            } else {
                assertThat(i.path("url").asText()).isEqualTo(server.uri().toString());
            }
        }
        assertThat(rest).isNotNull().doesNotEndWith("/");
        ObjectNode m = A2aWire.object().put("messageId", "m-rest-url").put("role", "ROLE_USER");
        m.putArray("parts").addObject().put("text", "hello");
        HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create(rest + "/message:send")).header("Authorization", "Bearer " + ALICE)
                .header("Content-Type", "application/json").header("A2A-Version", "1.0")
                .POST(HttpRequest.BodyPublishers.ofString(params(m).toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(AgentCard.withoutTrailingSlash("https://example.org/a2a/")).isEqualTo("https://example.org/a2a");
        assertThat(AgentCard.withoutTrailingSlash("http://127.0.0.1:8080")).isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void theAgentCardCarriesCachingHeadersAndAnswersIfNoneMatch() throws Exception {
        URI card = server.uri().resolve(A2aServer.CARD_PATH);
        HttpResponse<String> first = http.send(HttpRequest.newBuilder(card).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Cache-Control").orElseThrow()).contains("max-age=300");
        assertThat(first.headers().firstValue("Last-Modified")).isPresent();
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).startsWith("\"").endsWith("\"").isEqualTo(AgentCardResource.etag(first.body().getBytes(java.nio.charset.StandardCharsets.UTF_8)));

        HttpResponse<String> same = http.send(HttpRequest.newBuilder(card).header("If-None-Match", etag).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(same.statusCode()).isEqualTo(304);
        assertThat(same.body()).isEmpty();
        assertThat(same.headers().firstValue("ETag")).hasValue(etag);
        assertThat(http.send(HttpRequest.newBuilder(card).header("If-None-Match", "\"other\", W/" + etag).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(304);
        assertThat(http.send(HttpRequest.newBuilder(card).header("If-None-Match", "\"other\"").GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        // each version's card is its own representation, with its own tag
        HttpResponse<String> v1 = http.send(HttpRequest.newBuilder(card).header("A2A-Version", "1.0").header("If-None-Match", etag).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(v1.statusCode()).isEqualTo(200);
        assertThat(v1.headers().firstValue("ETag").orElseThrow()).isNotEqualTo(etag);
        assertThat(v1.headers().firstValue("Vary").orElseThrow()).contains("A2A-Version");
    }

    @Test
    void theVersionIsHonouredAsHeaderOrRequestParameter() throws Exception {
        String get = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTask\",\"params\":{\"id\":\"x\"}}";
        assertErrorInfo(rpc(get, "99.0"), A2aError.VERSION_NOT_SUPPORTED, "VERSION_NOT_SUPPORTED");
        JsonNode byParam = A2aWire.JSON.readTree(post("/?A2A-Version=99.0", get, null).body());
        assertErrorInfo(byParam, A2aError.VERSION_NOT_SUPPORTED, "VERSION_NOT_SUPPORTED");
        assertThat(byParam.at("/error/data/0/metadata/requestedVersion").asText()).isEqualTo("99.0");
        // the parameter is read, not ignored: 0.3 named there does not take a 1.0 method
        assertThat(A2aWire.JSON.readTree(post("/?a2a-version=0.3", get, null).body()).at("/error/code").asInt()).isEqualTo(A2aError.METHOD_NOT_FOUND);
        // a patch number does not count (§3.6); an empty value is 0.3's, and a 1.0 method still says its version
        assertThat(rpc(get, "1.0.3").at("/error/code").asInt()).isEqualTo(A2aError.TASK_NOT_FOUND);
        assertThat(rpc(get, "").at("/error/code").asInt()).isEqualTo(A2aError.TASK_NOT_FOUND);

        HttpResponse<String> rest = http.send(HttpRequest.newBuilder(server.uri().resolve("/tasks/x?A2A-Version=99.0"))
                .header("Authorization", "Bearer " + ALICE).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(A2aWire.JSON.readTree(rest.body()).at("/error/details/0/reason").asText()).isEqualTo("VERSION_NOT_SUPPORTED");

        HttpResponse<String> card = http.send(HttpRequest.newBuilder(server.uri().resolve(A2aServer.CARD_PATH + "?A2A-Version=1.0")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(A2aWire.JSON.readTree(card.body()).has("url")).as("1.0's card has no 0.3 url").isFalse();
        assertThat(A2aWire.JSON.readTree(server.agentCardJson()).has("url")).isTrue();
    }

    @Test
    void idsOfOtherTypesAndANumericJsonrpcAreInvalidRequests() throws Exception {
        for (String id : new String[] {"{\"a\":1}", "[1]", "true"}) {
            JsonNode r = rpc("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"GetTask\",\"params\":{\"id\":\"x\"}}", "1.0");
            assertThat(r.at("/error/code").asInt()).as(id).isEqualTo(A2aError.INVALID_REQUEST);
            assertThat(r.get("id").isNull()).as(id).isTrue();
        }
        JsonNode numeric = rpc("{\"jsonrpc\":2.0,\"id\":1,\"method\":\"GetTask\",\"params\":{\"id\":\"x\"}}", "1.0");
        assertThat(numeric.at("/error/code").asInt()).isEqualTo(A2aError.INVALID_REQUEST);
        assertThat(numeric.at("/error/message").asText()).contains("\"jsonrpc\" must be the string \"2.0\"");
        assertThat(rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTask\",\"params\":\"x\"}", "1.0").at("/error/code").asInt())
                .isEqualTo(A2aError.INVALID_REQUEST);
        // string, number and null ids are JSON-RPC's own, and answered with the id as sent
        assertThat(rpc("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"GetTask\",\"params\":{\"id\":\"x\"}}", "1.0").path("id").asText()).isEqualTo("abc");
        assertThat(rpc("{\"jsonrpc\":\"2.0\",\"id\":12.5,\"method\":\"GetTask\",\"params\":{\"id\":\"x\"}}", "1.0").path("id").asDouble()).isEqualTo(12.5);
        assertThat(rpc("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"GetTask\",\"params\":{\"id\":\"x\"}}", "1.0").at("/error/code").asInt())
                .isEqualTo(A2aError.TASK_NOT_FOUND);
    }

    @Test
    void aMessageWithoutMessageIdOrRoleIsRefused() throws Exception {
        ObjectNode m03 = message03("hello");
        m03.remove("messageId");
        JsonNode v03 = rpc("message/send", params(m03));
        assertThat(v03.at("/error/code").asInt()).isEqualTo(A2aError.INVALID_PARAMS);
        assertThat(v03.at("/error/message").asText()).contains("messageId");
        ObjectNode m1 = A2aWire.object().put("role", "ROLE_USER");
        m1.putArray("parts").addObject().put("text", "hello");
        assertThat(rpc("SendMessage", params(m1)).at("/error/message").asText()).contains("messageId");
        // the role is required too: a message without one is not taken as the user's
        ObjectNode noRole03 = message03("hello");
        noRole03.remove("role");
        assertThat(rpc("message/send", params(noRole03)).at("/error/message").asText()).contains("message.role is required");
        ObjectNode noRole1 = A2aWire.object().put("messageId", "m-no-role");
        noRole1.putArray("parts").addObject().put("text", "hello");
        assertThat(rpc("SendMessage", params(noRole1)).at("/error/message").asText()).contains("message.role is required");
        // nothing was started for any
        assertThat(rpc("ListTasks", A2aWire.object()).at("/result/tasks")).isEmpty();
    }
}
