package dev.codexbridge.lineage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ThreadGoalStatus;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
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
 * A conversation moved between two app-servers on two codex homes through their fs methods only,
 * on the real codex: two turns, a revert to before the second and a third turn, a fork; both
 * lineages exported from A, through a store, imported into B, resumed there by id, name and goal
 * restored, a turn on each whose model request carries the history codex kept; then A's copy
 * removed.
 */
class ThreadLineageLiveTest {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aRevertedAndForkedThreadMovesToAnotherAppServerThroughItsFsMethods() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            model.enqueue(ModelReply.message("first answer"), ModelReply.message("second answer"), ModelReply.message("third answer"),
                    ModelReply.message("answer on B"), ModelReply.message("fork answer on B"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path homeA = IsolatedCodexHome.builder(tmp.resolve("home-a"), model.baseUrl()).write();
            Path homeB = IsolatedCodexHome.builder(tmp.resolve("home-b"), model.baseUrl()).write();
            try (CodexClient codexA = CodexClient.builder().process(launch(homeA, work, "codex-home-a")).connect()) {
                String threadId;
                String forkId;
                String lastTurn;
                try (CodexSession session = session(codexA, work, null)) {
                    session.runTurn(TurnInput.text("hello one"));
                    TurnResult second = session.runTurn(TurnInput.text("hello two"));
                    session.revert(second.turnId());
                    TurnResult third = session.runTurn(TurnInput.text("hello three"));
                    assertThat(third.status()).isEqualTo(TurnOutcome.COMPLETED);
                    threadId = session.threadId();
                    lastTurn = third.turnId();
                    forkId = session.fork().thread().id();
                }
                List<RolloutFile> lineage = ThreadLineage.export(codexA, threadId, lastTurn, TIMEOUT);
                List<RolloutFile> forkLineage = ThreadLineage.export(codexA, forkId, null, TIMEOUT);
                assertThat(lineage).as("the first rollout and the revert's").hasSize(2).allMatch(f -> f.threadId().equals(threadId));
                assertThat(lineage.get(1).relativePath()).contains(threadId + "_");
                assertThat(forkLineage).as("the fork's own file, then its source's lineage").hasSize(3).endsWith(lineage.toArray(RolloutFile[]::new));
                assertThat(forkLineage.get(0).threadId()).isEqualTo(forkId);

                ConversationLease lease = store.lease(threadId, "host-a", Duration.ofMinutes(1));
                store.put(lease, StoredConversation.builder(threadId, lineage).name("moving conversation").goal("answer twice")
                        .lastCompletedTurnId(lastTurn).build());
                store.release(lease);
                ConversationLease forkLease = store.lease(forkId, "host-a", Duration.ofMinutes(1));
                store.put(forkLease, StoredConversation.builder(forkId, forkLineage).build());
                store.release(forkLease);

                StoredConversation stored = store.get(threadId).orElseThrow();
                try (CodexClient codexB = CodexClient.builder().process(launch(homeB, work, "codex-home-b")).connect()) {
                    ThreadLineage.importInto(codexB, threadId, stored.lineage(), TIMEOUT);
                    ThreadLineage.importInto(codexB, forkId, store.get(forkId).orElseThrow().lineage(), TIMEOUT);
                    for (RolloutFile file : forkLineage) {
                        assertThat(file.resolveIn(homeB.resolve("sessions"))).hasBinaryContent(file.bytes());
                    }
                    try (CodexSession moved = session(codexB, work, threadId)) {
                        ThreadLineage.restore(codexB, threadId, stored.name(), stored.goal(), TIMEOUT);
                        TurnResult onB = moved.runTurn(TurnInput.text("and again from home B"));
                        assertThat(onB.status()).as("%s", onB).isEqualTo(TurnOutcome.COMPLETED);
                        assertThat(onB.finalText()).isEqualTo("answer on B");
                        assertThat(lastRequest(model)).as("the history codex kept after the revert")
                                .contains("hello one", "first answer", "hello three", "third answer", "and again from home B")
                                .doesNotContain("hello two");
                        assertThat(moved.read(false).thread().name()).isEqualTo("moving conversation");
                        assertThat(moved.goal().goal().objective()).isEqualTo("answer twice");
                        assertThat(moved.goal().goal().status()).isEqualTo(ThreadGoalStatus.PAUSED);
                    }
                    try (CodexSession fork = session(codexB, work, forkId)) {
                        TurnResult onFork = fork.runTurn(TurnInput.text("and the fork on B"));
                        assertThat(onFork.status()).as("%s", onFork).isEqualTo(TurnOutcome.COMPLETED);
                        assertThat(lastRequest(model)).as("the fork's history, from its source's rollouts")
                                .contains("hello one", "hello three", "third answer", "and the fork on B").doesNotContain("and again from home B");
                    }
                }

                ThreadLineage.remove(codexA, forkLineage, TIMEOUT);
                ThreadLineage.remove(codexA, lineage, TIMEOUT);
                assertThat(sessionFiles(homeA)).as("A keeps no file of either thread")
                        .noneMatch(n -> n.contains(threadId) || n.contains(forkId));
            }
            assertThat(sessionFiles(homeA)).as("nor after its codex stopped").noneMatch(n -> n.contains("rollout-"));
            assertThat(model.unscriptedRequests()).isZero();
        }
    }

    static String lastRequest(ScriptedModelServer model) {
        return model.responsesRequests().get(model.responsesRequests().size() - 1).bodyJson();
    }

    static List<String> sessionFiles(Path home) throws Exception {
        if (!Files.isDirectory(home.resolve("sessions"))) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(home.resolve("sessions"))) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
        }
    }

    static CodexSession session(CodexClient client, Path work, String resumeThreadId) {
        CodexSession.Builder b = CodexSession.builder().client(client).cwd(work).limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO));
        return (resumeThreadId == null ? b : b.resumeThread(resumeThreadId)).build();
    }

    static CodexLaunch launch(Path home, Path work, String name) {
        return CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work).name(name).detachFromTerminal(true).build();
    }
}
