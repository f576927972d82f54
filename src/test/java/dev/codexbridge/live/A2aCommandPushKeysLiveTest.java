package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.a2a.SealingKeys;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.support.A2aCommandProcess;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code codex-bridge a2a --store jdbc:postgresql://… --push-secret-key-file FILE} (issue 73,
 * item 4): the command hands the file's key to the door, which seals the push config a caller set
 * with its message before it reaches the database: the row names the key and holds none of the
 * webhook URL's, token's or credentials' bytes, and the caller reads the config back.
 */
@ExtendWith(PostgresServer.Extension.class)
class A2aCommandPushKeysLiveTest {
    private static final String TOKEN = "alice-token-0123456789";

    @TempDir
    Path tmp;
    private final Path workspace = TestDirs.create("a2a-push-keys-workspace");
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : started) {
            A2aCommandProcess.stop(p);
            p.waitFor(30, TimeUnit.SECONDS);
        }
        TestDirs.delete(workspace);
    }

    @Test
    void theKeyFileSealsThePushConfigsTheDatabaseKeeps(PostgresServer postgres) throws Exception {
        LiveCodex.binary();
        String url = postgres.newDatabase();
        Path tokens = Files.writeString(tmp.resolve("tokens"), "alice " + TOKEN + "\n");
        String key = SealingKeys.newKey();
        Path keyFile = Files.writeString(tmp.resolve("push-keys"), "# the key that seals\n" + key + "\n");
        Process p = A2aCommandProcess.start(List.of("--listen", "127.0.0.1:0", "--offline-demo", "--shared-codex", "--workspace",
                workspace.toString(), "--tokens", tokens.toString(), "--store", url, "--store-holder", "replica-a", "--push-allow-private",
                "--push-secret-key-file", keyFile.toString()));
        started.add(p);
        URI uri = A2aCommandProcess.listening(p).uri();
        HttpClient http = HttpClient.newHttpClient();
        JsonNode card = Json.parse(http.send(HttpRequest.newBuilder(uri.resolve("/.well-known/agent-card.json")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(card.at("/capabilities/pushNotifications").asBoolean()).isTrue();

        JsonNode task = A2aCommandProcess.rpc(http, uri, TOKEN, "message/send", "{\"message\":{\"role\":\"user\",\"messageId\":\"m1\","
                + "\"parts\":[{\"kind\":\"text\",\"text\":\"hello\"}]},\"configuration\":{\"pushNotificationConfig\":{\"id\":\"p1\","
                + "\"url\":\"http://127.0.0.1:9/hook-capability-0xCAFE\",\"token\":\"notification-token-0xBEEF\","
                + "\"authentication\":{\"schemes\":[\"Bearer\"],\"credentials\":\"hook-credential-0xF00D\"}}}}");
        assertThat(task.at("/status/state").asText()).as("%s", task).isEqualTo("completed");

        String row;
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT string_agg(task_id || ' ' || config_id || ' ' || config, ';') FROM codex_a2a_push")) {
            assertThat(rs.next()).isTrue();
            row = rs.getString(1);
        }
        assertThat(row).startsWith(task.path("id").asText() + " p1 sealed:1:" + SealingKeys.parse(key).sealingKeyId() + ":")
                .doesNotContain("hook-capability").doesNotContain("127.0.0.1").doesNotContain("0xBEEF").doesNotContain("0xF00D");
        JsonNode listed = A2aCommandProcess.rpc(http, uri, TOKEN, "tasks/pushNotificationConfig/list",
                "{\"id\":\"" + task.path("id").asText() + "\"}");
        assertThat(listed.at("/0/pushNotificationConfig/url").asText()).isEqualTo("http://127.0.0.1:9/hook-capability-0xCAFE");
        assertThat(listed.at("/0/pushNotificationConfig/token").asText()).isEqualTo("notification-token-0xBEEF");
    }
}
