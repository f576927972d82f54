package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.CommandExecutionStatus;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order in which a host sees a declined command, from the real codex (docs/session.md, "The
 * order of events around an approval"): the command's item starts before codex asks about it,
 * codex reports the request resolved, and the item completes with status declined, no exit code,
 * no output and no duration.
 */
class ApprovalOrderLiveTest {
    @TempDir
    Path tmp;

    @Test
    void aDeclinedCommandStartsBeforeItsApprovalAndCompletesDeclined() throws Exception {
        Path codex = LiveCodex.binary();
        List<String> events = new CopyOnWriteArrayList<>();
        List<ThreadItem.CommandExecution> commands = new CopyOnWriteArrayList<>();
        List<String> askedFor = new CopyOnWriteArrayList<>();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request").write();
            model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "touch outside.txt", "needs to write outside").build(),
                    ModelReply.message("I was not allowed to, so I stopped."));
            TurnListener listener = new TurnListener() {
                @Override
                public void onItemStarted(ThreadItem item) {
                    events.add("started " + item.getClass().getSimpleName());
                    if (item instanceof ThreadItem.CommandExecution c) {
                        commands.add(c);
                    }
                }

                @Override
                public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
                    events.add("completed " + item.getClass().getSimpleName());
                    if (item instanceof ThreadItem.CommandExecution c) {
                        commands.add(c);
                    }
                }

                @Override
                public void onCommandOutputDelta(String itemId, String delta) {
                    events.add("output");
                }

                @Override
                public void onApprovalRequested(ApprovalRequest request) {
                    events.add("approval requested " + request.kind());
                    askedFor.add(String.valueOf(request.itemId()));
                }

                @Override
                public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
                    events.add("approval answered " + decision.choice());
                }

                @Override
                public void onApprovalWithdrawn(ApprovalRequest request) {
                    events.add("approval withdrawn");
                }

                @Override
                public void onNotification(CodexEvent.Notification event) {
                    events.add("notification " + event.method());
                }
            };
            TurnResult result;
            try (CodexSession session = CodexSession.builder()
                    .connection(CodexClient.builder().process(CodexLaunch.appServer(codex).codexHome(home).build()).options())
                    .cwd(Files.createDirectories(tmp.resolve("work")))
                    .approvals(ApprovalPolicy.builder()
                            .handler(r -> CompletableFuture.completedFuture(ApprovalDecision.deny("not here"))).build())
                    .build()) {
                result = session.runTurn(TurnInput.text("create outside.txt"), dev.codexbridge.session.TurnOptions.DEFAULTS, listener);
            }
            assertThat(result.status()).as("%s", result.error()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(result.finalText()).isEqualTo("I was not allowed to, so I stopped.");
            // the model got the refusal as the command's result
            assertThat(model.responsesRequests()).hasSize(2);
            assertThat(model.responsesRequests().get(1).functionCallOutput("call-1")).isPresent();
        }
        List<String> around = events.stream().filter(e -> e.contains("CommandExecution") || e.startsWith("approval")
                || e.equals("output") || e.startsWith("notification serverRequest")).toList();
        assertThat(around).containsExactly("started CommandExecution", "approval requested COMMAND",
                "approval answered DENY", "notification serverRequest/resolved", "completed CommandExecution");
        assertThat(commands).hasSize(2);
        ThreadItem.CommandExecution started = commands.get(0);
        ThreadItem.CommandExecution completed = commands.get(1);
        assertThat(started.status()).isEqualTo(CommandExecutionStatus.IN_PROGRESS);
        assertThat(completed.status()).isEqualTo(CommandExecutionStatus.DECLINED);
        assertThat(completed.id()).isEqualTo(started.id());
        assertThat(askedFor).containsExactly(started.id());
        // nothing ran: no exit code, no output, no duration
        assertThat(completed.exitCode()).isNull();
        assertThat(completed.aggregatedOutput()).isNull();
        assertThat(completed.durationMs()).isNull();
        assertThat(completed.completedAtMs()).isNotNull();
    }
}
