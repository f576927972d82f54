package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code codex-bridge.a2a.enabled=true} in a whole Spring Boot application: the A2A server is a
 * bean on the application's codex sessions, listening once the context is up; the agent card
 * answers and a message is sent through to the real codex on the scripted model. Without the
 * property there is no server ({@link A2aAbsentSpringBootTest}).
 */
// closed after the class: its codex must not outlive it (other tests count the app-servers this JVM runs)
@DirtiesContext
@SpringBootTest(classes = HostApplication.class, properties = {"codex-bridge.a2a.enabled=true", "codex-bridge.a2a.shared-codex=true", "codex-bridge.a2a.port=0",
        "codex-bridge.a2a.streams-per-principal=5", "codex-bridge.a2a.blocking-sends-per-principal=6", "codex-bridge.a2a.tasks=2000"})
class A2aSpringBootTest {
    private static final String TOKEN = "spring-a2a-token-5f2c91";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ScriptedModelServer model;

    @Autowired
    A2aServer server;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        Path binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        OfflineCodex.register(registry, binary, model, "on-request");
        registry.add("codex-bridge.session.turn-timeout", () -> "90s");
        Path tokens = OfflineCodex.tokensFile("alice", TOKEN);
        registry.add("codex-bridge.a2a.tokens-file", tokens::toString);
        registry.add("codex-bridge.a2a.contexts-directory", () -> tokens.resolveSibling("contexts").toString());
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void theLimitsPropertiesReachTheServer() {
        assertThat(server.limits().streamsPerPrincipal()).isEqualTo(5);
        assertThat(server.limits().blockingSendsPerPrincipal()).isEqualTo(6);
        assertThat(server.limits().tasks()).isEqualTo(2000);
        assertThat(server.limits().streams()).isEqualTo(64);
    }

    @Test
    void theAgentCardAnswersAndAMessageIsSentThroughToCodex() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI base = server.uri();
        HttpResponse<String> card = http.send(HttpRequest.newBuilder(base.resolve("/.well-known/agent-card.json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(card.statusCode()).isEqualTo(200);
        JsonNode c = JSON.readTree(card.body());
        assertThat(c.path("url").asText()).isEqualTo(base.toString());
        assertThat(c.path("name").asText()).isEqualTo("codex");

        model.enqueue(ModelReply.message("Hello from codex in Spring"));
        String send = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":{\"kind\":\"message\","
                + "\"role\":\"user\",\"messageId\":\"m-1\",\"parts\":[{\"kind\":\"text\",\"text\":\"say hello\"}]}}}";
        HttpResponse<String> sent = http.send(HttpRequest.newBuilder(base).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(send)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode task = JSON.readTree(sent.body()).path("result");
        assertThat(task.at("/status/state").asText()).as(sent.body()).isEqualTo("completed");
        assertThat(task.at("/artifacts/0/parts/0/text").asText()).isEqualTo("Hello from codex in Spring");
        assertThat(task.at("/metadata/codexThreadId").asText()).isNotBlank();

        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(base).POST(HttpRequest.BodyPublishers.ofString(send)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
    }

    @Test
    void theServerStopsWithItsApplication() throws Exception {
        Path dir = Files.createTempDirectory("spring-a2a-stop");
        Path home = OfflineCodex.home(dir.resolve("home"), model, "on-request");
        Path work = Files.createDirectories(dir.resolve("work"));
        HttpClient http = HttpClient.newHttpClient();
        URI card;
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(HostApplication.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.process.binary=" + OfflineCodex.binary(), "codex-bridge.process.codex-home=" + home,
                        "codex-bridge.session.cwd=" + work, "codex-bridge.a2a.enabled=true", "codex-bridge.a2a.shared-codex=true", "codex-bridge.a2a.port=0",
                        "codex-bridge.a2a.anonymous=local")
                .run()) {
            card = app.getBean(A2aServer.class).uri().resolve("/.well-known/agent-card.json");
            assertThat(http.send(HttpRequest.newBuilder(card).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(card).build(), HttpResponse.BodyHandlers.ofString()))
                .as("nothing listens once the application closed").isInstanceOf(ConnectException.class);
    }

    @Test
    void jwtPropertiesAuthenticateCallersAndPushNotificationsCanBeTurnedOff() throws Exception {
        Path dir = Files.createTempDirectory("spring-a2a-jwt");
        Path home = OfflineCodex.home(dir.resolve("home"), model, "on-request");
        Path work = Files.createDirectories(dir.resolve("work"));
        String secret = "a-shared-secret-of-at-least-32-bytes-1234";
        Path secretFile = Files.writeString(dir.resolve("secret"), secret + "\n");
        HttpClient http = HttpClient.newHttpClient();
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(HostApplication.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.process.binary=" + OfflineCodex.binary(), "codex-bridge.process.codex-home=" + home,
                        "codex-bridge.session.cwd=" + work, "codex-bridge.a2a.enabled=true", "codex-bridge.a2a.shared-codex=true", "codex-bridge.a2a.port=0",
                        "codex-bridge.a2a.jwt.hs256-secret-file=" + secretFile, "codex-bridge.a2a.jwt.issuer=https://login.example",
                        "codex-bridge.a2a.push.enabled=false")
                .run()) {
            URI base = app.getBean(A2aServer.class).uri();
            JsonNode card = JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve("/.well-known/agent-card.json")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(card.at("/capabilities/pushNotifications").asBoolean(true)).isFalse();

            String get = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/get\",\"params\":{\"id\":\"no-such-task\"}}";
            HttpResponse<String> signed = post(http, base, get, jwt(secret, "https://login.example", "alice"));
            assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
            assertThat(JSON.readTree(signed.body()).at("/error/code").asInt()).as("authenticated: the task is just not there")
                    .isEqualTo(-32001);
            assertThat(post(http, base, get, jwt("another-secret-of-at-least-32-bytes-5678", "https://login.example", "alice"))
                    .statusCode()).as("signed with another key").isEqualTo(401);
            assertThat(post(http, base, get, jwt(secret, "https://elsewhere.example", "alice")).statusCode())
                    .as("another issuer").isEqualTo(401);
            assertThat(post(http, base, get, null).statusCode()).as("no token").isEqualTo(401);
        }
    }

    /**
     * The application's ApprovalHandler bean ({@link HostApplication}'s declines everything) and
     * codex-bridge.approval.* decide A2A sessions' requests before any caller: with callers allowed to
     * answer, the rm the handler declines is never put to the caller and never runs (the workspace and
     * codex's call output in the model's record say so).
     */
    @Test
    void theApplicationsPolicyDecidesBeforeTheA2aCaller() throws Exception {
        Path dir = Files.createTempDirectory("spring-a2a-policy");
        Path home = OfflineCodex.home(dir.resolve("home"), model, "on-request");
        Path work = Files.createDirectories(dir.resolve("work"));
        Path keep = Files.writeString(work.resolve("keep.txt"), "precious");
        HttpClient http = HttpClient.newHttpClient();
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(HostApplication.class)
                .web(WebApplicationType.NONE)
                .properties("codex-bridge.process.binary=" + OfflineCodex.binary(), "codex-bridge.process.codex-home=" + home,
                        "codex-bridge.session.cwd=" + work, "codex-bridge.a2a.enabled=true", "codex-bridge.a2a.shared-codex=true", "codex-bridge.a2a.port=0",
                        "codex-bridge.a2a.anonymous=local", "codex-bridge.approval.allow-programs=ls,pwd",
                        "codex-bridge.approval.caller-approvals=true")
                .run()) {
            URI base = app.getBean(A2aServer.class).uri();
            int before = model.responsesRequests().size();
            model.enqueue(ModelReply.builder().execCommandEscalated("call-rm", "rm keep.txt", "Clean up").build(),
                    ModelReply.message("finished"));
            String send = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":{\"kind\":\"message\","
                    + "\"role\":\"user\",\"messageId\":\"m-rm\",\"parts\":[{\"kind\":\"text\",\"text\":\"clean up\"}]}}}";
            JsonNode task = JSON.readTree(post(http, base, send, null).body()).path("result");
            assertThat(task.at("/status/state").asText()).as(task.toString()).isEqualTo("completed");
            assertThat(HostApplication.ASKED).anyMatch(r -> r.command().contains("rm keep.txt"));
            assertThat(model.responsesRequests().get(before + 1).functionCallOutput("call-rm")).hasValueSatisfying(o ->
                    assertThat(o).contains("rejected by user"));
            // a caller's accept now changes nothing: the task is over
            String accept = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"message/send\",\"params\":{\"message\":{\"kind\":\"message\","
                    + "\"role\":\"user\",\"messageId\":\"m-yes\",\"taskId\":\"" + task.path("id").asText()
                    + "\",\"parts\":[{\"kind\":\"data\",\"data\":{\"decision\":\"accept\"}}]}}}";
            assertThat(JSON.readTree(post(http, base, accept, null).body()).has("error")).isTrue();
            assertThat(keep).hasContent("precious");
        } finally {
            HostApplication.ASKED.removeIf(r -> r.command().contains("rm keep.txt"));   // shared with the other tests' applications
        }
    }

    private static HttpResponse<String> post(HttpClient http, URI base, String body, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(base).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String jwt(String secret, String issuer, String subject) throws Exception {
        com.nimbusds.jwt.SignedJWT t = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
                new com.nimbusds.jwt.JWTClaimsSet.Builder().issuer(issuer).subject(subject)
                        .expirationTime(new java.util.Date(System.currentTimeMillis() + 60_000)).build());
        t.sign(new com.nimbusds.jose.crypto.MACSigner(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return t.serialize();
    }
}
