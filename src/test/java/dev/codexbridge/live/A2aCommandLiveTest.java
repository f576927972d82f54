package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.LiveCodex;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code codex-bridge a2a --offline-demo}: a JVM of its own serving the real codex on the demo model, spoken to over HTTP. */
class A2aCommandLiveTest {
    @TempDir
    Path tmp;

    @Test
    void theOfflineDemoAnswersAndAsksThroughInputRequired() throws Exception {
        LiveCodex.binary();
        Path tokens = Files.writeString(tmp.resolve("tokens"), "# principal token\nalice alice-token-0123456789\n");
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "dev.codexbridge.cli.Main",
                "a2a", "--listen", "127.0.0.1:0", "--offline-demo", "--tokens", tokens.toString(), "--workspace", tmp.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
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
            URI uri = URI.create(at.group(1));
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
            assertThat(done.path("artifacts").get(0).path("parts").get(0).path("text").asText()).startsWith("Ran it.").contains(tmp.toString());
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the server stops on SIGTERM").isTrue();
        }
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
