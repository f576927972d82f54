package dev.codexbridge.readme;

// docs/testing.md:BEGIN
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ListMcpServerStatusParams;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.FixtureNormalizer;
import dev.codexbridge.testkit.FixtureRecorder;
import dev.codexbridge.testkit.FixtureReplayer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real codex, offline: a scripted model, a throw-away CODEX_HOME and an MCP server. */
class OfflineCodexTest {
    @TempDir
    Path tmp;

    @Test
    void codexCallsTheMcpToolAndAnswers() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl())
                    .extraToml(EchoMcpServer.configToml("echo"))           // its tools run without asking
                    .write();
            model.enqueue(                                                  // one reply per model request
                    ModelReply.builder().mcpCall("call-1", "echo", "say", Json.object().put("text", "hi")).build(),
                    ModelReply.message("The tool said hi."));
            try (CodexSession session = CodexSession.builder()
                    .connection(codexIn(home).options())
                    .cwd(Files.createDirectories(tmp.resolve("work")))
                    .build()) {
                awaitMcpServers(session);
                TurnResult r = session.runTurn(TurnInput.text("Say hi through the echo tool."));
                assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(r.finalText()).isEqualTo("The tool said hi.");
                assertThat(r.messages()).anySatisfy(m -> assertThat(m.content()).isEqualTo("echo: hi"));
            }
            assertThat(model.responsesRequests().get(1).functionCallOutput("call-1")).hasValueSatisfying(
                    output -> assertThat(output).contains("echo: hi"));           // what codex told the model
        }
    }

    @Test
    void underTheDefaultPolicyNeverAToolCallThatNeedsApprovalFailsAndTheTurnCompletes() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            String echo = EchoMcpServer.configToml("echo").replace("default_tools_approval_mode = \"approve\"\n", "");
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).extraToml(echo).write();
            model.enqueue(ModelReply.builder().mcpCall("call-1", "echo", "say", Json.object().put("text", "hi")).build(),
                    ModelReply.message("The tool was refused."));
            List<ApprovalRequest> asked = new CopyOnWriteArrayList<>();
            try (CodexSession session = CodexSession.builder()
                    .connection(codexIn(home).options())
                    .cwd(Files.createDirectories(tmp.resolve("work")))
                    .approvals(ApprovalPolicy.builder().handler(request -> {
                        asked.add(request);
                        return CompletableFuture.completedFuture(ApprovalDecision.deny("not in this test"));
                    }).build())
                    .build()) {
                awaitMcpServers(session);
                TurnResult r = session.runTurn(TurnInput.text("Say hi through the echo tool."));
                assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);  // the refusal is the tool's result
                assertThat(asked).isEmpty();                              // `never` asks nobody
                assertThat(r.messages()).anySatisfy(m -> assertThat(m.content())
                        .isEqualTo("[error] MCP tool call requires approval, but approval policy is never"));
            }
            assertThat(model.responsesRequests().get(1).functionCallOutput("call-1")).hasValueSatisfying(
                    output -> assertThat(output).contains("MCP tool call requires approval, but approval policy is never"));
        }
    }

    /** The real codex with this CODEX_HOME, started by the session (and again if it dies). */
    private static CodexClient.Builder codexIn(Path home) {
        return CodexClient.builder().process(CodexLaunch.appServer().codexHome(home).build());
    }

    /** A turn does not wait for MCP servers: a tool of one still starting is an "unsupported call". */
    private static void awaitMcpServers(CodexSession session) {
        session.start();                                                // thread/start starts them
        session.client().mcpServerStatusList(ListMcpServerStatusParams.builder()
                .threadId(session.threadId()).build());                 // answered once they are up
    }

    @Test
    void aRecordedConversationReplaysWithoutCodex() throws Exception {
        Path fixture = tmp.resolve("hello.jsonl");
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            Path work = Files.createDirectories(tmp.resolve("work"));
            model.enqueue(ModelReply.message("Hello."));
            FixtureRecorder recorder = new FixtureRecorder();
            try (CodexSession session = CodexSession.builder()
                    .connection(codexIn(home).wireTaps(recorder.wireTaps()).options())  // taps every line both ways
                    .cwd(work)
                    .build()) {
                session.runTurn(TurnInput.text("Greet me."));
            }
            recorder.write(fixture, "hello", "0.171.0", null,           // machine-specific values out
                    new FixtureNormalizer().path(work.toString(), "/work").path(home.toString(), "/codex-home"));
        }
        FixtureReplayer replay = FixtureReplayer.load(fixture);         // a fake codex, no process
        try (CodexSession session = CodexSession.builder()
                .connection(CodexClient.builder().transport(replay.transport()).options())
                .cwd(Path.of("/work"))            // the recorded cwd's placeholder
                .build()) {
            assertThat(session.runTurn(TurnInput.text("Greet me.")).finalText()).isEqualTo("Hello.");
        }
        replay.assertReplayed();                                        // the client sent what it sent before
    }
}
// docs/testing.md:END
