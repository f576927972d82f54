package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.lineage.ThreadLineage;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout under thread X's name whose records are thread Y's, on the real codex: stored as X's
 * lineage, the wake refuses it before anything is written on the app-server; found on the
 * app-server's own disk, codex 0.171.0 refuses the resume itself ("thread source changed during
 * resume"), so no turn runs and Y is never loaded. (0.169.0 resumed the thread the rollout's first
 * line names; the session then failed the turn with {@code OtherThreadResumedException} and let Y
 * go, which {@code OtherThreadResumedTest} keeps checking with the in-memory codex.)
 */
class ForgedLineageLiveTest {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void anotherThreadsRecordsUnderAThreadsNameRunNoTurn() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            model.enqueue(ModelReply.message("x answer"), ModelReply.message("y answer"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path homeA = IsolatedCodexHome.builder(tmp.resolve("home-a"), model.baseUrl()).write();
            Path homeB = IsolatedCodexHome.builder(tmp.resolve("home-b"), model.baseUrl()).write();
            String x;
            String y;
            RolloutFile forged;
            try (CodexClient codexA = CodexClient.builder().process(launch(homeA, work, "codex-a")).connect()) {
                x = oneTurn(codexA, work, "x question");
                y = oneTurn(codexA, work, "y question");
                RolloutFile own = ThreadLineage.export(codexA, x, null, TIMEOUT).get(0);
                forged = RolloutFile.of(own.relativePath(), ThreadLineage.export(codexA, y, null, TIMEOUT).get(0).bytes());
            }
            int requests = model.responsesRequests().size();

            try (CodexClient codexB = CodexClient.builder().process(launch(homeB, work, "codex-b")).connect()) {
                // stored as X's conversation: the wake refuses it, and B's home gets nothing
                ConversationLease lease = store.lease(x, "someone", Duration.ofMinutes(1));
                store.put(lease, StoredConversation.builder(x, List.of(forged)).build());
                store.release(lease);
                try (CodexSession woken = session(codexB, work, x).storage(ConversationStorage.builder(store, "host-b").build()).build()) {
                    TurnResult refused = woken.runTurn(TurnInput.text("a turn under X's name"));
                    assertThat(refused.status()).as("%s", refused).isEqualTo(TurnOutcome.FAILED);
                    assertThat(refused.error().message()).contains("stored conversation " + x + " is corrupt").contains("is thread " + y + "'s");
                }
                assertThat(rollouts(homeB)).as("nothing written on B").isEmpty();

                // the same file on B's own disk: codex refuses X's resume, and the session runs nothing
                Path planted = forged.resolveIn(homeB.resolve("sessions"));
                Files.createDirectories(planted.getParent());
                Files.write(planted, forged.bytes());
                try (CodexSession resumed = session(codexB, work, x).build()) {
                    TurnResult wrong = resumed.runTurn(TurnInput.text("a turn under X's name"));
                    assertThat(wrong.status()).as("%s", wrong).isEqualTo(TurnOutcome.FAILED);
                    assertThat(wrong.error().message()).contains("codex could not resume thread " + x)
                            .contains("thread source changed during resume");
                    assertThat(codexB.threadLoadedList(new ThreadLoadedListParams(null, null)).data()).as("Y not loaded on B")
                            .doesNotContain(y);
                }
            }
            assertThat(model.responsesRequests()).as("no turn reached the model").hasSize(requests);
            assertThat(model.unscriptedRequests()).isZero();
        }
    }

    private static String oneTurn(CodexClient codex, Path work, String question) {
        try (CodexSession s = session(codex, work, null).build()) {
            assertThat(s.runTurn(TurnInput.text(question)).status()).isEqualTo(TurnOutcome.COMPLETED);
            return s.threadId();
        }
    }

    private static List<Path> rollouts(Path home) throws Exception {
        if (!Files.isDirectory(home.resolve("sessions"))) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(home.resolve("sessions"))) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static CodexSession.Builder session(CodexClient client, Path work, String resumeThreadId) {
        CodexSession.Builder b = CodexSession.builder().client(client).cwd(work).limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO));
        return resumeThreadId == null ? b : b.resumeThread(resumeThreadId);
    }

    private static CodexLaunch launch(Path home, Path work, String name) {
        return CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work).name(name).detachFromTerminal(true).build();
    }
}
