package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
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
        HostApplication.ASKED.clear();
        model.enqueue(ModelReply.builder().execCommand("call-rm", "rm f.txt").build(), ModelReply.message("done"));
        TurnResult result;
        try (CodexSession session = sessions.open(b -> b.cwd(folder))) {
            result = session.runTurn(TurnInput.text("remove f.txt"));
        }
        assertThat(result.status()).as("%s", result.error()).isNotNull();
        assertThat(HostApplication.ASKED).as("codex asked the application's handler before rm").hasSize(1);
        assertThat(HostApplication.ASKED.get(0).command()).contains("rm f.txt");
        assertThat(kept).as("the handler declined, so rm never ran").exists().hasContent("keep me");
        // the folder itself was applied: codex ran the command there
        assertThat(HostApplication.ASKED.get(0).cwd()).isEqualTo(folder.toString());
    }
}
