package dev.codexbridge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.ChildJvm;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlVersion;

class ScriptedModelServerTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> post(ScriptedModelServer s, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/responses"))
                .header("content-type", "application/json").header("originator", "tester")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON payloads of an SSE body, checking each event line names the payload's type. */
    private static List<JsonNode> events(String sse) {
        List<JsonNode> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String[] lines = block.split("\n");
            assertThat(lines[0]).startsWith("event: ");
            assertThat(lines[1]).startsWith("data: ");
            JsonNode data = Json.parse(lines[1].substring(6));
            assertThat(data.path("type").asText()).isEqualTo(lines[0].substring(7));
            out.add(data);
        }
        return out;
    }

    private static int freePort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Test
    void startsOnAGivenPortAndSaysSoWhenThePortIsTaken() throws Exception {
        int port = freePort();
        try (ScriptedModelServer s = ScriptedModelServer.start(port)) {
            assertThat(s.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:" + port + "/v1"));
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/models")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(models.statusCode()).isEqualTo(200);
            assertThat(Json.parse(models.body()).path("models").size()).isEqualTo(1);
            assertThatThrownBy(() -> ScriptedModelServer.start(port)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("on 127.0.0.1:" + port).hasMessageContaining("is the port in use?");
        }
        // closed: the port is free again for the next start (a development setup's restart)
        try (ScriptedModelServer again = ScriptedModelServer.start(port)) {
            assertThat(again.baseUrl().getPort()).isEqualTo(port);
        }
        assertThatThrownBy(() -> ScriptedModelServer.start(70_000)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A server nobody closed (an application that failed to start) does not keep its JVM alive. */
    @Test
    void aServerLeftOpenDoesNotKeepTheJvmAlive() throws Exception {
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), ModelServerLeftOpenMain.class.getName(), "0"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(exited).as("the JVM exits with the server still open").isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).startsWith("http://127.0.0.1:");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void answersFromTheRequestWhenTheScriptIsEmptyAndCanStopRecording() throws Exception {
        try (ScriptedModelServer s = ScriptedModelServer.start()) {
            s.enqueue(ModelReply.builder("scripted").message("first").build());
            s.respondWhenEmpty(r -> ModelReply.builder("echo-" + r.inputItems().size()).message("n" + r.inputItems().size()).build());
            // the script comes first; then the responder sees each request
            assertThat(events(post(s, "{\"input\":[]}").body()).get(0).path("response").path("id").asText()).isEqualTo("scripted");
            assertThat(events(post(s, "{\"input\":[{},{}]}").body()).get(0).path("response").path("id").asText()).isEqualTo("echo-2");
            s.recording(false);
            assertThat(events(post(s, "{\"input\":[{}]}").body()).get(0).path("response").path("id").asText()).isEqualTo("echo-1");
            assertThat(s.responsesRequests()).hasSize(2);
            assertThat(s.unscriptedRequests()).isZero();

            s.respondWhenEmpty(null);
            assertThat(post(s, "{\"input\":[]}").statusCode()).isEqualTo(500);
            assertThat(s.unscriptedRequests()).isEqualTo(1);
        }
    }

    @Test
    void answersEachResponsesPostWithTheNextScriptedStreamAndRecordsIt() throws Exception {
        try (ScriptedModelServer s = ScriptedModelServer.start()) {
            assertThat(s.baseUrl().getHost()).isEqualTo("127.0.0.1");
            s.enqueue(ModelReply.builder("r1").message("Hello there").build(),
                    ModelReply.builder("r2").execCommand("c1", "echo hi").usage(7, 3).build());
            HttpResponse<String> first = post(s, "{\"model\":\"m\",\"input\":[]}");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("content-type")).contains("text/event-stream");
            List<JsonNode> ev = events(first.body());
            assertThat(ev.get(0).path("type").asText()).isEqualTo("response.created");
            assertThat(ev).filteredOn(e -> e.path("type").asText().equals("response.output_text.delta"))
                    .extracting(e -> e.path("delta").asText()).containsExactly("Hell", "o th", "ere");
            assertThat(ev.get(ev.size() - 1).path("type").asText()).isEqualTo("response.completed");

            List<JsonNode> second = events(post(s, "{\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"x\",\"output\":\"out\"}]}").body());
            JsonNode call = second.get(1).path("item");
            assertThat(call.path("name").asText()).isEqualTo("exec_command");
            assertThat(Json.parse(call.path("arguments").asText()).path("cmd").asText()).isEqualTo("echo hi");
            assertThat(Json.parse(call.path("arguments").asText()).path("login").asBoolean(true)).isFalse();
            JsonNode loginArgs = Json.parse(((ModelReply.Stream) ModelReply.builder().loginShell(true).execCommand("c", "ls").build())
                    .events().get(1).path("item").path("arguments").asText());
            assertThat(loginArgs.has("login")).isFalse();
            assertThat(second.get(2).path("response").path("usage").path("total_tokens").asLong()).isEqualTo(10);

            assertThat(s.responsesRequests()).hasSize(2);
            assertThat(s.responsesRequests().get(0).header("originator")).contains("tester");
            assertThat(s.responsesRequests().get(1).functionCallOutput("x")).contains("out");
            assertThat(s.remaining()).isZero();
            assertThat(s.unscriptedRequests()).isZero();
        }
    }

    @Test
    void scriptsHttpErrorsCutStreamsAndFailuresAndCountsUnscriptedRequests() throws Exception {
        try (ScriptedModelServer s = ScriptedModelServer.start()) {
            s.enqueue(ModelReply.tooManyRequests(Duration.ofSeconds(3)),
                    ModelReply.httpError(500, "boom"),
                    ModelReply.builder().message("partial").cutBeforeCompleted().build(),
                    ModelReply.builder().failed("context_length_exceeded", "too long").build());
            HttpResponse<String> limited = post(s, "{}");
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("retry-after")).contains("3");
            assertThat(post(s, "{}").statusCode()).isEqualTo(500);
            assertThat(events(post(s, "{}").body())).extracting(e -> e.path("type").asText())
                    .doesNotContain("response.completed");
            List<JsonNode> failed = events(post(s, "{}").body());
            assertThat(failed.get(failed.size() - 1).path("response").path("error").path("code").asText())
                    .isEqualTo("context_length_exceeded");
            HttpResponse<String> extra = post(s, "{}");
            assertThat(extra.statusCode()).isEqualTo(500);
            assertThat(extra.body()).contains("script exhausted");
            assertThat(s.unscriptedRequests()).isEqualTo(1);
        }
    }

    @Test
    void modelsEndpointAnswersTheMockModelsMetadata() throws Exception {
        try (ScriptedModelServer s = ScriptedModelServer.start()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/models?client_version=0.169.0"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode models = Json.parse(r.body()).path("models");
            assertThat(models.size()).isOne();
            assertThat(models.get(0).path("slug").asText()).isEqualTo(IsolatedCodexHome.MODEL);
            assertThat(models.get(0).path("base_instructions").asText()).isNotBlank();
            assertThat(models.get(0).path("shell_type").asText()).isEqualTo("default");
        }
    }

    @Test
    void isolatedCodexHomeIsValidTomlPointingAtTheServer(@TempDir Path tmp) throws Exception {
        Path home = IsolatedCodexHome.builder(tmp.resolve("h"), URI.create("http://127.0.0.1:4242/v1"))
                .askForApproval("on-request").model("weird \"slug\"\n").write();
        TomlParseResult toml = Toml.parse(home.resolve("config.toml"), TomlVersion.V1_0_0);
        assertThat(toml.errors()).isEmpty();
        assertThat(toml.getString("model")).isEqualTo("weird \"slug\"\n");
        assertThat(toml.getString("approval_policy")).isEqualTo("on-request");
        assertThat(toml.getString("model_providers.mock_provider.base_url")).isEqualTo("http://127.0.0.1:4242/v1");
        assertThat(toml.getLong("model_providers.mock_provider.request_max_retries")).isZero();
        assertThat(toml.getString("model_providers.mock_provider.model_catalog_url")).isEqualTo("http://127.0.0.1:4242/v1/models");
        assertThat(toml.getBoolean("features.plugins")).isFalse();
        assertThat(toml.getBoolean("features.apps")).isFalse();
    }
}
