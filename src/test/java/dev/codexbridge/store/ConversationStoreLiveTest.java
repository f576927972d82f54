package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ThreadGoalSetParams;
import dev.codexbridge.protocol.ThreadGoalStatus;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's shape is enough to move a conversation between codex homes, on the real codex: a
 * turn runs on home A; its lineage, read from A's {@code sessions/}, goes into the store with its
 * owner, name and goal; a second host takes it out into an empty home B, resumes the thread by id
 * on a codex there, sets name and goal again, and runs a second turn whose model request carries
 * the first turn's history.
 */
class ConversationStoreLiveTest {
    @TempDir
    Path tmp;

    @Test
    void aConversationPutToSleepOnOneCodexHomeWakesOnAnother() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            model.enqueue(ModelReply.message("first answer"), ModelReply.message("second answer"));
            Path work = Files.createDirectories(tmp.resolve("work"));

            // host A: a turn on home A, then the session and its codex are gone
            Path homeA = IsolatedCodexHome.builder(tmp.resolve("home-a"), model.baseUrl()).write();
            String threadId;
            String turnId;
            try (CodexClient codexA = CodexClient.builder().process(launch(homeA, work, "codex-home-a")).connect();
                 CodexSession session = CodexSession.builder().client(codexA).cwd(work).limits(limits()).build()) {
                TurnResult first = session.runTurn(TurnInput.text("hello from home A"));
                assertThat(first.status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(first.finalText()).isEqualTo("first answer");
                threadId = session.threadId();
                turnId = first.turnId();
                // what is copied is codex's record: wait until the turn's end is written to it (codex flushes after telling us)
                awaitTurnWritten(homeA.resolve("sessions"), threadId);
            }
            List<RolloutFile> lineage = lineage(homeA.resolve("sessions"), threadId);
            assertThat(lineage).hasSize(1);
            ConversationLease hostA = store.lease(threadId, "host-a", Duration.ofMinutes(1));
            store.put(hostA, StoredConversation.builder(threadId, lineage).owner(new ConversationOwner("alice", "acme"))
                    .name("moving conversation").goal("answer twice").lastCompletedTurnId(turnId).build());
            store.release(hostA);

            // host B: an empty home, the lineage copied in from the store, the thread resumed by id
            Path homeB = IsolatedCodexHome.builder(tmp.resolve("home-b"), model.baseUrl()).write();
            assertThat(homeB.resolve("sessions")).doesNotExist();
            ConversationLease hostB = store.lease(threadId, "host-b", Duration.ofMinutes(1));
            StoredConversation stored = store.get(threadId).orElseThrow();
            for (RolloutFile file : stored.lineage()) {
                Path target = file.resolveIn(homeB.resolve("sessions"));
                Files.createDirectories(target.getParent());
                Files.write(target, file.bytes());
            }
            assertThat(Files.readAllBytes(stored.lineage().get(0).resolveIn(homeB.resolve("sessions"))))
                    .isEqualTo(Files.readAllBytes(stored.lineage().get(0).resolveIn(homeA.resolve("sessions"))));
            try (CodexClient codexB = CodexClient.builder().process(launch(homeB, work, "codex-home-b")).connect();
                 CodexSession session = CodexSession.builder().client(codexB).cwd(work).limits(limits()).resumeThread(threadId).build()) {
                session.rename(stored.name());
                // paused: an active goal sets codex working on it at once, ahead of the host's next turn
                codexB.threadGoalSet(ThreadGoalSetParams.builder().threadId(threadId).objective(stored.goal()).status(ThreadGoalStatus.PAUSED).build());

                TurnResult second = session.runTurn(TurnInput.text("and again from home B"));

                assertThat(second.status()).as("%s; model requests %s", second, model.responsesRequests().size()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(second.finalText()).isEqualTo("second answer");
                assertThat(second.threadId()).isEqualTo(threadId);
                String request = model.responsesRequests().get(model.responsesRequests().size() - 1).bodyJson();
                assertThat(request).as("the model sees the first turn's history").contains("hello from home A").contains("first answer")
                        .contains("and again from home B");
                assertThat(session.read(false).thread().name()).isEqualTo("moving conversation");
                assertThat(session.goal().goal().objective()).isEqualTo("answer twice");
                assertThat(session.goal().goal().status()).isEqualTo(ThreadGoalStatus.PAUSED);
            }
            store.release(hostB);
            assertThat(model.unscriptedRequests()).isZero();
        }
    }

    private static void awaitTurnWritten(Path sessions, String threadId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (lineage(sessions, threadId).stream().noneMatch(f -> new String(f.bytes(), StandardCharsets.UTF_8).contains("\"task_complete\""))) {
            assertThat(System.nanoTime()).as("codex writes the turn's end to its rollout").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static CodexLaunch launch(Path home, Path work, String name) {
        return CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work).name(name).detachFromTerminal(true).build();
    }

    private static TurnLimits limits() {
        return TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO);
    }

    /** The thread's own rollouts under a home's {@code sessions/} (a fork's source and reverts are the next step's). */
    private static List<RolloutFile> lineage(Path sessions, String threadId) throws Exception {
        try (Stream<Path> files = Files.walk(sessions)) {
            return files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().contains(threadId)).sorted()
                    .map(f -> RolloutFile.read(sessions, f)).toList();
        }
    }
}
