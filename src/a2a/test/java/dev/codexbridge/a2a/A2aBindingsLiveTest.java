package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.testkit.ModelReply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three bindings side by side on one server, in plain HTTP: the card negotiated by
 * {@code A2A-Version}, errors in each binding's own shape (HTTP statuses with A2A's reasons for
 * HTTP+JSON), and turns through each in turn. The suite runs three rounds; the latency printed for
 * docs/a2a.md comes from {@code -Dcodexbridge.a2aBindingRounds=25} (five of them left out as warm-up).
 */
class A2aBindingsLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;
    private RawA2a raw;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() throws Exception {
        live = new LiveA2a(tmp).boot(h -> { }, A2aLimits.DEFAULTS);
        raw = new RawA2a(live.server.uri());
    }

    @AfterEach
    void tearDown() {
        if (live != null) {
            live.close();
        }
    }

    private JsonNode card(String version) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(live.server.uri().resolve(A2aServer.CARD_PATH));
        if (version != null) {
            b.header("A2A-Version", version);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Vary")).hasValue("A2A-Version");
        return A2aWire.JSON.readTree(r.body());
    }

    @Test
    void theCardIsNegotiatedByVersionAndListsEveryInterface() throws Exception {
        JsonNode v03 = card(null);
        assertThat(v03.path("protocolVersion").asText()).isEqualTo("0.3.0");
        assertThat(v03.path("url").asText()).isEqualTo(live.server.uri().toString());
        assertThat(v03.at("/securitySchemes/bearer/type").asText()).isEqualTo("http");
        assertThat(v03.at("/capabilities/pushNotifications").asBoolean()).isTrue();
        JsonNode v1 = card("1.0");
        assertThat(v1.has("url")).isFalse();
        assertThat(v1.at("/securitySchemes/bearer/httpAuthSecurityScheme/scheme").asText()).isEqualTo("Bearer");
        assertThat(v1.at("/securityRequirements/0/schemes/bearer/list").isArray()).isTrue();
        for (JsonNode card : List.of(v03, v1)) {
            assertThat(card.path("supportedInterfaces")).extracting(i -> i.path("protocolBinding").asText() + " " + i.path("protocolVersion").asText())
                    .containsExactly("JSONRPC 1.0", "HTTP+JSON 1.0", "JSONRPC 0.3");
        }
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(live.server.uri().resolve(A2aServer.CARD_PATH)).header("A2A-Version", "2.0")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("A2A-Version 2.0 is not supported");
    }

    @Test
    void errorsComeInEachBindingsShape() throws Exception {
        live.model.enqueue(ModelReply.message("Done."));
        String done = raw.rpc(LiveA2a.ALICE, "SendMessage", RawA2a.send("hello", null, null, false)).at("/result/task/id").asText();

        // JSON-RPC 1.0: A2A's codes; a version not served; a 0.3 method under a 1.0 header
        assertThat(raw.rpc(LiveA2a.ALICE, "GetTask", A2aWire.object().put("id", "nope")).at("/error/code").asInt()).isEqualTo(A2aError.TASK_NOT_FOUND);
        assertThat(raw.rpc(LiveA2a.ALICE, "CancelTask", A2aWire.object().put("id", done)).at("/error/code").asInt())
                .isEqualTo(A2aError.TASK_NOT_CANCELABLE);
        assertThat(raw.rpc(LiveA2a.ALICE, "GetExtendedAgentCard", A2aWire.object()).at("/error/code").asInt())
                .isEqualTo(A2aError.EXTENDED_CARD_NOT_CONFIGURED);
        assertThat(raw.rpc(LiveA2a.ALICE, "tasks/get", A2aWire.object().put("id", done)).at("/error/message").asText())
                .contains("tasks/get is an A2A 0.3 method, but the request says A2A-Version 1.0");
        JsonNode v2 = A2aWire.JSON.readTree(raw.post(live.server.uri(), LiveA2a.ALICE,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTask\",\"params\":{\"id\":\"x\"}}", "2.0").body());
        assertThat(v2.at("/error/code").asInt()).isEqualTo(A2aError.VERSION_NOT_SUPPORTED);
        ObjectNode badList = A2aWire.object().put("pageSize", 1000);
        assertThat(raw.rpc(LiveA2a.ALICE, "ListTasks", badList).at("/error/message").asText()).contains("pageSize must be 1..100");
        assertThat(raw.rpc(LiveA2a.ALICE, "ListTasks", A2aWire.object().put("pageToken", "bm9wZQ")).at("/error/message").asText())
                .contains("pageToken names no task");
        assertThat(raw.rpc(LiveA2a.ALICE, "ListTasks", A2aWire.object().put("status", "TASK_STATE_SLEEPING")).at("/error/message").asText())
                .contains("unknown task state");

        // HTTP+JSON: statuses and google.rpc.Status bodies with A2A's reasons
        assertRest(raw.get("/tasks/nope", LiveA2a.ALICE), 404, "TASK_NOT_FOUND");
        assertRest(raw.post(live.server.uri().resolve("/tasks/" + done + ":cancel"), LiveA2a.ALICE, ""), 400, "TASK_NOT_CANCELABLE");
        assertRest(raw.post(live.server.uri().resolve("/message:send"), LiveA2a.ALICE, "{not json"), 400, "the body is not JSON");
        assertRest(raw.post(live.server.uri().resolve("/message:send"), LiveA2a.ALICE, "{\"message\":{\"parts\":[{\"mystery\":1}]}}"), 400,
                "INVALID_PARAMS");
        assertRest(raw.get("/message:send", LiveA2a.ALICE), 404, "use POST here, not GET");
        assertRest(raw.post(live.server.uri().resolve("/tasks/" + done + "/pushNotificationConfigs"), LiveA2a.ALICE, "[1]"), 400,
                "the body must be a JSON object");
        ObjectNode oddPush = RawA2a.send("hi", null, null, true);
        ((ObjectNode) oddPush.path("configuration")).put("taskPushNotificationConfig", "http://example.org/hook");
        assertThat(raw.rpc(LiveA2a.ALICE, "SendMessage", oddPush).at("/error/message").asText()).contains("must be an object");
        assertRest(raw.post(live.server.uri().resolve("/tasks"), LiveA2a.ALICE, "", "0.3"), 400, "VERSION_NOT_SUPPORTED");
        assertRest(raw.get("/extendedAgentCard", LiveA2a.ALICE), 400, "EXTENDED_AGENT_CARD_NOT_CONFIGURED");
        assertThat(raw.get("/tasks/" + done, LiveA2a.ALICE).statusCode()).isEqualTo(200);
        assertThat(raw.get("/tasks/" + done + "?historyLength=0", LiveA2a.ALICE).body()).doesNotContain("\"history\":[{");
        assertThat(http.send(HttpRequest.newBuilder(live.server.uri().resolve("/tasks")).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(401);
        assertThat(http.send(HttpRequest.newBuilder(live.server.uri().resolve("/elsewhere")).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(404);
    }

    private static void assertRest(HttpResponse<String> r, int status, String text) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode error = A2aWire.JSON.readTree(r.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(status);
        assertThat(error.toString()).contains(text);
    }

    @Test
    void turnsCompleteThroughEveryBindingInTurn() throws Exception {
        String msg03 = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":{\"kind\":\"message\",\"messageId\":\"m\","
                + "\"role\":\"user\",\"parts\":[{\"kind\":\"text\",\"text\":\"hi\"}]}}}";
        String msg1 = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"SendMessage\",\"params\":" + RawA2a.send("hi", null, null, false) + "}";
        String rest = RawA2a.send("hi", null, null, false).toString();
        List<String> bindings = List.of("JSON-RPC 0.3", "JSON-RPC 1.0", "HTTP+JSON 1.0");
        Map<String, List<Long>> micros = new LinkedHashMap<>();
        int rounds = Integer.getInteger("codexbridge.a2aBindingRounds", 3);
        int warmup = rounds >= 10 ? 5 : 0;
        // interleaved, so the machine's load and the server's state (contexts closed past the limit) fall on every binding alike
        for (int round = 0; round < rounds; round++) {
            for (String binding : bindings) {
                live.model.enqueue(ModelReply.message("Answer " + round));
                long start = System.nanoTime();
                HttpResponse<String> r = switch (binding) {
                    case "JSON-RPC 0.3" -> raw.post(live.server.uri(), LiveA2a.ALICE, msg03, null);
                    case "JSON-RPC 1.0" -> raw.post(live.server.uri(), LiveA2a.ALICE, msg1);
                    default -> raw.post(live.server.uri().resolve("/message:send"), LiveA2a.ALICE, rest);
                };
                long took = (System.nanoTime() - start) / 1000;
                assertThat(r.body()).as(binding).containsAnyOf("\"completed\"", "TASK_STATE_COMPLETED");
                if (round >= warmup) {
                    micros.computeIfAbsent(binding, k -> new ArrayList<>()).add(took);
                }
            }
        }
        List<String> lines = new ArrayList<>();
        micros.forEach((binding, m) -> {
            Collections.sort(m);
            lines.add(binding + ": median " + m.get(m.size() / 2) / 1000.0 + " ms, p90 " + m.get(m.size() * 9 / 10) / 1000.0 + " ms over "
                    + m.size() + " turns");
        });
        System.out.println("turn latency by binding (send to completed, real codex, scripted model, " + warmup
                + " warm-up rounds left out):\n" + String.join("\n", lines));
    }
}
