package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.process.CodexConnection;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.protocol.InitializeCapabilities;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.LogCapture;
import dev.codexbridge.support.RawHandshake;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real codex's stderr reaches the host's log at codex's own level, under a logger named after
 * codex's module, without its colour escapes: a line codex logs as ERROR (a line on stdin that
 * is not JSON) and the INFO lines it writes with {@code RUST_LOG=info}.
 */
class StderrLevelsLiveTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void codexsOwnLevelsAndModulesReachTheHostsLog() throws Exception {
        Path codex = LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LogCapture log = LogCapture.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            Path work = Files.createDirectories(tmp.resolve("work"));
            try (CodexConnection conn = CodexConnection.open(
                    CodexLaunch.appServer(codex).codexHome(home).workingDirectory(work).environment("RUST_LOG", "info").build(),
                    peer -> { })) {
                RawHandshake.initialize(conn, new InitializeParams(new InitializeCapabilities(true, null, null, null, null, null, null),
                        new ClientInfo("codex_bridge_test", "codex-bridge tests", "0.0.0")), TIMEOUT);
                // between two requests nothing else is written: a line codex cannot read, which it logs as ERROR
                OutputStream stdin = conn.process().stdin();
                synchronized (stdin) {
                    stdin.write("this is not JSON\n".getBytes(StandardCharsets.UTF_8));
                    stdin.flush();
                }
                await().atMost(TIMEOUT).until(() -> log.text().contains("Failed to deserialize JSONRPCMessage"));
                String text = log.text();
                assertThat(text)
                        .contains("ERROR dev.codexbridge.codex.stderr.codex_app_server_transport.transport - "
                                + "Failed to deserialize JSONRPCMessage")
                        .containsPattern("INFO dev\\.codexbridge\\.codex\\.stderr\\.codex_[a-z_.]+ - \\S")
                        .doesNotContain("\u001b")
                        .doesNotContain("\\u001b[");
            }
        }
    }
}
