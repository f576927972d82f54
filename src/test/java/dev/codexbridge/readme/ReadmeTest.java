package dev.codexbridge.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example (this package's HostAgent, shown as compiled: DocsJavaBlocksTest) works. */
class ReadmeTest {
    @TempDir
    Path tmp;

    @Test
    void theReadmeOpensWithWhatItIsThenTheTwoCommands() throws Exception {
        List<String> lines = Files.readAllLines(Paths.get("README.md"));
        assertThat(lines.get(0)).isEqualTo("# codex-bridge");
        int fence = lines.indexOf("```sh");
        assertThat(fence).isBetween(2, 4);
        assertThat(lines.get(fence + 1)).startsWith("bin/codex-bridge demo");
        assertThat(lines.get(fence + 2)).startsWith("bin/test ");
        assertThat(lines.get(fence + 3)).isEqualTo("```");
        // CI runs the README's test command, and that command is the whole suite after its set-up
        assertThat(Files.readString(Paths.get(".ci/run"))).contains("\nbin/test\n");
        assertThat(Files.readString(Paths.get("bin", "test"))).endsWith("\nexec mvn -B -ntp -T \"${CODEXBRIDGE_BUILD_THREADS:-2}\" -Dcodexbridge.javadoc.skip=true -Dcodexbridge.codex.compress=false verify \"$@\"\n");
    }

    @Test
    void theExampleRunsAConversationAgainstTheRealCodex() throws Exception {
        Path codexHome;
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            codexHome = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request").write();
            model.enqueue(ModelReply.builder().execCommandEscalated("c1", "echo from-the-host", "Show it works").build(),
                    ModelReply.message("It works."), ModelReply.message("Still here."));
            List<ApprovalRequest> asked = new ArrayList<>();
            LiveCodex.binary();
            try (HostAgent agent = new HostAgent(Files.createDirectories(tmp.resolve("work")), codexHome, request -> {
                asked.add(request);
                return CompletableFuture.completedFuture(ApprovalDecision.once());
            })) {
                assertThat(agent.handle("try it", TurnListener.NONE)).isEqualTo("It works.");
                assertThat(agent.handle("and again", TurnListener.NONE)).isEqualTo("Still here.");
                assertThat(asked).hasSize(1);
                assertThat(agent.history()).extracting(TranscriptMessage::role).containsExactly(
                        TranscriptMessage.Role.USER, TranscriptMessage.Role.ASSISTANT, TranscriptMessage.Role.TOOL,
                        TranscriptMessage.Role.ASSISTANT, TranscriptMessage.Role.USER, TranscriptMessage.Role.ASSISTANT);
            }
        }
    }
}
