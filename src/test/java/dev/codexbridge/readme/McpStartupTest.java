package dev.codexbridge.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ListMcpServerStatusParams;
import dev.codexbridge.protocol.McpServerStatus;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;

/**
 * What docs/embedding.md and docs/testing.md say about MCP servers that are still starting, as
 * codex 0.169.0 does it: a turn does not wait for them, and {@code mcpServerStatus/list} for the
 * thread is answered only once they are up.
 */
class McpStartupTest {
    private static final Duration STARTUP = Duration.ofSeconds(3);

    @TempDir
    Path tmp;

    /** The echo server, started {@link #STARTUP} late. */
    private static String slowEcho() {
        String command = "sleep " + STARTUP.toSeconds() + "; exec " + ChildJvm.shellCommand() + " -cp '" + ChildJvm.classPath()
                + "' " + EchoMcpServer.class.getName();
        return "[mcp_servers.echo]\ncommand = \"sh\"\nargs = [\"-c\", " + Json.write(Json.nodes().textNode(command)) + "]\n"
                + "default_tools_approval_mode = \"approve\"\nstartup_timeout_sec = 30.0\n";
    }

    @Test
    void aTurnThatStartsBeforeTheServerIsUpDoesNotSeeItsToolsAndCompletesWithoutRunningTheCall() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).extraToml(slowEcho()).write();
            model.enqueue(ModelReply.builder().mcpCall("call-1", "echo", "say", Json.object().put("text", "hi")).build(),
                    ModelReply.message("done"));
            try (CodexSession session = CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer().codexHome(home).build()).options()).cwd(Files.createDirectories(tmp.resolve("w"))).build()) {
                TurnResult r = session.runTurn(TurnInput.text("go"));
                assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(r.messages()).noneSatisfy(m -> assertThat(m.content()).isEqualTo("echo: hi"));
                assertThat(r.finalText()).isEqualTo("done");
            }
            assertThat(model.responsesRequests().get(0).toolNames()).doesNotContain("mcp__echo");
            assertThat(model.responsesRequests().get(1).functionCallOutput("call-1")).hasValueSatisfying(o -> assertThat(o).startsWith("unsupported call"));
        }
    }

    @Test
    void theThreadsServerStatusListIsAnsweredOnceTheServerIsUp() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).extraToml(slowEcho()).write();
            model.enqueue(ModelReply.builder().mcpCall("call-1", "echo", "say", Json.object().put("text", "hi")).build(),
                    ModelReply.message("done"));
            try (CodexSession session = CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer().codexHome(home).build()).options()).cwd(Files.createDirectories(tmp.resolve("w"))).build()) {
                long started = System.nanoTime();
                session.start();
                McpServerStatus echo = session.client().mcpServerStatusList(
                        ListMcpServerStatusParams.builder().threadId(session.threadId()).build()).data().get(0);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(STARTUP);
                assertThat(echo.name()).isEqualTo("echo");
                assertThat(echo.tools()).containsKey("say");
                TurnResult r = session.runTurn(TurnInput.text("go"));
                assertThat(r.messages()).anySatisfy(m -> assertThat(m.content()).isEqualTo("echo: hi"));
            }
            assertThat(model.responsesRequests().get(0).toolNames()).contains("mcp__echo");
        }
    }
}
