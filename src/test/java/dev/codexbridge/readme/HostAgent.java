package dev.codexbridge.readme;

// README.md:BEGIN
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.SandboxMode;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A host agent loop: one CodexSession per conversation, one runTurn per user turn. */
public final class HostAgent implements AutoCloseable {
    private final CodexSession session;
    private final List<TranscriptMessage> history = new ArrayList<>();

    public HostAgent(Path workspace, Path codexHome, ApprovalHandler approvals) {
        session = CodexSession.builder()
                .connection(CodexClient.builder()                      // a codex process of the session's own
                        .process(CodexLaunch.appServer().codexHome(codexHome).build())  // codex's config, auth and threads
                        .options())
                .replaceThreadOptions(ThreadOptions.builder()                       // what thread/start (and a resume) sends
                        .cwd(workspace)
                        .sandbox(SandboxMode.WORKSPACE_WRITE)          // commands may write inside the workspace
                        .askForApproval(AskForApproval.ON_REQUEST)     // codex asks before leaving the sandbox
                        .build())
                .approvals(ApprovalPolicy.builder()
                        .handler(approvals)                            // commands, patches, MCP tools, questions
                        .deadline(Duration.ofMinutes(2))               // no answer in time = deny
                        .build())
                .limits(TurnLimits.of(Duration.ofMinutes(10), Duration.ofMinutes(2))  // wall clock, idle
                        .withMaxSteps(50))                             // commands, patches and tool calls per turn
                .build();
    }

    /** One user turn: codex's answer, with the turn's transcript kept in the host's history. */
    public String handle(String userText, TurnListener progress) {
        TurnResult result = session.runTurn(TurnInput.text(userText), TurnOptions.DEFAULTS, progress);
        history.addAll(result.messages());                             // OpenAI chat-shape messages
        if (result.status() != TurnOutcome.COMPLETED) {
            TurnFailure e = result.error();
            return "codex stopped (" + result.status().wire() + ")"
                    + (e == null ? "" : ": " + e.message() + " — " + e.remediation());
        }
        return result.finalText();
    }

    public List<TranscriptMessage> history() {
        return List.copyOf(history);
    }

    @Override
    public void close() {
        session.close();                                               // stops codex
    }
}
// README.md:END
