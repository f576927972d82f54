package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A session opened in a folder of the application's choosing, the way docs/spring-boot.md shows
 * ({@code sessions.open(b -> b.cwd(dir))}), keeps {@code codex-bridge.session.ask-for-approval=untrusted}:
 * codex asks before {@code rm}, the application's handler declines, and the file stays. (The idiom
 * the docs showed before, {@code b.thread(ThreadOptions.in(dir))}, replaced the approval setting
 * and codex removed the file without asking.)
 */
@SpringBootTest(classes = HostApplication.class)
@DirtiesContext     // its codex stops with it: the other tests count the codex processes and the questions asked
class FolderKeepsApprovalSpringBootTest {
    private static ScriptedModelServer model;

    @Autowired
    CodexSessions sessions;

    @TempDir
    Path folder;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        Path binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        // the home says never ask: only the application's property asks codex to
        OfflineCodex.register(registry, binary, model, "never");
        registry.add("codex-bridge.session.ask-for-approval", () -> "untrusted");
        registry.add("codex-bridge.session.sandbox", () -> "workspace-write");
        registry.add("codex-bridge.session.turn-timeout", () -> "90s");
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void aFolderChosenTheDocumentedWayKeepsTheApplicationsApprovalSetting() throws Exception {
        Path kept = Files.writeString(folder.resolve("f.txt"), "keep me");
        model.enqueue(ModelReply.builder().execCommand("call-rm", "rm f.txt").build(), ModelReply.message("done"));
        TurnResult result;
        try (CodexSession session = sessions.open(b -> b.cwd(folder))) {
            result = session.runTurn(TurnInput.text("remove f.txt"));
        }
        assertThat(result.status()).as("%s", result.error()).isNotNull();
        // the application's handler is shared with the other tests' applications: this test's questions are the ones in its folder
        List<ApprovalRequest> asked = HostApplication.ASKED.stream().filter(r -> folder.toString().equals(r.cwd())).toList();
        HostApplication.ASKED.removeAll(asked);
        assertThat(asked).as("codex asked the application's handler before rm, in the folder given").hasSize(1);
        assertThat(asked.get(0).command()).contains("rm f.txt");
        assertThat(kept).as("the handler declined, so rm never ran").exists().hasContent("keep me");
    }
}
