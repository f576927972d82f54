package dev.codexbridge.live;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code codex-bridge run --connect} against a real app-server listening on a WebSocket or unix socket. */
class RunConnectLiveTest {
    private static final String TOKEN = "cli-capability-token-91be4f07";
    private static final String SECRET = "cli-shared-secret-abcdefghijklmnopqrstuvwxyz-0123";

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path home;
    private Path work;

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        if (model != null) {
            model.close();
        }
    }

    private Path file(String name, String content) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, content + "\n");
        return f;
    }

    private static void noSecretIn(String[] r) {
        assertThat(r[1] + r[2]).doesNotContain(TOKEN).doesNotContain(SECRET);
    }

    @Test
    void aTurnRunsOnARunningAppServerWithATokenFileAndAWrongTokenExitsWithThree() throws Exception {
        Path token = file("token", TOKEN);
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work,
                List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()))) {
            model.enqueue(ModelReply.message("Hello over --connect."));
            String[] ok = run("run", "say hello", "--connect", server.uri().toString(), "--token-file", token.toString(),
                    "--cwd", work.toString(), "--json");
            assertThat(ok[0]).as(ok[2]).isEqualTo("0");
            JsonNode result = Json.parse(ok[1].strip());
            assertThat(result.path("finalText").asText()).isEqualTo("Hello over --connect.");
            assertThat(result.path("status").asText()).isEqualTo("completed");
            noSecretIn(ok);

            Path wrong = file("wrong", "wrong-" + TOKEN);
            String[] refused = run("run", "say hello", "--connect", server.uri().toString(), "--token-file", wrong.toString(),
                    "--cwd", work.toString(), "--json");
            assertThat(refused[0]).isEqualTo("3");
            assertThat(refused[1]).isEmpty();
            assertThat(refused[2]).contains("authentication failed").contains("invalid websocket bearer token")
                    .contains("--ws-token-file").doesNotContain("wrong-");
            noSecretIn(refused);

            String[] missing = run("run", "say hello", "--connect", server.uri().toString(), "--cwd", work.toString());
            assertThat(missing[0]).isEqualTo("3");
            assertThat(missing[2]).contains("missing websocket bearer token");
            assertThat(String.join("\n", server.stderr())).doesNotContain(TOKEN);
        }
    }

    @Test
    void aSignedJwtFromTheSharedSecretIsAcceptedAndAWrongIssuerRefused() throws Exception {
        Path secret = file("secret", SECRET);
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of("--ws-auth", "signed-bearer-token",
                "--ws-shared-secret-file", secret.toString(), "--ws-issuer", "ci", "--ws-audience", "codex-nodes"))) {
            model.enqueue(ModelReply.message("Signed."));
            String[] ok = run("run", "go", "--connect", server.uri().toString(), "--jwt-secret-file", secret.toString(),
                    "--jwt-issuer", "ci", "--jwt-audience", "codex-nodes", "--cwd", work.toString());
            assertThat(ok[0]).as(ok[2]).isEqualTo("0");
            assertThat(ok[1].strip()).isEqualTo("Signed.");
            noSecretIn(ok);

            String[] refused = run("run", "go", "--connect", server.uri().toString(), "--jwt-secret-file", secret.toString(),
                    "--jwt-issuer", "someone-else", "--jwt-audience", "codex-nodes", "--cwd", work.toString());
            assertThat(refused[0]).isEqualTo("3");
            assertThat(refused[2]).contains("websocket jwt issuer mismatch").contains("--ws-issuer");
            noSecretIn(refused);
        }
    }

    @Test
    void aTurnRunsOverTheUnixSocket() throws Exception {
        Path socket = tmp.resolve("app.sock");
        try (ListeningAppServer server = ListeningAppServer.unix(LiveCodex.binary(), home, work, socket)) {
            model.enqueue(ModelReply.message("Over the socket."));
            String[] ok = run("run", "hi", "--connect", "unix://" + socket, "--cwd", work.toString());
            assertThat(ok[0]).as(ok[2]).isEqualTo("0");
            assertThat(ok[1].strip()).isEqualTo("Over the socket.");
        }
    }

    @Test
    void anUnreachableAppServerIsAConfigurationErrorThatNamesIt() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String[] r = run("run", "hi", "--connect", "ws://127.0.0.1:" + port, "--cwd", work.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("cannot connect to codex app-server at ws://127.0.0.1:" + port);
    }
}
