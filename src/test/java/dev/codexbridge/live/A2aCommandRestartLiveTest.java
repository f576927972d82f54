package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.support.A2aCommandProcess;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code codex-bridge a2a --contexts DIR --codex-home HOME} stopped (SIGTERM) and started again:
 * the context's next message continues the same codex thread, and the task from the first run is
 * found by {@code tasks/get}.
 */
class A2aCommandRestartLiveTest {
    private static final String TOKEN = "alice-token-0123456789";

    @TempDir
    Path tmp;
    /** alice's codex home and workspace, the same for both runs (not under /tmp: the tenants refuse it). */
    private final Path tenants = TestDirs.create("a2a-restart-tenants");

    @Test
    void aContextOutlivesTheCommand() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request").write();
            Path tokens = Files.writeString(tmp.resolve("tokens"), "alice " + TOKEN + "\n");
            HttpClient http = HttpClient.newHttpClient();

            model.enqueue(ModelReply.message("first run"));
            Process first = start(home, tokens);
            JsonNode one;
            try {
                one = send(http, uri(first), "{\"role\":\"user\",\"messageId\":\"m1\",\"parts\":[{\"kind\":\"text\",\"text\":\"remember the word lantern\"}]}");
            } finally {
                stop(first);
            }
            assertThat(one.at("/status/state").asText()).isEqualTo("completed");
            String context = one.path("contextId").asText();

            model.enqueue(ModelReply.message("second run"));
            Process second = start(home, tokens);
            try {
                URI uri = uri(second);
                JsonNode old = rpc(http, uri, "tasks/get", "{\"id\":\"" + one.path("id").asText() + "\"}");
                assertThat(old.at("/status/state").asText()).isEqualTo("completed");
                assertThat(old.at("/artifacts/0/parts/0/text").asText()).isEqualTo("first run");
                JsonNode two = send(http, uri, "{\"role\":\"user\",\"messageId\":\"m2\",\"contextId\":\"" + context
                        + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"which word?\"}]}");
                assertThat(two.at("/status/state").asText()).isEqualTo("completed");
                assertThat(two.at("/metadata/codexThreadId").asText()).isEqualTo(one.at("/metadata/codexThreadId").asText());
                assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                        .anySatisfy(t -> assertThat(t).contains("lantern"));
            } finally {
                stop(second);
            }
        }
    }

    private Process start(Path home, Path tokens) throws Exception {
        return A2aCommandProcess.start(List.of("--listen", "127.0.0.1:0", "--codex-home", home.toString(), "--tokens", tokens.toString(),
                "--contexts", tmp.resolve("contexts").toString(), "--tenants-root", tenants.toString()));
    }

    private static URI uri(Process p) throws Exception {
        return A2aCommandProcess.listening(p).uri();
    }

    private static void stop(Process p) throws Exception {
        A2aCommandProcess.stop(p);
    }

    private static JsonNode send(HttpClient http, URI uri, String message) throws Exception {
        return rpc(http, uri, "message/send", "{\"message\":" + message + "}");
    }

    private static JsonNode rpc(HttpClient http, URI uri, String method, String params) throws Exception {
        return A2aCommandProcess.rpc(http, uri, TOKEN, method, params);
    }
}
