package dev.codexbridge.readme;

// docs/session.md:BEGIN
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.SandboxMode;
import dev.codexbridge.protocol.SandboxPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** A conversation with the settings a host usually gives: one value per concern. */
final class ConfiguredConversation {
    static CodexSession open(Path workspace, ApprovalHandler ui, UnaryOperator<String> tickets) {
        ApprovalPolicy approvals = ApprovalPolicy.builder()
                .autoApproveFileChanges(false)
                .trustMcpServer("my-tools")                         // its tool calls run without asking
                .handler(ui)                                        // request -> CompletionStage<ApprovalDecision>
                .deadline(Duration.ofMinutes(2))                    // no answer by then = deny
                .build();
        DynamicTool lookup = new DynamicTool("lookup_ticket", "Fetch a ticket by its id",
                Json.parse("{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"}}}"),
                args -> DynamicTool.Result.text(tickets.apply(args.path("id").asText())));
        return CodexSession.builder()
                .connection(CodexClient.builder()                   // how codex is reached: a process of its own
                        .process(CodexLaunch.appServer()            // codex located as embedding.md says
                                .withholdEnvironment(List.of("GH_TOKEN", "SLACK_BOT_TOKEN"))  // host secrets codex must not see
                                .build())
                        .options())
                .replaceThreadOptions(ThreadOptions.builder()                    // thread/start, and thread/resume after a restart
                        .cwd(workspace)
                        .model("gpt-5.5")
                        .sandbox(SandboxMode.WORKSPACE_WRITE)
                        .askForApproval(AskForApproval.ON_REQUEST)
                        .developerInstructions("Keep changes small.")
                        .build())
                .limits(TurnLimits.of(Duration.ofMinutes(10), Duration.ofMinutes(2))  // wall clock, idle
                        .withMaxSteps(40))                          // agent actions per turn
                .approvals(approvals)
                .dynamicTool(lookup)
                .build();
    }

    /** One turn with the session's settings; its transcript goes into the host's history. */
    static TurnResult turn(CodexSession session, String userText, TurnListener listener, List<TranscriptMessage> history) {
        TurnResult r = session.runTurn(TurnInput.text(userText), TurnOptions.DEFAULTS, listener);
        history.addAll(r.messages());                               // chat-shape messages, see transcript.md
        return r;
    }

    /** A turn that thinks harder, may not write and stops after ten actions; what it leaves unset is the session's. */
    static TurnResult carefulTurn(CodexSession session, String userText, List<TranscriptMessage> history) {
        TurnOptions careful = TurnOptions.builder()
                .effort("high")                                     // effort, sandbox and approval policy:
                .sandboxPolicy(new SandboxPolicy.ReadOnly(false))   // codex keeps them for later turns too
                .askForApproval(AskForApproval.NEVER)
                .limits(TurnLimits.INHERIT.withMaxSteps(10))        // this turn only; its timeouts stay the session's
                .build();
        TurnResult r = session.runTurn(TurnInput.text(userText), careful, TurnListener.NONE);
        history.addAll(r.messages());
        return r;
    }
}
// docs/session.md:END
