package dev.codexbridge.example.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The example's Actuator over HTTP, as an operator sees it: {@code /actuator/health/codex} UP with
 * the starter's details, the starter's meters at {@code /actuator/metrics}. Read with Jackson 3,
 * the JSON library of a Spring Boot 4 application.
 */
// its codex and model server end with the class: the context cache would keep them for the JVM
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ActuatorOverHttpTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @BeforeAll
    static void live() {
        ApprovalInBrowserTest.liveTestsOn();
    }

    @Test
    void healthShowsCodexAndTheMetersAreListed() throws Exception {
        JsonNode health = get(port, "/actuator/health");
        assertThat(health.path("status").asString()).isEqualTo("UP");
        JsonNode codex = health.path("components").path("codex");
        assertThat(codex.path("status").asString()).isEqualTo("UP");
        assertThat(codex.path("details").path("codex").asString()).isEqualTo("own process");
        assertThat(codex.path("details").path("state").asString()).isEqualTo("connected");
        assertThat(codex.path("details").path("maxThreads").asInt()).isEqualTo(500);

        JsonNode up = get(port, "/actuator/metrics/codex.bridge.connection.up");
        assertThat(up.path("measurements").path(0).path("value").asDouble()).isEqualTo(1.0);
        assertThat(get(port, "/actuator/metrics").path("names").toString())
                .contains("codex.bridge.connection.threads", "codex.bridge.connection.threads.max", "codex.bridge.connection.reconnects");
    }

    /** GET {@code path} on the application, answered 200 with JSON. */
    static JsonNode get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
