package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.pool.EndpointState;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool of two real app-servers on separate homes with a conversation store: a conversation
 * started on one leaves it when that endpoint is drained and the conversation sleeps, wakes on the
 * other (its sleep there has the first drop the copy it kept), and, after the first app-server is
 * killed and its home deleted, a new host (a second pool on the same store) resumes it by id with
 * its whole history, on the endpoint where it slept.
 */
class PoolStorageLiveTest {
    @TempDir
    Path tmp;

    @Test
    void aDrainedEndpointsConversationMovesAndOutlivesItsAppServer() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            model.enqueue(ModelReply.message("one"), ModelReply.message("two"), ModelReply.message("three"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path homeA = IsolatedCodexHome.builder(tmp.resolve("home-a"), model.baseUrl()).write();
            Path homeB = IsolatedCodexHome.builder(tmp.resolve("home-b"), model.baseUrl()).write();
            Consumer<CodexSession.Builder> setup = b -> b.cwd(work).hibernateAfter(Duration.ofSeconds(1))
                    .limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO));
            try (ListeningAppServer a = ListeningAppServer.websocket(LiveCodex.binary(), homeA, work, List.of());
                 ListeningAppServer b = ListeningAppServer.websocket(LiveCodex.binary(), homeB, work, List.of())) {
                String threadId;
                try (CodexPool pool = CodexPool.builder().endpoint("a", a.endpoint()).endpoint("b", b.endpoint())
                        .storage(ConversationStorage.builder(store, "host-1").build()).build();
                     CodexSession session = pool.newSession(setup)) {
                    assertThat(pool.endpointOf(session.threadId())).contains("a");   // the first of two equally loaded
                    TurnResult first = session.runTurn(TurnInput.text("first on a"));
                    assertThat(first.status()).isEqualTo(TurnOutcome.COMPLETED);
                    threadId = session.threadId();

                    pool.drain("a");
                    assertThat(pool.endpoints()).filteredOn(EndpointState::name, "a").singleElement()
                            .satisfies(s -> assertThat(s.draining()).isTrue());
                    awaitAsleep(session);
                    assertThat(rollouts(homeA, threadId)).as("a keeps its copy for a wake back there").isNotEmpty();
                    TurnResult second = session.runTurn(TurnInput.text("second, after the drain"));
                    assertThat(second.status()).as("%s", second).isEqualTo(TurnOutcome.COMPLETED);
                    assertThat(pool.endpointOf(threadId)).contains("b");
                    assertThat(rollouts(homeB, threadId)).isNotEmpty();
                    assertThat(lastRequest(model)).contains("first on a").contains("one").contains("second, after the drain");
                    awaitAsleep(session);
                    assertThat(rollouts(homeA, threadId)).as("the copy a kept is dropped by the sleep on b").isEmpty();
                    assertThat(rollouts(homeB, threadId)).isNotEmpty();
                }
                // a's app-server is lost with its disk; a new host finds the conversation in the store
                a.kill();
                deleteTree(homeA);
                try (CodexPool pool = CodexPool.builder().endpoint("a", a.endpoint()).endpoint("b", b.endpoint())
                        .storage(ConversationStorage.builder(store, "host-2").build()).build();
                     CodexSession again = pool.resumeSession(threadId, setup)) {
                    assertThat(pool.endpointOf(threadId)).as("where it slept").contains("b");
                    TurnResult third = again.runTurn(TurnInput.text("third, on a new host"));
                    assertThat(third.status()).as("%s", third).isEqualTo(TurnOutcome.COMPLETED);
                    assertThat(lastRequest(model)).contains("first on a").contains("second, after the drain").contains("two")
                            .contains("third, on a new host");
                }
                assertThat(store.get(threadId).orElseThrow().lastCompletedTurnId()).isNotNull();
            }
            assertThat(model.unscriptedRequests()).isZero();
        }
    }

    /** The session slept into the store and the sleep has settled (its lease given back). */
    private static void awaitAsleep(CodexSession session) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!session.isHibernated()) {
            assertThat(System.nanoTime()).as("the conversation sleeps").isLessThan(deadline);
            Thread.sleep(50);
        }
        // the lease goes back as the sleep's last step: a host closing now would leave it to run out
        session.settled().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static String lastRequest(ScriptedModelServer model) {
        return model.responsesRequests().get(model.responsesRequests().size() - 1).bodyJson();
    }

    private static List<Path> rollouts(Path home, String threadId) throws Exception {
        Path sessions = home.resolve("sessions");
        if (!Files.isDirectory(sessions)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(sessions)) {
            return files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().contains(threadId)).toList();
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
