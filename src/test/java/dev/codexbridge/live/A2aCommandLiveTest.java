package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code codex-bridge a2a --offline-demo}: a JVM of its own serving the real codex on the demo model, spoken to over HTTP. */
class A2aCommandLiveTest {
    @TempDir
    Path tmp;
    private Process process;
    /** Each principal's workspace is a folder of its own in here (not under /tmp: every codex sandbox writes there). */
    private final Path workspaces = TestDirs.create("a2a-command-workspaces");

    /** Starts {@code codex-bridge a2a --offline-demo} with {@code options}; its address once it listens. */
    private URI start(List<String> options) throws Exception {
        LiveCodex.binary();
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "dev.codexbridge.cli.Main",
                "a2a", "--listen", "127.0.0.1:0", "--offline-demo", "--workspace", workspaces.toString()));
        command.addAll(options);
        process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        Matcher at = null;
        for (String line; (line = err.readLine()) != null; ) {
            lines.add(line);
            Matcher m = Pattern.compile("A2A agent at (http://\\S+/) ").matcher(line);
            if (m.find()) {
                at = m;
                break;
            }
        }
        assertThat(at).as(String.join("\n", lines)).isNotNull();
        assertThat(lines).noneMatch(l -> l.contains("jetty") && l.contains("INFO"));
        return URI.create(at.group(1));
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null) {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the server stops on SIGTERM").isTrue();
        }
    }

    @Test
    void theOfflineDemoAnswersAndAsksThroughInputRequired() throws Exception {
        Path tokens = Files.writeString(tmp.resolve("tokens"), "# principal token\nalice alice-token-0123456789\n");
        URI uri = start(List.of("--tokens", tokens.toString(), "--caller-approvals"));
        HttpClient http = HttpClient.newHttpClient();
        JsonNode card = Json.parse(http.send(HttpRequest.newBuilder(uri.resolve("/.well-known/agent-card.json")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(card.path("capabilities").path("streaming").asBoolean()).isTrue();

        JsonNode hello = call(http, uri, "{\"role\":\"user\",\"messageId\":\"m1\",\"parts\":[{\"kind\":\"text\",\"text\":\"hello\"}]}");
        assertThat(hello.path("status").path("state").asText()).isEqualTo("completed");
        assertThat(hello.path("artifacts").get(0).path("parts").get(0).path("text").asText()).contains("you said \"hello\"");

        JsonNode asked = call(http, uri, "{\"role\":\"user\",\"messageId\":\"m2\",\"parts\":[{\"kind\":\"text\",\"text\":\"run it\"}]}");
        assertThat(asked.path("status").path("state").asText()).isEqualTo("input-required");
        assertThat(asked.path("status").path("message").path("parts").get(1).path("data").path("codexRequest").path("kind").asText())
                .isEqualTo("command");
        JsonNode done = call(http, uri, "{\"role\":\"user\",\"messageId\":\"m3\",\"taskId\":\"" + asked.path("id").asText()
                + "\",\"parts\":[{\"kind\":\"data\",\"data\":{\"decision\":\"accept\"}}]}");
        assertThat(done.path("status").path("state").asText()).isEqualTo("completed");
        assertThat(done.path("artifacts").get(0).path("parts").get(0).path("text").asText()).startsWith("Ran it.")
                .contains(workspaces.resolve("alice").toString());
    }

    /** Without --caller-approvals the caller is never the approver: the command --allow does not allow is declined unasked. */
    @Test
    void withoutCallerApprovalsTheCallerIsNeverAskedAndTheCommandIsDeclined() throws Exception {
        Path tokens = Files.writeString(tmp.resolve("tokens"), "alice alice-token-0123456789\n");
        URI uri = start(List.of("--tokens", tokens.toString(), "--allow", "ls,cat"));
        HttpClient http = HttpClient.newHttpClient();
        JsonNode ran = call(http, uri, "{\"role\":\"user\",\"messageId\":\"m1\",\"parts\":[{\"kind\":\"text\",\"text\":\"run it\"}]}");
        assertThat(ran.path("status").path("state").asText()).isEqualTo("completed");
        // the demo model repeats what codex told it about its command: codex's own words for a decline
        assertThat(ran.path("artifacts").get(0).path("parts").get(0).path("text").asText()).contains("rejected by user")
                .doesNotContain(workspaces.toString());
    }

    @Test
    void jwtOptionsAuthenticateCallersOnTheRestBinding() throws Exception {
        byte[] secret = "a-shared-secret-of-32-bytes-or-more".getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(tmp.resolve("secret"), secret);
        URI uri = start(List.of("--jwt-hs256-secret-file", file.toString(), "--jwt-issuer", "https://login.example",
                "--jwt-audience", "codex-agent", "--push-allow-private"));
        HttpClient http = HttpClient.newHttpClient();
        JsonNode card = Json.parse(http.send(HttpRequest.newBuilder(uri.resolve("/.well-known/agent-card.json")).header("A2A-Version", "1.0")
                .build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(card.at("/securitySchemes/bearer/httpAuthSecurityScheme/bearerFormat").asText()).isEqualTo("JWT");
        assertThat(card.at("/capabilities/pushNotifications").asBoolean()).isTrue();

        String good = hs256(secret, "codex-agent", 300);
        String body = "{\"message\":{\"messageId\":\"m1\",\"role\":\"ROLE_USER\",\"parts\":[{\"text\":\"hello\"}]}}";
        HttpResponse<String> sent = http.send(HttpRequest.newBuilder(uri.resolve("/message:send")).header("A2A-Version", "1.0")
                .header("Authorization", "Bearer " + good).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(Json.parse(sent.body()).at("/task/status/state").asText()).isEqualTo("TASK_STATE_COMPLETED");
        for (String bad : List.of(hs256(secret, "another-agent", 300), hs256(secret, "codex-agent", -300),
                hs256("a-different-secret-of-32-bytes-or-more".getBytes(StandardCharsets.UTF_8), "codex-agent", 300))) {
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(uri.resolve("/tasks")).header("Authorization", "Bearer " + bad)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
        }
    }

    private static String hs256(byte[] secret, String audience, long validSeconds) throws Exception {
        java.time.Instant now = java.time.Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject("alice")
                .issuer("https://login.example").audience(audience).expirationTime(java.util.Date.from(now.plusSeconds(validSeconds))).build());
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    private static JsonNode call(HttpClient http, URI uri, String message) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":" + message + "}}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer alice-token-0123456789")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode json = Json.parse(r.body());
        assertThat(json.has("error")).as(r.body()).isFalse();
        return json.path("result");
    }
}
