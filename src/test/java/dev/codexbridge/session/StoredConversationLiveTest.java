package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.ForwardingStore;
import dev.codexbridge.store.RolloutAppend;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session with a conversation store, on the real codex: it sleeps on app-server A (its lineage
 * goes into the store through codex's fs methods; A keeps its copy), wakes on app-server B (the
 * placement's choice then) with its name and whole history, sleeps on B (A drops the copy it kept),
 * and, after A is killed and its home deleted, wakes again on B where it slept, with nothing
 * imported or dropped there. Another host cannot wake it while this one holds it.
 */
class StoredConversationLiveTest {
    @TempDir
    Path tmp;

    @Test
    void aSleepingConversationWakesOnAnotherAppServerWithItsHistory() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            model.enqueue(ModelReply.message("first answer"), ModelReply.message("second answer"), ModelReply.message("third answer"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path homeA = IsolatedCodexHome.builder(tmp.resolve("home-a"), model.baseUrl()).write();
            Path homeB = IsolatedCodexHome.builder(tmp.resolve("home-b"), model.baseUrl()).write();
            CodexClient codexA = CodexClient.builder().process(launch(homeA, work, "codex-a")).connect();
            SentMethods toB = new SentMethods();
            try (CodexClient codexB = CodexClient.builder().process(launch(homeB, work, "codex-b")).wireTap(toB).connect()) {
                Deque<CodexClient> next = new ArrayDeque<>(List.of(codexB));
                ClientPlacement placement = threadId -> new ClientPlacement.Placed(next.isEmpty() ? codexB : next.poll(), () -> { });
                FailingPuts counted = new FailingPuts(store);
                ConversationStorage storage = ConversationStorage.builder(counted, "host-1").owner(new ConversationOwner("alice", null)).build();
                try (CodexSession session = CodexSession.builder().client(codexA).placement(placement).storage(storage).cwd(work)
                        .hibernateAfter(Duration.ofSeconds(1)).limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).build()) {
                    TurnResult first = session.runTurn(TurnInput.text("hello on A"));
                    assertThat(first.status()).isEqualTo(TurnOutcome.COMPLETED);
                    String threadId = session.threadId();
                    session.rename("travelling");
                    // each completed turn is stored before its result is handed out (the default)
                    StoredConversation afterFirst = store.get(threadId).orElseThrow();
                    assertThat(afterFirst.lastCompletedTurnId()).isEqualTo(first.turnId());
                    assertThat(afterFirst.owner()).isEqualTo(new ConversationOwner("alice", null));
                    // a turn found again by recoverTurn (as a host that lost track of it would) is stored as one that ran here:
                    // this one is stored already, so nothing is put again
                    long before = afterFirst.version();
                    assertThat(session.recoverTurn(first.turnId())).hasValueSatisfying(r -> assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED));
                    assertThat(store.get(threadId).orElseThrow().version()).isEqualTo(before);
                    // while this host holds it, another cannot take it
                    assertThatThrownBy(() -> store.lease(threadId, "host-2", Duration.ofSeconds(30)))
                            .isInstanceOf(ConversationLeasedException.class);

                    awaitStoredAway(session, store, threadId);
                    assertThat(rollouts(homeA, threadId)).as("A keeps its copy for a wake back there").isNotEmpty();
                    assertThat(ConversationStorage.lastSleptOn(store.get(threadId).orElseThrow())).hasValueSatisfying(
                            where -> assertThat(where).startsWith("codex-home://").endsWith("home-a"));
                    assertThat(store.get(threadId).orElseThrow().name()).isEqualTo("travelling");

                    TurnResult second = session.runTurn(TurnInput.text("and on B"));
                    assertThat(second.status()).as("%s", second).isEqualTo(TurnOutcome.COMPLETED);
                    assertThat(second.threadId()).isEqualTo(threadId);
                    assertThat(lastRequest(model)).contains("hello on A").contains("first answer").contains("and on B");
                    assertThat(rollouts(homeB, threadId)).isNotEmpty();
                    assertThat(session.read(false).thread().name()).isEqualTo("travelling");

                    // it sleeps on B, which keeps its copy; codex on A drops the one it kept, which is no longer the conversation
                    awaitStoredAway(session, store, threadId);
                    assertThat(rollouts(homeA, threadId)).as("A's copy dropped by the sleep on B").isEmpty();
                    assertThat(rollouts(homeB, threadId)).isNotEmpty();

                    // A is gone with its disk: the conversation wakes on B, where it slept, from B's own copy
                    codexA.close();
                    deleteTree(homeA);
                    toB.methods.clear();
                    int appendsBefore = counted.appends.get();
                    TurnResult third = session.runTurn(TurnInput.text("once more"));
                    assertThat(third.status()).as("%s", third).isEqualTo(TurnOutcome.COMPLETED);
                    // the copy it woke from is the store's (unwritten since the sleep stored it): the turn is stored as what it added
                    assertThat(counted.appends.get()).as("the turn after the wake stored as an append").isEqualTo(appendsBefore + 1);
                    assertThat(store.get(threadId).orElseThrow().lineage()).last().satisfies(f -> assertThat(f.bytes())
                            .isEqualTo(Files.readAllBytes(rollouts(homeB, threadId).get(0))));
                    assertThat(lastRequest(model)).contains("hello on A").contains("and on B").contains("second answer").contains("once more");
                    assertThat(toB.methods).as("a resume, nothing imported or dropped").contains("thread/resume", "fs/getMetadata")
                            .doesNotContain("thread/delete", "fs/writeFile", "fs/copy", "fs/remove");
                    assertThat(session.read(false).thread().name()).isEqualTo("travelling");
                }
                assertThat(model.unscriptedRequests()).isZero();
            } finally {
                codexA.close();
            }
        }
    }

    @Test
    void aSleptCopyLeavesCodexsHomeOnceItsKeepRunsOutAndTheNextTurnWakesFromTheStoreWithItsHistory() throws Exception {
        sleptCopyLeavesAndTheNextTurnWakesFromTheStore(false);
    }

    @Test
    void whereCodexIsRecycledASleptCopyLeavesWithCodexsRecordOfTheThreadAndTheNextTurnWakesFromTheStore() throws Exception {
        sleptCopyLeavesAndTheNextTurnWakesFromTheStore(true);
    }

    /** A conversation asleep in the store, its copy kept 1 s; where codex is {@code recycled} (decision 0133) codex's record goes too. */
    private void sleptCopyLeavesAndTheNextTurnWakesFromTheStore(boolean recycled) throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            model.enqueue(ModelReply.message("first answer"), ModelReply.message("second answer"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            SentMethods sent = new SentMethods();
            // a bound this test never reaches: what matters is that codex is recycled at all
            CodexLaunch launch = recycled ? launch(home, work, "codex").toBuilder()
                    .recycle(dev.codexbridge.process.AppServerRecycle.afterConversations(1_000)).build() : launch(home, work, "codex");
            try (CodexClient codex = CodexClient.builder().process(launch).wireTap(sent).connect();
                 CodexSession session = CodexSession.builder().client(codex).cwd(work).hibernateAfter(Duration.ofSeconds(1))
                         .storage(ConversationStorage.builder(store, "host-1").keepSleptCopy(Duration.ofSeconds(1)).build())
                         .limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).build()) {
                TurnResult first = session.runTurn(TurnInput.text("remember the word heron"));
                assertThat(first.status()).isEqualTo(TurnOutcome.COMPLETED);
                String threadId = session.threadId();

                awaitStoredAway(session, store, threadId);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(rollouts(home, threadId)).as("codex's copy gone once its keep ran out").isEmpty());
                assertThat(store.get(threadId).orElseThrow().lastCompletedTurnId()).isEqualTo(first.turnId());
                ThreadReadParams read = new ThreadReadParams(false, threadId);
                if (recycled) {
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(sent.methods).contains("thread/delete"));
                    // asked before the files go: codex removed the rollout itself, nothing was left to remove
                    // (removed first, codex 0.171.0 looks for the file for ~200 ms per drop, issue 80)
                    assertThat(sent.methods).as("codex drops the thread before its files are removed").doesNotContain("fs/remove");
                    assertThatThrownBy(() -> codex.threadRead(read)).as("codex has no record of the thread left")
                            .isInstanceOf(dev.codexbridge.rpc.RpcException.class);
                } else {
                    assertThat(sent.methods).as("codex's record stays: no thread/delete (decision 0116)").doesNotContain("thread/delete");
                    assertThat(codex.threadRead(read).thread().id()).as("codex still has its record of the thread").isEqualTo(threadId);
                }

                sent.methods.clear();
                TurnResult second = session.runTurn(TurnInput.text("which word?"));
                assertThat(second.status()).as("%s", second).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(second.threadId()).isEqualTo(threadId);
                assertThat(lastRequest(model)).contains("remember the word heron").contains("first answer").contains("which word?");
                // a home of this host's own is written directly; codex's record (if any) is dropped before the copy goes in
                assertThat(sent.methods).as("the store's copy imported, then resumed").containsSubsequence("thread/delete", "thread/resume");
                assertThat(rollouts(home, threadId)).isNotEmpty();
            }
            assertThat(model.unscriptedRequests()).isZero();
        }
    }

    @Test
    void aConversationRetentionDeletedGoesOnAsAFreshThreadWithoutItsHistoryAndTheHostIsTold() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            model.enqueue(ModelReply.message("first answer"), ModelReply.message("second answer"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            List<ThreadReplacement> replaced = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (CodexClient codex = CodexClient.builder().process(launch(home, work, "codex")).connect();
                 CodexSession session = CodexSession.builder().client(codex).cwd(work).hibernateAfter(Duration.ofSeconds(1))
                         .storage(ConversationStorage.builder(store, "host-1").keepSleptCopy(Duration.ofSeconds(1)).build())
                         .onThreadReplaced(replaced::add).limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).build()) {
                TurnResult first = session.runTurn(TurnInput.text("remember the word heron"));
                assertThat(first.status()).isEqualTo(TurnOutcome.COMPLETED);
                String threadId = session.threadId();
                awaitStoredAway(session, store, threadId);
                await().atMost(Duration.ofSeconds(60)).until(() -> rollouts(home, threadId).isEmpty());

                java.time.Clock later = java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofDays(31));
                var retention = dev.codexbridge.store.ConversationRetention.builder(store).keepFor(Duration.ofDays(30)).clock(later).build();
                // the copy's removal holds the conversation's lease until just after its files are gone: a sweep skips it meanwhile
                await().atMost(Duration.ofSeconds(30)).until(() -> retention.sweep().deleted() == 1);

                // neither the store nor codex's home has it: codex's record alone cannot be resumed, so a fresh thread
                // takes its place, as for a thread codex never wrote, and the host hears of it
                TurnResult second = session.runTurn(TurnInput.text("which word?"));
                assertThat(second.status()).as("%s", second).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(second.threadId()).isNotEqualTo(threadId);
                assertThat(replaced).singleElement().satisfies(r -> {
                    assertThat(r.previousThreadId()).isEqualTo(threadId);
                    assertThat(r.threadId()).isEqualTo(second.threadId());
                });
                assertThat(lastRequest(model)).contains("which word?").doesNotContain("heron");
                assertThat(store.get(threadId)).isEmpty();
            }
            assertThat(model.unscriptedRequests()).isZero();
        }
    }

    @Test
    void aTurnAfterARevertIsStoredWithTheFileTheRevertStartedAndWakesElsewhereWithoutTheDroppedTurn() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            model.enqueue(ModelReply.message("first answer"), ModelReply.message("dropped answer"), ModelReply.message("third answer"),
                    ModelReply.message("fourth answer"), ModelReply.message("fifth answer"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path homeA = IsolatedCodexHome.builder(tmp.resolve("home-a"), model.baseUrl()).write();
            Path homeB = IsolatedCodexHome.builder(tmp.resolve("home-b"), model.baseUrl()).write();
            SentMethods toA = new SentMethods();
            try (CodexClient codexA = CodexClient.builder().process(launch(homeA, work, "codex-a")).wireTap(toA).connect();
                 CodexClient codexB = CodexClient.builder().process(launch(homeB, work, "codex-b")).connect()) {
                String threadIdOf = null;
                List<String> turnsOnB = new java.util.ArrayList<>();
                try (CodexSession session = CodexSession.builder().client(codexA)
                        .storage(ConversationStorage.builder(store, "host-1").build()).cwd(work).hibernateAfter(Duration.ofSeconds(1))
                        .limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).build()) {
                    assertThat(session.runTurn(TurnInput.text("first question")).status()).isEqualTo(TurnOutcome.COMPLETED);
                    String threadId = session.threadId();
                    TurnResult dropped = session.runTurn(TurnInput.text("dropped question"));
                    assertThat(store.get(threadId).orElseThrow().lineage()).hasSize(1);

                    session.revert(dropped.turnId());
                    TurnResult third = session.runTurn(TurnInput.text("third question"));

                    // the turn's end is in the file the revert started, which the store now holds beside the first
                    assertThat(third.status()).isEqualTo(TurnOutcome.COMPLETED);
                    assertThat(third.storeFailed()).isFalse();
                    StoredConversation stored = store.get(threadId).orElseThrow();
                    assertThat(stored.lastCompletedTurnId()).isEqualTo(third.turnId());
                    assertThat(stored.lineage()).hasSize(2);
                    assertThat(new String(stored.lineage().get(1).bytes(), java.nio.charset.StandardCharsets.UTF_8))
                            .contains(third.turnId()).contains("task_complete");
                    assertThat(stored.lineage()).extracting(RolloutFile::relativePath)
                            .containsExactlyInAnyOrderElementsOf(rollouts(homeA, threadId).stream()
                                    .map(f -> homeA.resolve("sessions").relativize(f).toString()).toList());

                    awaitStoredAway(session, store, threadId);
                    threadIdOf = threadId;
                }
                // asleep on A, which keeps its copy; another session wakes it on B and sleeps there, knowing nothing of A
                String threadId = threadIdOf;
                try (CodexSession onB = CodexSession.builder().client(codexB).resumeThread(threadId)
                        .storage(ConversationStorage.builder(store, "host-2").build()).cwd(work).hibernateAfter(Duration.ofSeconds(1))
                        .limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).build()) {
                    TurnResult fourth = onB.runTurn(TurnInput.text("fourth question"));
                    assertThat(fourth.status()).as("%s", fourth).isEqualTo(TurnOutcome.COMPLETED);
                    assertThat(lastRequest(model)).contains("first question").contains("third answer").contains("fourth question")
                            .doesNotContain("dropped question");
                    turnsOnceReadable(onB).forEach(t -> turnsOnB.add(t.id()));
                    assertThat(turnsOnB).contains(fourth.turnId());
                    awaitStoredAway(onB, store, threadId);
                }
                assertThat(rollouts(homeA, threadId)).as("the copy left on A, older than the store's").isNotEmpty();

                // woken on A again: the store's newer copy replaces the one left there, codex's record of it dropped first
                toA.methods.clear();
                try (CodexSession back = CodexSession.builder().client(codexA).resumeThread(threadId)
                             .storage(ConversationStorage.builder(store, "host-3").build()).cwd(work)
                             .limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).build()) {
                    TurnResult fifth = back.runTurn(TurnInput.text("fifth question"));
                    assertThat(fifth.status()).as("%s", fifth).isEqualTo(TurnOutcome.COMPLETED);
                    // codex A is this host's own process: the copy is written on the disk they share, not through fs/*
                    assertThat(toA.methods).containsSubsequence("thread/delete", "thread/resume").doesNotContain("fs/writeFile", "fs/copy");
                    assertThat(lastRequest(model)).contains("first question").contains("fourth answer").contains("fifth question")
                            .doesNotContain("dropped question");
                    // codex's own record there is the imported history, the fourth turn's included, not the copy it replaced
                    // (codex lists a reverted thread's turns from the file the revert started, on B as here)
                    List<String> expected = new java.util.ArrayList<>(turnsOnB);
                    expected.add(fifth.turnId());
                    assertThat(turnsOnceReadable(back)).extracting(t -> t.id()).containsExactlyElementsOf(expected);
                }
                assertThat(model.unscriptedRequests()).isZero();
            }
        }
    }

    @Test
    void closingGracefullyIsDoneOnceTheConversationIsStoredAndItsLeaseGivenBackSoTheStoreCanCloseNext() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            model.enqueue(ModelReply.message("an answer"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"));
            String threadId;
            long took;
            try (CodexClient codex = CodexClient.builder().process(launch(home, work, "codex")).connect()) {
                CodexSession session = CodexSession.builder().client(codex).storage(ConversationStorage.builder(store, "host-1").build())
                        .cwd(work).hibernateAfter(Duration.ofMinutes(5)).limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).build();
                assertThat(session.runTurn(TurnInput.text("a question")).status()).isEqualTo(TurnOutcome.COMPLETED);
                threadId = session.threadId();
                // set since the turn: only the close's own store keeps it
                session.rename("named at the end");
                assertThat(store.get(threadId).orElseThrow().name()).isNull();

                long t0 = System.nanoTime();
                session.closeGracefully().get(2, TimeUnit.MINUTES);
                took = (System.nanoTime() - t0) / 1_000_000;

                assertThat(store.get(threadId).orElseThrow().name()).isEqualTo("named at the end");
                assertThat(rollouts(home, threadId)).as("a close removes codex's copy once the store has it").isEmpty();
                // the lease is back: another host may take it at once
                store.release(store.lease(threadId, "host-2", Duration.ofSeconds(5)));
                assertThat(session.closeGracefully()).as("a second close is done as the first").succeedsWithin(Duration.ofSeconds(5));
            }
            store.close();
            assertThat(DiskConversationStore.open(tmp.resolve("store")).get(threadId).orElseThrow().name()).isEqualTo("named at the end");
            assertThat(took).as("ms to close gracefully").isPositive();
        }
    }

    @Test
    void aCompletedTurnTheStoreCannotKeepIsReportedCompletedAndSaysSo() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore disk = DiskConversationStore.open(tmp.resolve("store"))) {
            model.enqueue(ModelReply.message("kept"), ModelReply.message("not kept"), ModelReply.message("kept again"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            FailingPuts store = new FailingPuts(disk);
            try (CodexClient codex = CodexClient.builder().process(launch(home, work, "codex")).connect();
                 CodexSession session = CodexSession.builder().client(codex).storage(ConversationStorage.builder(store, "host-1").build())
                         .cwd(work).limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).build()) {
                TurnResult first = session.runTurn(TurnInput.text("one"));
                assertThat(first.storeFailed()).as("%s", first).isFalse();
                assertThat(first.toJson()).doesNotContain("storeFailed");

                store.failing = true;
                TurnResult second = session.runTurn(TurnInput.text("two"));
                assertThat(second.status()).as("codex completed it").isEqualTo(TurnOutcome.COMPLETED);
                assertThat(second.storeFailed()).as("%s", second).isTrue();
                assertThat(second.toJson()).contains("\"storeFailed\":true");
                assertThat(disk.get(session.threadId()).orElseThrow().lastCompletedTurnId()).isEqualTo(first.turnId());
                assertThat(session.recoverTurn(second.turnId())).hasValueSatisfying(r -> assertThat(r.storeFailed()).isTrue());

                store.failing = false;
                TurnResult third = session.runTurn(TurnInput.text("three"));
                assertThat(third.storeFailed()).as("%s", third).isFalse();
                StoredConversation stored = disk.get(session.threadId()).orElseThrow();
                assertThat(stored.lastCompletedTurnId()).as("the next store holds the turn before it too").isEqualTo(third.turnId());
                // read from codex's home as what turns two and three appended to the file the first turn's store read whole
                assertThat(store.appends).hasValue(1);
                assertThat(stored.lineage()).singleElement().satisfies(f -> assertThat(f.bytes())
                        .isEqualTo(Files.readAllBytes(rollouts(home, session.threadId()).get(0))));
            }
        }
    }

    /** A store whose puts fail while {@code failing}: the storage giving out under a running session; counts the appends stored. */
    private static final class FailingPuts extends ForwardingStore {
        volatile boolean failing;
        final java.util.concurrent.atomic.AtomicInteger appends = new java.util.concurrent.atomic.AtomicInteger();

        FailingPuts(ConversationStore store) {
            super(store);
        }

        @Override
        public StoredConversation putAppending(ConversationLease lease, StoredConversation conversation, List<RolloutAppend> tails) {
            if (failing) {
                throw new ConversationStoreException(conversation.threadId(), "the store's disk is full (a fault of the test)", null);
            }
            appends.incrementAndGet();
            return store.putAppending(lease, conversation, tails);
        }

        @Override
        public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
            if (failing) {
                throw new ConversationStoreException(conversation.threadId(), "the store's disk is full (a fault of the test)", null);
            }
            return store.put(lease, conversation);
        }
    }

    /** The methods a client sent, in order. */
    private static final class SentMethods implements dev.codexbridge.rpc.WireTap {
        final List<String> methods = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void outgoing(byte[] message) {
            com.fasterxml.jackson.databind.JsonNode m = dev.codexbridge.json.Json.parse(new String(message, java.nio.charset.StandardCharsets.UTF_8));
            if (m.has("method")) {
                methods.add(m.get("method").asText());
            }
        }

        @Override
        public void incoming(byte[] buffer, int length) {
        }
    }

    private static void awaitStoredAway(CodexSession session, DiskConversationStore store, String threadId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!session.isHibernated()) {
            assertThat(System.nanoTime()).as("the session sleeps into the store").isLessThan(deadline);
            Thread.sleep(50);
        }
        // the lease goes back as the sleep's last step: another host could wake it now
        while (true) {
            try {
                store.release(store.lease(threadId, "host-2", Duration.ofSeconds(5)));
                return;
            } catch (ConversationLeasedException stillHeld) {
                assertThat(System.nanoTime()).as("the sleep gives the lease back").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    /** The thread's turns from codex's record; codex refuses them for a moment after a resume of an imported copy ("not materialized yet"). */
    private static List<dev.codexbridge.protocol.Turn> turnsOnceReadable(CodexSession session) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return session.read(true).thread().turns();
            } catch (dev.codexbridge.CodexException notYet) {
                assertThat(System.nanoTime()).as("codex projects the imported history: %s", notYet.getMessage()).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
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
            for (Path p : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static CodexLaunch launch(Path home, Path work, String name) {
        return CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work).name(name).detachFromTerminal(true).build();
    }
}
