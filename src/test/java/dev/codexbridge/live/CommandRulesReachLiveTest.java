package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.SandboxMode;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which commands reach {@link CommandRules} at all: only those codex asks about. The scripted
 * model runs plain {@code ls}, {@code cat notes.txt} and {@code rm other.txt} (not asking to
 * leave the sandbox) in a {@code workspace-write} sandbox. Under {@code on-request} codex 0.169.0
 * asks about none of them, so {@code rm} deletes the file with no rule consulted; under
 * {@code untrusted} it asks about every one, so the rules run {@code ls} and {@code cat} and the
 * handler refuses {@code rm}. docs/session.md ("Allowing some commands") rests on this.
 */
class CommandRulesReachLiveTest {
    @TempDir
    Path tmp;

    private record Run(TurnResult result, List<String> askedAbout, List<String> handlerAsked, boolean otherStillThere) {
    }

    private Run run(AskForApproval ask, String name) throws Exception {
        WireSchema.Recorder wire = new WireSchema.Recorder();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve(name + "-home"), model.baseUrl()).write();
            Path work = Files.createDirectories(tmp.resolve(name + "-work"));
            Files.writeString(work.resolve("notes.txt"), "x\n");
            Files.writeString(work.resolve("other.txt"), "y\n");
            model.enqueue(ModelReply.builder().execCommand("c-ls", "ls").build(),
                    ModelReply.builder().execCommand("c-cat", "cat notes.txt").build(),
                    ModelReply.builder().execCommand("c-rm", "rm other.txt").build(),
                    ModelReply.message("done"));
            List<String> askedAbout = new CopyOnWriteArrayList<>();
            List<String> handlerAsked = new CopyOnWriteArrayList<>();
            ApprovalPolicy approvals = ApprovalPolicy.builder()
                    .commandRules(CommandRules.builder().allowPrograms("ls", "cat").askHandlerForOthers(true).build())
                    .handler(request -> {
                        handlerAsked.add(request.command());
                        return CompletableFuture.completedFuture(ApprovalDecision.deny("only ls and cat"));
                    })
                    .build();
            TurnListener listener = new TurnListener() {
                @Override
                public void onApprovalRequested(ApprovalRequest request) {
                    askedAbout.add(request.command());
                }
            };
            TurnResult r;
            try (CodexClient codex = CodexClient.builder()
                    .process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).build()).wireTap(wire).connect();
                 CodexSession s = CodexSession.builder().client(codex)
                         .replaceThreadOptions(ThreadOptions.builder().cwd(work).sandbox(SandboxMode.WORKSPACE_WRITE).askForApproval(ask).build())
                         .limits(TurnLimits.of(Duration.ofSeconds(180), Duration.ZERO))
                         .approvals(approvals).build()) {
                r = s.runTurn(TurnInput.text("tidy up"), TurnOptions.DEFAULTS, listener);
            }
            assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
            return new Run(r, askedAbout, handlerAsked, Files.exists(work.resolve("other.txt")));
        }
    }

    @Test
    void underOnRequestAPlainCommandInTheSandboxReachesNoRule() throws Exception {
        Run run = run(AskForApproval.ON_REQUEST, "on-request");
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.askedAbout()).as("codex asked about nothing").isEmpty();
        assertThat(run.otherStillThere()).as("rm ran unasked inside the workspace-write sandbox").isFalse();
    }

    @Test
    void underUntrustedEveryCommandReachesTheRules() throws Exception {
        Run run = run(AskForApproval.UNTRUSTED, "untrusted");
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.askedAbout()).containsExactly("/bin/bash -c ls", "/bin/bash -c 'cat notes.txt'", "/bin/bash -c 'rm other.txt'");
        assertThat(run.handlerAsked()).as("ls and cat were the rules' to allow").containsExactly("/bin/bash -c 'rm other.txt'");
        assertThat(run.otherStillThere()).as("rm was refused").isTrue();
        assertThat(run.result().messages()).anySatisfy(m -> assertThat(m.content()).contains("notes.txt"));
    }
}
