package dev.codexbridge.session.internal.custody;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.lineage.ExportedRollouts;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.SessionRoomsForTests;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.CorruptConversationException;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.ForwardingStore;
import dev.codexbridge.store.RolloutAppend;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StaleAppendException;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.support.FakeCodex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session's custody of a stored conversation with a fake codex and a real disk store: who holds
 * the lease when, what is stored when, that a wake after a sleep imports where the thread is not
 * loaded and nowhere else, that a failed step leaves the conversation where it was, and that a lost
 * lease stops the session from writing.
 */
class ThreadCustodyTest {
    private static final String THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";
    private static final String ROLLOUT = "2026/11/25/rollout-2026-11-25T03-05-19-" + THREAD + ".jsonl";
    /** The first line codex writes into a thread's rollout, naming it. */
    private static final String META = sessionMeta(THREAD, null);

    @TempDir
    Path tmp;

    private final FakeCodex codexA = new FakeCodex();
    private final FakeCodex codexB = new FakeCodex();
    private CodexClient a;
    private CodexClient b;

    /** Every custody a test made: a held lease's renewals run on the library's timer until the custody gives it back. */
    private final List<ThreadCustody> custodies = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ThreadCustody track(ThreadCustody custody) {
        custodies.add(custody);
        return custody;
    }

    @AfterEach
    void closeClients() {
        for (ThreadCustody c : custodies) {
            try {
                c.close().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // given back or not, its renewals have stopped: a store the test closed already only refuses the release
            }
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        codexA.shutdown();
        codexB.shutdown();
    }

    /** An in-memory "home" per client: what codex would hold under sessions/. */
    private static final class Moves implements LineageMoves {
        final Map<CodexClient, Map<String, String>> homes = new ConcurrentHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();
        /** Where codex was told to drop its record of the thread, in order. */
        final List<CodexClient> forgottenOn = new CopyOnWriteArrayList<>();
        volatile RuntimeException failExport;
        /** How many exports fail with {@link #failExport} before they work again (-1: all). */
        volatile int failures = -1;
        /** Runs as an export fails with {@link #failExport}: what happens meanwhile elsewhere. */
        volatile Runnable onFailedExport;
        volatile boolean stillLoaded;
        /** Answers to {@link #loaded} before {@link #stillLoaded} is: one each, in order. */
        final java.util.Deque<Boolean> loadedAnswers = new java.util.concurrent.ConcurrentLinkedDeque<>();

        Map<String, String> home(CodexClient c) {
            return homes.computeIfAbsent(c, x -> new ConcurrentHashMap<>());
        }

        @Override
        public List<RolloutFile> export(CodexClient from, String threadId, String lastTurnId) {
            calls.add("export " + lastTurnId);
            if (failExport != null && failures != 0) {
                failures--;
                Runnable hook = onFailedExport;
                if (hook != null) {
                    hook.run();
                }
                throw failExport;
            }
            return home(from).entrySet().stream().filter(e -> e.getKey().contains(threadId))
                    .map(e -> RolloutFile.of(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8))).toList();
        }

        @Override
        public List<RolloutFile> exportAfterTurn(CodexClient from, String threadId, String turnId, List<String> previousPaths) {
            calls.add("exportAfterTurn " + previousPaths);
            return export(from, threadId, turnId);
        }

        /** Where {@link #exportAppended} writes each home out and reads its new bytes; null: it answers empty. */
        volatile Path appendsDir;

        @Override
        public Optional<ExportedRollouts.Appended> exportAppended(CodexClient from, String threadId, String turnId, ExportedRollouts before) {
            calls.add("exportAppended");
            if (appendsDir == null) {
                return Optional.empty();
            }
            try {
                for (Map.Entry<String, String> f : home(from).entrySet()) {
                    Path file = appendsDir.resolve(f.getKey());
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, f.getValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return before.readAppended(appendsDir, threadId, turnId, 1 << 20);
        }

        @Override
        public void forget(CodexClient to, String threadId) {
            calls.add("forget");
            forgottenOn.add(to);
        }

        /** When set, codex's answer to a sleep's {@code thread/delete}, given when the test says. */
        volatile CompletableFuture<Void> forgetAnswer;

        @Override
        public CompletableFuture<Void> forgetAsync(CodexClient from, String threadId) {
            CompletableFuture<Void> answer = forgetAnswer;
            if (answer == null) {
                return LineageMoves.super.forgetAsync(from, threadId);
            }
            calls.add("forget");
            forgottenOn.add(from);
            return answer;
        }

        @Override
        public void importInto(CodexClient to, String threadId, List<RolloutFile> lineage) {
            calls.add("import");
            lineage.forEach(f -> home(to).put(f.relativePath(), new String(f.bytes(), StandardCharsets.UTF_8)));
        }

        @Override
        public void remove(CodexClient from, List<RolloutFile> lineage) {
            calls.add("remove");
            lineage.forEach(f -> home(from).remove(f.relativePath()));
        }

        @Override
        public Records records(CodexClient from, String threadId) {
            return new Records("named", "the goal");
        }

        @Override
        public void restore(CodexClient to, String threadId, Records records) {
            calls.add("restore " + records.name() + "/" + records.goal());
        }

        /** Whether codex gives its files' times ({@code fs/getMetadata}); off, the sleep records no place, as before. */
        volatile boolean times;

        /** A file's "time" is its content's hash: any write that changes it shows. */
        @Override
        public java.util.Optional<List<Long>> modifiedTimes(CodexClient on, String threadId, List<String> relativePaths) {
            if (!times) {
                return java.util.Optional.empty();
            }
            calls.add("times");
            List<Long> t = new ArrayList<>();
            for (String path : relativePaths) {
                String content = home(on).get(path);
                if (content == null) {
                    return java.util.Optional.empty();
                }
                t.add((long) content.hashCode());
            }
            return java.util.Optional.of(t);
        }

        @Override
        public boolean loaded(CodexClient from, String threadId) {
            Boolean next = loadedAnswers.poll();
            return next != null ? next : stillLoaded;
        }
    }

    /** A custody of host-1 with {@code store}, its thread opened on {@code a}. */
    private ThreadCustody openedOnA(DiskConversationStore store, Moves moves) throws Exception {
        ThreadCustody custody = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").build(), moves));
        custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
        return custody;
    }

    @Test
    void aSleepStoresReleasesAndRemovesAndTheWakeImportsWhereTheThreadIsNot() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        b = CodexClient.builder().transport(codexB.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            assertThatThrownBy(() -> store.lease(THREAD, "host-2", Duration.ofSeconds(5))).isInstanceOf(ConversationLeasedException.class);

            custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
            StoredConversation kept = store.get(THREAD).orElseThrow();
            assertThat(kept.version()).isEqualTo(1);
            assertThat(kept.lastCompletedTurnId()).isEqualTo("turn-1");
            assertThat(custody.storedAway()).as("still loaded on A").isFalse();

            custody.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
            assertThat(store.get(THREAD).orElseThrow().version()).isEqualTo(2);
            assertThat(store.get(THREAD).orElseThrow().name()).isEqualTo("named");
            assertThat(moves.home(a)).as("A's copy goes").isEmpty();
            assertThat(moves.calls).contains("remove");
            // codex's record of it on A stays: dropped at every sleep, codex kept memory for each (decision 0116)
            assertThat(moves.forgottenOn).isEmpty();
            assertThat(custody.storedAway()).isTrue();
            store.release(store.lease(THREAD, "host-2", Duration.ofSeconds(5)));     // given back

            custody.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            custody.opened(b, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.home(b)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n");
            assertThat(moves.calls).containsSubsequence("forget", "import", "restore named/the goal");
            assertThat(moves.forgottenOn).containsExactly(b);
            assertThat(custody.storedAway()).isFalse();

            // the next turn on B reads the files it knows by path, listing nothing
            custody.turnCompleted(b, THREAD, "turn-2").get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).contains("exportAfterTurn [" + ROLLOUT + "]");
            assertThat(store.get(THREAD).orElseThrow().lastCompletedTurnId()).isEqualTo("turn-2");

            // a reconnect's resume on the same connection imports nothing
            int imports = (int) moves.calls.stream().filter("import"::equals).count();
            custody.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls.stream().filter("import"::equals).count()).isEqualTo(imports);
            custody.close().get(60, TimeUnit.SECONDS);
        }
    }

    private static String turnEnd(String turnId) {
        return "{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_complete\",\"turn_id\":\"" + turnId + "\"}}\n";
    }

    @Test
    void aTurnAfterTheFirstStoresWhatItAppendedAndABaseTheStoreDoesNotHoldIsStoredWhole() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.appendsDir = tmp.resolve("home-a");
        String text = META + turnEnd("turn-1");
        moves.home(a).put(ROLLOUT, text);
        try (DiskConversationStore disk = DiskConversationStore.open(tmp.resolve("store"))) {
            RefusingAppends store = new RefusingAppends(disk);
            ThreadCustody custody = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").build(), moves));
            custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).as("nothing known yet: read whole").containsExactly("export turn-1");

            text += "{\"turn\":2}\n" + turnEnd("turn-2");
            moves.home(a).put(ROLLOUT, text);
            custody.turnCompleted(a, THREAD, "turn-2").get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).containsExactly("export turn-1", "exportAppended");
            assertThat(store.appends).containsExactly((long) ("{\"turn\":2}\n" + turnEnd("turn-2")).length());
            assertThat(disk.get(THREAD).orElseThrow().lineage().get(0).bytes()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));

            store.refuse = true;
            text += "{\"turn\":3}\n" + turnEnd("turn-3");
            moves.home(a).put(ROLLOUT, text);
            custody.turnCompleted(a, THREAD, "turn-3").get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).containsExactly("export turn-1", "exportAppended", "exportAppended", "exportAfterTurn [" + ROLLOUT + "]", "export turn-3");
            StoredConversation stored = disk.get(THREAD).orElseThrow();
            assertThat(stored.version()).isEqualTo(3);
            assertThat(stored.lineage().get(0).bytes()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
            custody.close().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aTurnReadWholeIsStillStoredAsWhatItAppended() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();     // no disk shared with codex: every export reads whole
        String text = META + turnEnd("turn-1");
        moves.home(a).put(ROLLOUT, text);
        try (DiskConversationStore disk = DiskConversationStore.open(tmp.resolve("store"))) {
            RefusingAppends store = new RefusingAppends(disk);
            ThreadCustody custody = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").build(), moves));
            custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
            String added = "{\"turn\":2}\n" + turnEnd("turn-2");
            moves.home(a).put(ROLLOUT, text + added);
            custody.turnCompleted(a, THREAD, "turn-2").get(60, TimeUnit.SECONDS);

            assertThat(moves.calls).containsExactly("export turn-1", "exportAppended", "exportAfterTurn [" + ROLLOUT + "]", "export turn-2");
            assertThat(store.appends).containsExactly((long) added.length());
            assertThat(disk.get(THREAD).orElseThrow().lineage().get(0).bytes()).isEqualTo((text + added).getBytes(StandardCharsets.UTF_8));
            custody.close().get(60, TimeUnit.SECONDS);
        }
    }

    /** A store that counts the tails of appends, and refuses them as stale when told to. */
    private static final class RefusingAppends extends ForwardingStore {
        final List<Long> appends = new CopyOnWriteArrayList<>();
        volatile boolean refuse;

        RefusingAppends(ConversationStore store) {
            super(store);
        }

        @Override
        public StoredConversation putAppending(ConversationLease lease, StoredConversation conversation, List<RolloutAppend> tails) {
            if (refuse) {
                throw new StaleAppendException(conversation.threadId(), tails.get(0).relativePath(), "refused by the test");
            }
            tails.forEach(t -> appends.add(t.tailSize()));
            return store.putAppending(lease, conversation, tails);
        }
    }

    /** Host 1, storing for {@code owner}, stores the conversation on A and lets go of it (a sleep): the record names {@code owner}. */
    private void storedAndAsleep(DiskConversationStore store, Moves moves, ConversationOwner owner) throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        b = CodexClient.builder().transport(codexB.factory()).connect();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        ThreadCustody first = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").owner(owner).build(), moves));
        first.opened(a, THREAD).get(60, TimeUnit.SECONDS);
        first.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
        first.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
        assertThat(store.get(THREAD).orElseThrow().owner()).isEqualTo(owner);
        moves.calls.clear();
    }

    @Test
    void aWakeForAnotherOwnerThanTheStoredOneIsRefusedBeforeAnythingIsImportedAndTheOwnerStays() throws Exception {
        Moves moves = new Moves();
        ConversationOwner alice = ConversationOwner.of("alice");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            storedAndAsleep(store, moves, alice);
            StoredConversation asleep = store.get(THREAD).orElseThrow();

            for (ConversationOwner other : java.util.Arrays.asList(ConversationOwner.of("bob"), new ConversationOwner("alice", "acme"), null)) {
                ThreadCustody waker = track(new ThreadCustody(ConversationStorage.builder(store, "host-2").owner(other).build(), moves));
                assertThatThrownBy(() -> waker.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS)).as("%s", other)
                        .hasCauseInstanceOf(ThreadAccessDeniedException.class)
                        .cause().satisfies(e -> assertThat(((ThreadAccessDeniedException) e).refusedBy())
                                .isEqualTo(ThreadAccessDeniedException.STORED_OWNER));
                // the lease is back at once: the owner's host wakes it
                store.release(store.lease(THREAD, "host-3", Duration.ofSeconds(5)));
            }
            assertThat(moves.calls).as("nothing forgotten or imported").isEmpty();
            assertThat(moves.home(b)).isEmpty();
            assertThat(store.get(THREAD).orElseThrow()).as("the record as it was, owner and version").isEqualTo(asleep)
                    .extracting(StoredConversation::owner).isEqualTo(alice);

            // its owner wakes it, and its stores keep the owner
            ThreadCustody owners = track(new ThreadCustody(ConversationStorage.builder(store, "host-3").owner(alice).build(), moves));
            owners.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            owners.opened(b, THREAD).get(60, TimeUnit.SECONDS);
            owners.turnCompleted(b, THREAD, "turn-2").get(60, TimeUnit.SECONDS);
            assertThat(store.get(THREAD).orElseThrow().owner()).isEqualTo(alice);
            assertThat(store.get(THREAD).orElseThrow().lastCompletedTurnId()).isEqualTo("turn-2");
            owners.close().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRecordWithNoOwnerIsWokenOnlyByASessionWithNone() throws Exception {
        Moves moves = new Moves();
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            storedAndAsleep(store, moves, null);
            ThreadCustody claimant = track(new ThreadCustody(ConversationStorage.builder(store, "host-2").owner(ConversationOwner.of("bob")).build(), moves));
            assertThatThrownBy(() -> claimant.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(ThreadAccessDeniedException.class);
            assertThat(store.get(THREAD).orElseThrow().owner()).as("not adopted").isNull();

            ThreadCustody none = track(new ThreadCustody(ConversationStorage.builder(store, "host-2").build(), moves));
            none.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).containsSubsequence("forget", "import");
            none.close().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStoredLineageThatIsNotTheThreadsOwnIsCorruptAndNothingIsWritten() throws Exception {
        String other = "0199a213-81c0-7800-8aa1-bbab2a035a99";
        String otherPath = "2026/11/25/rollout-2026-11-25T03-05-19-" + other + ".jsonl";
        Moves moves = new Moves();
        b = CodexClient.builder().transport(codexB.factory()).connect();
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            List<List<RolloutFile>> forged = List.of(
                    // another thread's rollout path, no fork of it recorded: the import would replace that thread's history
                    List.of(RolloutFile.of(ROLLOUT, bytes(META)), RolloutFile.of(otherPath, bytes(sessionMeta(other, null) + "forged\n"))),
                    // the thread's own path, another thread's records: codex would resume that other thread
                    List.of(RolloutFile.of(ROLLOUT, bytes(sessionMeta(other, null) + "another thread's turns\n"))));
            for (List<RolloutFile> lineage : forged) {
                ConversationLease planted = store.lease(THREAD, "someone", Duration.ofSeconds(5));
                StoredConversation before = store.get(THREAD).orElse(null);
                store.put(planted, StoredConversation.builder(THREAD, lineage).version(before == null ? 0 : before.version()).build());
                store.release(planted);

                ThreadCustody waker = track(new ThreadCustody(ConversationStorage.builder(store, "host-2").build(), moves));
                assertThatThrownBy(() -> waker.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(CorruptConversationException.class).hasMessageContaining(THREAD);
                store.release(store.lease(THREAD, "host-3", Duration.ofSeconds(5)));     // given back
            }
            assertThat(moves.calls).as("nothing forgotten, nothing imported").isEmpty();
            assertThat(moves.home(b)).isEmpty();

            // a fork's lineage, its source recorded in its own first line, imports whole
            ConversationLease lease = store.lease(THREAD, "someone", Duration.ofSeconds(5));
            store.put(lease, StoredConversation.builder(THREAD, List.of(RolloutFile.of(ROLLOUT, bytes(sessionMeta(THREAD, other) + "{}\n")),
                    RolloutFile.of(otherPath, bytes(sessionMeta(other, null) + "source\n")))).version(store.get(THREAD).orElseThrow().version()).build());
            store.release(lease);
            ThreadCustody fork = track(new ThreadCustody(ConversationStorage.builder(store, "host-2").build(), moves));
            fork.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.home(b)).containsOnlyKeys(ROLLOUT, otherPath);
            fork.close().get(60, TimeUnit.SECONDS);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aSleepThatRemovesItsCopyLeavesCodexsRecordThereForTheNextImportToDrop() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            custody.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
            assertThat(moves.home(a)).as("the files go").isEmpty();
            assertThat(moves.calls).as("codex is not asked to drop its record").doesNotContain("forget");
            store.release(store.lease(THREAD, "host-2", Duration.ofSeconds(5)));     // the lease given back

            // woken there again: codex's record of it is dropped first, so the import is what codex resumes
            custody.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).containsSubsequence("remove", "forget", "import");
            assertThat(moves.forgottenOn).containsExactly(a);
            assertThat(moves.home(a)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n");
        }
    }

    @Test
    void aThreadLoadedAgainAfterItsUnloadKeepsItsFilesAndStaysWhereItIs() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            // codex says it unloaded the thread, then has it loaded again when the files are about to go
            moves.loadedAnswers.add(false);
            moves.loadedAnswers.add(true);
            custody.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);

            assertThat(store.get(THREAD).orElseThrow().version()).as("stored all the same").isEqualTo(1);
            assertThat(moves.calls).doesNotContain("remove").doesNotContain("forget");
            assertThat(moves.home(a)).as("codex there writes into this file").containsKey(ROLLOUT);
            assertThat(custody.storedAway()).as("still where it is loaded").isFalse();
            assertThatThrownBy(() -> store.lease(THREAD, "host-2", Duration.ofSeconds(5)))
                    .as("still leased: no other host may wake it elsewhere").isInstanceOf(ConversationLeasedException.class);
            custody.close().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSleepThatCannotExportKeepsTheThreadWhereItIsAndGivesNothingAway() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            moves.failExport = new IllegalStateException("codex answered nothing");
            assertThatThrownBy(() -> custody.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS))
                    .hasRootCauseMessage("codex answered nothing");
            assertThat(moves.home(a)).as("nothing removed").containsKey(ROLLOUT);
            assertThat(store.get(THREAD)).isEmpty();
            assertThat(custody.storedAway()).as("the next wake goes where the thread is").isFalse();
        }
    }

    @Test
    void aSleepTheStoreDidNotTakeIsTriedAgainUntilItIsStoredAndItsLeaseGoesBack() throws Exception {
        try (DiskConversationStore disk = DiskConversationStore.open(tmp.resolve("store"))) {
            AwayPuts store = new AwayPuts(disk);
            // a hand-over asked while the database restarts: the sleep's put is refused, the lease kept (codex's copy is newer)
            ThreadCustody custody = sleptWhileTheStoreWasAway(store);
            assertThatThrownBy(() -> disk.lease(THREAD, "host-2", Duration.ofSeconds(5))).isInstanceOf(ConversationLeasedException.class);

            store.away = false;
            // tried again each second: stored once the store answers, and the lease back for the host that asked
            await().atMost(Duration.ofSeconds(30)).until(() -> disk.get(THREAD).isPresent());
            await().atMost(Duration.ofSeconds(30)).until(custody::storedAway);
            disk.release(disk.lease(THREAD, "host-2", Duration.ofSeconds(5)));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "the session {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"woke", "closed"})
    void aSleepTheStoreDidNotTakeIsNotTriedAgainOnceTheSessionWokeOrClosed(String then) throws Exception {
        try (DiskConversationStore disk = DiskConversationStore.open(tmp.resolve("store"))) {
            AwayPuts store = new AwayPuts(disk);
            ThreadCustody custody = sleptWhileTheStoreWasAway(store);
            (then.equals("woke") ? custody.wake() : custody.close()).get(60, TimeUnit.SECONDS);
            int putsThen = store.puts.get();
            store.away = false;
            // three of the retries' seconds: none stores (and unloads) a conversation the session is using again, and none
            // goes out once the session gave its lease back at its close (one did, each second, and failed on the missing lease)
            Thread.sleep(3_000);
            assertThat(store.puts).hasValue(putsThen);
            assertThat(disk.get(THREAD)).as("never stored behind the session's back").isEmpty();
            assertThat(custody.storedAway()).isFalse();
            if (then.equals("woke")) {
                assertThatThrownBy(() -> disk.lease(THREAD, "host-2", Duration.ofSeconds(5))).isInstanceOf(ConversationLeasedException.class);
            } else {
                disk.release(disk.lease(THREAD, "host-2", Duration.ofSeconds(5)));
            }
        }
    }

    /** Host 1's session on A, let go of while {@code store} refuses puts: the sleep's put refused once. */
    private ThreadCustody sleptWhileTheStoreWasAway(AwayPuts store) throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{}\n");
        ThreadCustody custody = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").build(), moves));
        custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
        store.away = true;
        SessionRoomsForTests.sleepThenLetGoShared(custody, a, THREAD, false);
        await().atMost(Duration.ofSeconds(30)).until(() -> store.refused.get() >= 1);
        return custody;
    }

    /** A store whose puts are refused as a database's outage refuses them ("did not answer") while {@link #away}. */
    private static final class AwayPuts extends ForwardingStore {
        final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger puts = new java.util.concurrent.atomic.AtomicInteger();
        volatile boolean away;

        AwayPuts(ConversationStore store) {
            super(store);
        }

        private void refuseWhileAway(String threadId) {
            puts.incrementAndGet();
            if (away) {
                refused.incrementAndGet();
                throw new dev.codexbridge.store.ConversationStoreException(threadId, "storing conversation " + threadId
                        + " was not tried: the database has not answered for 1 s", null);
            }
        }

        @Override
        public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
            refuseWhileAway(conversation.threadId());
            return store.put(lease, conversation);
        }

        @Override
        public StoredConversation putAppending(ConversationLease lease, StoredConversation conversation, List<RolloutAppend> tails) {
            refuseWhileAway(conversation.threadId());
            return store.putAppending(lease, conversation, tails);
        }
    }

    @Test
    void aGracefulCloseFailsWithWhyTheConversationWasNotStoredAndIsDoneOnceTheLeaseIsBack() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            moves.failExport = new IllegalStateException("codex answered nothing");

            SessionRoomsForTests.sleepThenLetGoShared(custody, a, THREAD, true);

            assertThatThrownBy(() -> custody.closed().get(60, TimeUnit.SECONDS)).hasRootCauseMessage("codex answered nothing");
            // the lease is back by then: another host takes the conversation at once
            store.release(store.lease(THREAD, "host-2", Duration.ofSeconds(5)));
        }
    }

    @Test
    void aConversationAnotherHostHoldsIsNotWoken() throws Exception {
        b = CodexClient.builder().transport(codexB.factory()).connect();
        Moves moves = new Moves();
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            store.lease(THREAD, "host-2", Duration.ofMinutes(1));
            ThreadCustody custody = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").build(), moves));
            assertThatThrownBy(() -> custody.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ConversationLeasedException.class).hasMessageContaining("host-2");
            assertThat(moves.calls).doesNotContain("import");
        }
    }

    @Test
    void sessionsWaitingForCodexToUnloadHoldNoThreadTheOthersNeed() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.stillLoaded = true;
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ConversationStorage storage = ConversationStorage.builder(store, "host-1").build();
            List<CompletableFuture<Void>> sleeps = new ArrayList<>();
            // more sessions waiting for codex's unload (its delay is the re-attach window) than the JVM has waits threads
            for (int i = 0; i < 4; i++) {
                String thread = thread(i);
                moves.home(a).put(rollout(thread), "{}\n");
                ThreadCustody sleeping = track(new ThreadCustody(storage, moves));
                sleeping.opened(a, thread).get(60, TimeUnit.SECONDS);
                sleeps.add(sleeping.sleep(a, thread, Duration.ofSeconds(30), true, true));
            }
            String busy = thread(9);
            moves.home(a).put(rollout(busy), "{}\n");
            ThreadCustody working = track(new ThreadCustody(storage, moves));
            working.opened(a, busy).get(60, TimeUnit.SECONDS);
            working.turnCompleted(a, busy, "turn-1").get(60, TimeUnit.SECONDS);
            assertThat(store.get(busy).orElseThrow().lastCompletedTurnId()).as("stored meanwhile").isEqualTo("turn-1");
            assertThat(sleeps).as("still waiting for the unload").noneMatch(CompletableFuture::isDone);

            moves.stillLoaded = false;
            CompletableFuture.allOf(sleeps.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(moves.home(a)).as("only the working session's copy stays").containsOnlyKeys(rollout(busy));
        }
    }

    @Test
    void aSleepWhoseConnectionClosedBeforeCodexUnloadedTheThreadKeepsItWhereItIs() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{}\n");
        moves.stillLoaded = true;
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            custody.unloadGrace = Duration.ofSeconds(1);    // outlasts the close below, then the wait ends: 1 s does for 10 here
            CompletableFuture<Void> sleep = custody.sleep(a, THREAD, Duration.ZERO, true, true);
            a.close();      // codex keeps a thread whose connection dropped loaded for the re-attach window
            assertThatThrownBy(() -> sleep.get(60, TimeUnit.SECONDS)).hasMessageContaining("still has thread");
            assertThat(store.get(THREAD)).as("stored before the wait").isPresent();
            assertThat(moves.calls).as("nothing removed").doesNotContain("remove");
            assertThat(custody.storedAway()).as("the next wake goes where the thread is loaded, not elsewhere").isFalse();
            assertThatThrownBy(() -> store.lease(THREAD, "host-2", Duration.ofSeconds(5)))
                    .as("no other host may wake it meanwhile").isInstanceOf(ConversationLeasedException.class);
        }
    }

    /** Codex's session_meta line for {@code thread}, forked from {@code source} (null: none). */
    static String sessionMeta(String thread, String source) {
        return "{\"type\":\"session_meta\",\"payload\":{\"id\":\"" + thread + "\""
                + (source == null ? "" : ",\"forked_from_id\":\"" + source + "\"") + "}}\n";
    }

    private static String thread(int i) {
        return "0199a213-81c0-7800-8aa1-bbab2a035a5" + i;
    }

    private static String rollout(String thread) {
        return "2026/11/25/rollout-2026-11-25T03-05-19-" + thread + ".jsonl";
    }

    @Test
    void aWakeWhileCodexUnloadsTheThreadKeepsItWhereItIsInsteadOfWaitingTheWindowOut() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{}\n");
        moves.stillLoaded = true;       // codex keeps it for the re-attach window
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            // a window far past what a slow machine needs: a sleep that waited it out cannot pass for one the close ended
            CompletableFuture<Void> sleep = custody.sleep(a, THREAD, Duration.ofMinutes(10), true, true);
            long start = System.nanoTime();
            custody.wake().get(60, TimeUnit.SECONDS);
            assertThat(sleep).isCompleted().isNotCompletedExceptionally();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not the 10 min window").isLessThan(Duration.ofSeconds(60));
            assertThat(store.get(THREAD)).as("stored all the same").isPresent();
            assertThat(moves.calls).as("nothing removed").doesNotContain("remove");
            assertThat(custody.storedAway()).as("the wake resumes it where it is loaded").isFalse();
            assertThatThrownBy(() -> store.lease(THREAD, "host-2", Duration.ofSeconds(5))).isInstanceOf(ConversationLeasedException.class);
            custody.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).as("no import where it is loaded").doesNotContain("import");
        }
    }

    @Test
    void anAppServerThatLostItsHomeGetsTheStoresCopyBackAndTheResumeIsWorthOneMoreTry() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);

            // the app-server behind the same endpoint was wiped and started again: a reconnect's resume imports nothing...
            moves.home(a).clear();
            custody.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).doesNotContain("import");
            // ...and codex answers that it has no record of the thread: the store's copy goes back there
            RpcException noRollout = new RpcException("thread/resume", new RpcError(RpcError.INVALID_REQUEST, "no rollout found for thread id " + THREAD));
            assertThat(custody.resumeFailed(a, THREAD, noRollout).get(60, TimeUnit.SECONDS)).isTrue();
            assertThat(moves.home(a)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n");
            custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).containsSubsequence("forget", "import", "restore named/the goal");

            // any other failure is not answered with an import
            int imports = (int) moves.calls.stream().filter("import"::equals).count();
            RpcException overloaded = new RpcException("thread/resume", new RpcError(RpcError.INTERNAL_ERROR, "server overloaded"));
            assertThat(custody.resumeFailed(a, THREAD, overloaded).get(60, TimeUnit.SECONDS)).isFalse();
            assertThat(moves.calls.stream().filter("import"::equals).count()).isEqualTo(imports);
        }
    }

    @Test
    void aConversationNeverStoredIsNotImportedAfterALostHome() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            RpcException noRollout = new RpcException("thread/resume", new RpcError(RpcError.INVALID_REQUEST, "no rollout found for thread id " + THREAD));
            assertThat(custody.resumeFailed(a, THREAD, noRollout).get(60, TimeUnit.SECONDS)).as("the session replaces it, as without a store").isFalse();
            assertThat(moves.calls).doesNotContain("import");
        }
    }

    @Test
    void aResumeWhoseAnswerWasLostKeepsTheConversationWhereItWasSent() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        b = CodexClient.builder().transport(codexB.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            custody.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
            assertThat(custody.storedAway()).isTrue();

            // the wake imports on B and sends the resume; B's connection drops before codex answers
            custody.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            custody.resumeFailed(b, THREAD, new dev.codexbridge.rpc.ConnectionClosedException("connection lost")).get(60, TimeUnit.SECONDS);
            assertThat(custody.storedAway()).as("codex on B may have loaded it: the next open goes back to B, nowhere else").isFalse();
            custody.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls.stream().filter("import"::equals).count()).as("B has the files already").isEqualTo(1);

            // codex on B answers that resume with an error: it did not load the thread, so it may go anywhere again
            RpcException refused = new RpcException("thread/resume", new RpcError(RpcError.INTERNAL_ERROR, "server overloaded"));
            custody.resumeFailed(b, THREAD, refused).get(60, TimeUnit.SECONDS);
            assertThat(custody.storedAway()).isTrue();
            custody.close().get(60, TimeUnit.SECONDS);
        }
    }

    /** Where the fake clients are, as a pool would name its endpoints. */
    private String where(CodexClient c) {
        return c == a ? "ws://codex-a/" : "ws://codex-b/";
    }

    /** Host 1 stores the conversation after a turn on A, and stops holding it without a sleep (killed, say). */
    private void storedAfterATurnOnAThenStopped(DiskConversationStore store, Moves moves) throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        b = CodexClient.builder().transport(codexB.factory()).connect();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        ThreadCustody first = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").build(), moves, this::where, this::where, System::nanoTime));
        first.opened(a, THREAD).get(60, TimeUnit.SECONDS);
        first.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
        assertThat(ConversationStorage.lastAwakeOn(store.get(THREAD).orElseThrow())).contains(java.net.URI.create("ws://codex-a/"));
        first.close().get(60, TimeUnit.SECONDS);
    }

    @Test
    void aHostThatStoppedWithoutASleepLeavesTheConversationWhereItWasAwakeAndTheNextImportsNothingThere() throws Exception {
        Moves moves = new Moves();
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            storedAfterATurnOnAThenStopped(store, moves);
            // a second turn had completed in codex before the host stopped, never stored
            moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n{\"turn\":2}\n");

            // a new host placed there keeps codex's newer copy: nothing is imported over it, name and goal stay
            ThreadCustody next = track(new ThreadCustody(ConversationStorage.builder(store, "host-2").build(), moves, this::where, this::where, System::nanoTime));
            next.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            next.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.home(a)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n{\"turn\":2}\n");
            assertThat(moves.calls).doesNotContain("import").noneMatch(c -> c.startsWith("restore"));
            // and stores from it at the next turn, over the version it read
            next.turnCompleted(a, THREAD, "turn-3").get(60, TimeUnit.SECONDS);
            assertThat(store.get(THREAD).orElseThrow().version()).isEqualTo(2);

            // a sleep's store says the copy there is gone: the record names no app-server
            next.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
            assertThat(ConversationStorage.lastAwakeOn(store.get(THREAD).orElseThrow())).isEmpty();
        }
    }

    @Test
    void aWakeThatImportsNamesItsAppServerBeforeTheResumeSoAHostThatDiesThenLeavesItThere() throws Exception {
        Moves moves = new Moves();
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            storedAfterATurnOnAThenStopped(store, moves);
            ThreadCustody sleeper = track(new ThreadCustody(ConversationStorage.builder(store, "host-2").build(), moves, this::where, this::where, System::nanoTime));
            sleeper.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            sleeper.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            sleeper.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
            StoredConversation asleep = store.get(THREAD).orElseThrow();
            assertThat(ConversationStorage.lastAwakeOn(asleep)).as("a sleep's record names no app-server").isEmpty();

            // host 3 wakes it on B: before the resume is sent the record says where codex may now write it
            ThreadCustody waker = track(new ThreadCustody(ConversationStorage.builder(store, "host-3").build(), moves, this::where, this::where, System::nanoTime));
            waker.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            StoredConversation woken = store.get(THREAD).orElseThrow();
            assertThat(ConversationStorage.lastAwakeOn(woken)).contains(java.net.URI.create("ws://codex-b/"));
            assertThat(woken.version()).isEqualTo(asleep.version() + 1);
            assertThat(woken.lineage()).isEqualTo(asleep.lineage());
            waker.opened(b, THREAD).get(60, TimeUnit.SECONDS);
            // a turn runs on B and the host dies before anything else is stored
            moves.home(b).put(ROLLOUT, META + "{\"turn\":1}\n{\"turn\":2}\n");
            waker.close().get(60, TimeUnit.SECONDS);

            // the next host placed on B keeps B's copy; nothing is imported over it
            moves.calls.clear();
            ThreadCustody next = track(new ThreadCustody(ConversationStorage.builder(store, "host-4").build(), moves, this::where, this::where, System::nanoTime));
            next.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).doesNotContain("import");
            assertThat(moves.home(b)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n{\"turn\":2}\n");
            assertThat(store.get(THREAD).orElseThrow().version()).as("a record that names B is not stored again").isEqualTo(woken.version());
        }
    }

    @Test
    void aWakeBeforeTheSleepLetGoNamesTheAppServerAgainSoAHostThatDiesThenLeavesItThere() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{}\n");
        moves.stillLoaded = true;       // codex keeps it for the re-attach window
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").build(), moves, this::where, this::where, System::nanoTime));
            custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
            CompletableFuture<Void> sleep = custody.sleep(a, THREAD, Duration.ofSeconds(30), true, true);
            custody.wake().get(60, TimeUnit.SECONDS);
            assertThat(sleep).isCompleted();
            assertThat(ConversationStorage.lastAwakeOn(store.get(THREAD).orElseThrow())).as("the sleep's store").isEmpty();

            // resumed where it is still loaded: the record names that app-server again before the resume goes out
            custody.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(ConversationStorage.lastAwakeOn(store.get(THREAD).orElseThrow())).contains(java.net.URI.create("ws://codex-a/"));
            assertThat(moves.calls).doesNotContain("import");
            long version = store.get(THREAD).orElseThrow().version();
            custody.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(store.get(THREAD).orElseThrow().version()).as("named already: not stored again").isEqualTo(version);
        }
    }

    @Test
    void aRecordNamingAnotherAppServerIsImportedAsAlways() throws Exception {
        Moves moves = new Moves();
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            storedAfterATurnOnAThenStopped(store, moves);
            ThreadCustody next = track(new ThreadCustody(ConversationStorage.builder(store, "host-2").build(), moves, this::where, this::where, System::nanoTime));
            next.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.home(b)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n");
            assertThat(moves.calls).contains("import");
        }
    }

    /** A custody of {@code holder} naming each app-server's home, and naming none as awake (a process of the host's own). */
    private ThreadCustody homesOnly(DiskConversationStore store, String holder, Moves moves) {
        return track(new ThreadCustody(ConversationStorage.builder(store, holder).build(), moves, c -> null, this::where, System::nanoTime));
    }

    /** Host 1's custody, its thread opened on A, a turn stored and a sleep there. */
    private ThreadCustody turnThenSleepOnA(DiskConversationStore store, Moves moves) throws Exception {
        ThreadCustody custody = homesOnly(store, "host-1", moves);
        custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
        custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
        custody.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
        return custody;
    }

    /** Host 1 runs a turn on A and sleeps there: the record says so, and codex keeps its copy. */
    private StoredConversation sleptOnA(DiskConversationStore store, Moves moves) throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        b = CodexClient.builder().transport(codexB.factory()).connect();
        moves.times = true;
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        turnThenSleepOnA(store, moves);
        StoredConversation asleep = store.get(THREAD).orElseThrow();
        assertThat(ConversationStorage.lastSleptOn(asleep)).contains("ws://codex-a/");
        store.release(store.lease(THREAD, "host-0", Duration.ofSeconds(5)));     // given back
        return asleep;
    }

    @Test
    void aSleepKeepsCodexsCopyAndAWakeWhereItSleptAtThatVersionImportsNothingAndDropsNothing() throws Exception {
        Moves moves = new Moves();
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            StoredConversation asleep = sleptOnA(store, moves);
            assertThat(moves.home(a)).as("codex's copy stays where it slept").containsEntry(ROLLOUT, META + "{\"turn\":1}\n");
            assertThat(moves.calls).doesNotContain("remove", "forget");
            assertThat(moves.forgottenOn).isEmpty();

            moves.calls.clear();
            ThreadCustody next = homesOnly(store, "host-2", moves);
            next.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            next.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).as("only the files' times are read: nothing dropped, imported or set again")
                    .containsExactly("times");
            assertThat(store.get(THREAD).orElseThrow()).as("nothing stored on the way").isEqualTo(asleep);
            assertThat(next.storedAway()).isFalse();

            // the next turn stores over the version read, and the next sleep records it again
            next.turnCompleted(a, THREAD, "turn-2").get(60, TimeUnit.SECONDS);
            next.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
            assertThat(store.get(THREAD).orElseThrow().version()).isEqualTo(asleep.version() + 2);
            assertThat(ConversationStorage.lastSleptOn(store.get(THREAD).orElseThrow())).contains("ws://codex-a/");
        }
    }

    @Test
    void aSleptCopyGoesOnceItsKeepRunsOutUnlessTheConversationWokeOrIsHeldElsewhereAndTheNextWakeThereImports() throws Exception {
        Moves moves = new Moves();
        a = CodexClient.builder().transport(codexA.factory()).connect();
        moves.times = true;
        Duration keep = Duration.ofMillis(300);
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            // kept for its wake there, then removed: the store's copy is the one at rest, its lease free again
            moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
            ThreadCustody first = keeping(store, "host-1", moves, keep);
            first.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            first.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
            first.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
            assertThat(ConversationStorage.lastSleptOn(store.get(THREAD).orElseThrow())).contains("ws://codex-a/");
            await().atMost(Duration.ofSeconds(30)).until(() -> !moves.home(a).containsKey(ROLLOUT));
            assertThat(moves.calls).containsSubsequence("times", "remove");
            StoredConversation atRest = store.get(THREAD).orElseThrow();
            assertThat(atRest.lineage()).extracting(RolloutFile::relativePath).containsExactly(ROLLOUT);
            // the removal's lease goes back after the files (on a store thread): free once it has
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try {
                    store.release(store.lease(THREAD, "host-0", Duration.ofSeconds(5)));
                    return true;
                } catch (ConversationLeasedException stillHeld) {
                    return false;
                }
            });

            moves.calls.clear();
            ThreadCustody back = keeping(store, "host-2", moves, keep);
            back.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            back.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).as("the wake where it slept imports the store's copy").contains("import");
            assertThat(moves.home(a)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n");

            // woken again by the session before its keep ran out: loaded, nothing removed
            back.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
            back.wake().get(60, TimeUnit.SECONDS);
            back.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            back.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            moves.calls.clear();
            Thread.sleep(keep.multipliedBy(3).toMillis());
            assertThat(moves.home(a)).as("awake again: its files stay").containsKey(ROLLOUT);
            assertThat(moves.calls).doesNotContain("remove");

            // asleep, but held by another host when the keep runs out: that host's to keep
            back.sleep(a, THREAD, Duration.ZERO, true, true).get(60, TimeUnit.SECONDS);
            ConversationLease other = store.lease(THREAD, "host-3", Duration.ofSeconds(30));
            Thread.sleep(keep.multipliedBy(3).toMillis());
            assertThat(moves.home(a)).as("leased elsewhere: its files stay").containsKey(ROLLOUT);
            assertThat(moves.calls).doesNotContain("remove");
            store.release(other);
        }
    }

    /** A custody of {@code holder} that keeps a slept copy for {@code keep}, its homes named as {@link #homesOnly}'s. */
    private ThreadCustody keeping(DiskConversationStore store, String holder, Moves moves, Duration keep) {
        return track(new ThreadCustody(ConversationStorage.builder(store, holder).keepSleptCopy(keep).build(), moves, c -> null, this::where, System::nanoTime));
    }

    @Test
    void aWakeWhereItSleptImportsWhenTheFilesThereChangedOrTheStoreHoldsANewerVersion() throws Exception {
        Moves moves = new Moves();
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            StoredConversation asleep = sleptOnA(store, moves);
            // codex there wrote the file since the sleep
            moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n{\"written\":\"since\"}\n");
            moves.calls.clear();
            ThreadCustody changed = homesOnly(store, "host-2", moves);
            changed.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).as("codex's record dropped first, then the store's copy written")
                    .containsSubsequence("times", "forget", "import");
            assertThat(moves.home(a)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n");
            changed.close().get(60, TimeUnit.SECONDS);

            // a newer version than the sleep wrote, the record's settings copied along (another host's put)
            ConversationLease other = store.lease(THREAD, "host-3", Duration.ofSeconds(5));
            StoredConversation now = store.get(THREAD).orElseThrow();
            store.put(other, now.toBuilder().lineage(List.of(RolloutFile.of(ROLLOUT, bytes(META + "{\"turn\":1}\n{\"turn\":2}\n"))))
                    .build());
            store.release(other);
            assertThat(ConversationStorage.lastSleptOn(store.get(THREAD).orElseThrow())).contains("ws://codex-a/");
            moves.calls.clear();
            ThreadCustody newer = homesOnly(store, "host-4", moves);
            newer.beforeResume(a, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).containsSubsequence("forget", "import");
            assertThat(moves.home(a)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n{\"turn\":2}\n");
            newer.close().get(60, TimeUnit.SECONDS);

            // another app-server than the one it slept on imports as always
            moves.calls.clear();
            ThreadCustody elsewhere = homesOnly(store, "host-5", moves);
            elsewhere.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.calls).containsSubsequence("forget", "import");
            assertThat(moves.forgottenOn).last().isEqualTo(b);
            assertThat(asleep.version()).isLessThan(store.get(THREAD).orElseThrow().version());
            elsewhere.close().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSessionThatMovedHasTheCopyItLeftDroppedAtItsNextSleepBeforeTheLeaseGoesBack() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        b = CodexClient.builder().transport(codexB.factory()).connect();
        Moves moves = new Moves();
        moves.times = true;
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = turnThenSleepOnA(store, moves);
            assertThat(moves.forgottenOn).isEmpty();

            // woken on B (A full, say): imported there; A keeps its copy while the conversation is awake on B
            custody.beforeResume(b, THREAD).get(60, TimeUnit.SECONDS);
            custody.opened(b, THREAD).get(60, TimeUnit.SECONDS);
            assertThat(moves.forgottenOn).containsExactly(b);
            custody.turnCompleted(b, THREAD, "turn-2").get(60, TimeUnit.SECONDS);

            // its sleep on B keeps B's copy and has codex on A drop the one left there, not loaded there
            moves.forgetAnswer = new CompletableFuture<>();
            CompletableFuture<Void> sleep = custody.sleep(b, THREAD, Duration.ZERO, true, true);
            for (long end = System.nanoTime() + 60_000_000_000L; moves.forgottenOn.size() < 2 && System.nanoTime() < end; ) {
                Thread.sleep(5);
            }
            assertThat(moves.forgottenOn).containsExactly(b, a);
            // no store thread waits for codex's answer: both (the default) run other conversations' steps meanwhile
            java.util.concurrent.CountDownLatch both = new java.util.concurrent.CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                dev.codexbridge.rpc.internal.RpcThreads.stores().execute(() -> {
                    both.countDown();
                    try {
                        both.await(90, TimeUnit.SECONDS);        // longer than the test waits: a held thread shows
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(both.await(60, TimeUnit.SECONDS)).as("both store threads free while codex answers").isTrue();
            assertThat(sleep).isNotDone();
            assertThatThrownBy(() -> store.lease(THREAD, "host-2", Duration.ofSeconds(5)))
                    .as("no other host wakes it on A while codex drops it there").isInstanceOf(ConversationLeasedException.class);
            moves.forgetAnswer.completeExceptionally(new IllegalStateException("codex answered with an error"));
            sleep.get(60, TimeUnit.SECONDS);     // the failure only logged
            assertThat(ConversationStorage.lastSleptOn(store.get(THREAD).orElseThrow())).contains("ws://codex-b/");
            assertThat(moves.home(b)).as("B's copy stays").containsKey(ROLLOUT);
            store.release(store.lease(THREAD, "host-2", Duration.ofSeconds(5)));
        }
    }

    @Test
    void aSleepThatCannotTellItsFilesTimesRemovesTheCopyAsBefore() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();          // times off: codex gives none
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = turnThenSleepOnA(store, moves);
            assertThat(ConversationStorage.lastSleptOn(store.get(THREAD).orElseThrow())).isEmpty();
            assertThat(moves.home(a)).isEmpty();
            assertThat(moves.forgottenOn).as("codex's record stays for an import there to drop").isEmpty();
        }
    }

    @Test
    void aFreshThreadInPlaceOfOneCodexNeverWroteIsLeasedAndStoredAsItself() throws Exception {
        String fresh = "0199a213-81c0-7800-8aa1-bbab2a035a77";
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put("2026/11/25/rollout-2026-11-25T03-05-19-" + fresh + ".jsonl", sessionMeta(fresh, null) + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            // codex lost the thread before it was ever stored: the session starts a fresh one in its place
            custody.opened(a, fresh).get(60, TimeUnit.SECONDS);
            store.release(store.lease(THREAD, "host-2", Duration.ofSeconds(5)));     // the old one's lease given back
            assertThatThrownBy(() -> store.lease(fresh, "host-2", Duration.ofSeconds(5))).isInstanceOf(ConversationLeasedException.class);

            custody.turnCompleted(a, fresh, "turn-1").get(60, TimeUnit.SECONDS);
            assertThat(store.get(fresh).orElseThrow().lastCompletedTurnId()).isEqualTo("turn-1");
            custody.close().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aTurnWhoseStoreLostItsConnectionIsStoredOnceTheConnectionIsBack() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            moves.failExport = new IllegalStateException("thread/read failed",
                    new dev.codexbridge.rpc.ConnectionClosedException("the WebSocket connection dropped"));
            moves.failures = 2;
            custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
            assertThat(store.get(THREAD).orElseThrow().lastCompletedTurnId()).isEqualTo("turn-1");
            assertThat(moves.calls.stream().filter(c -> c.startsWith("export")).count()).as("two lost, the third stored").isEqualTo(3);

            // codex's or the store's own refusal is not a dropped connection: no second try
            moves.failExport = new IllegalStateException("codex refused");
            moves.failures = 1;
            assertThatThrownBy(() -> custody.turnCompleted(a, THREAD, "turn-2").get(60, TimeUnit.SECONDS)).hasRootCauseMessage("codex refused");
            assertThat(store.get(THREAD).orElseThrow().lastCompletedTurnId()).isEqualTo("turn-1");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "opened again before the store's next try: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aTurnWhoseAppServerLostItsHomeBeforeItsStoreIsNotKeptAndNothingIsStoredOverTheStoresCopy(boolean openedFirst) throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
            long stored = store.get(THREAD).orElseThrow().version();
            moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n{\"turn\":2}\n");

            // turn 2's store loses its connection: the app-server was wiped and started again behind the same endpoint,
            // and the reconnect's resume, told there is no record, is given the store's copy, which ends at turn 1
            moves.failExport = new IllegalStateException("thread/read failed",
                    new dev.codexbridge.rpc.ConnectionClosedException("the WebSocket connection dropped"));
            moves.failures = 1;
            RpcException noRollout = new RpcException("thread/resume", new RpcError(RpcError.INVALID_REQUEST, "no rollout found for thread id " + THREAD));
            moves.onFailedExport = () -> {
                moves.home(a).clear();
                custody.resumeFailed(a, THREAD, noRollout);
                if (openedFirst) {
                    custody.opened(a, THREAD);
                }
            };
            assertThatThrownBy(() -> custody.turnCompleted(a, THREAD, "turn-2").get(60, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TurnNotKeptException.class)
                    .hasMessageContaining("codex completed turn turn-2, but the app-server it ran on lost thread " + THREAD)
                    .hasMessageContaining("goes on from the store without this turn");
            StoredConversation after = store.get(THREAD).orElseThrow();
            assertThat(after.lastCompletedTurnId()).as("nothing claims turn 2").isEqualTo("turn-1");
            assertThat(after.version()).as("nothing stored over the copy codex now has").isEqualTo(stored);
            assertThat(moves.home(a)).containsEntry(ROLLOUT, META + "{\"turn\":1}\n");

            // the conversation goes on from there: the next turn is stored as usual
            moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n{\"turn\":3}\n");
            custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            custody.turnCompleted(a, THREAD, "turn-3").get(60, TimeUnit.SECONDS);
            assertThat(store.get(THREAD).orElseThrow().lastCompletedTurnId()).isEqualTo("turn-3");
        }
    }

    @Test
    void aTurnWhoseStoreIsBlockedWhenTheLeaseIsLostIsNotKeptAndItsPutIsNotWaitedFor() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore disk = DiskConversationStore.open(tmp.resolve("store"))) {
            BlockingPuts store = new BlockingPuts(disk);
            ThreadCustody custody = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").build(), moves));
            custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            CompletableFuture<Void> stored = custody.turnCompleted(a, THREAD, "turn-1");
            assertThat(store.entered.await(60, TimeUnit.SECONDS)).as("the put waits on a store out of reach").isTrue();

            // meanwhile the lease is lost (here the store gave it away and the renewal heard it; a deadline passing is told the same)
            disk.release(custody.heldLease().current());
            custody.heldLease().renew();
            try {
                assertThatThrownBy(() -> stored.get(60, TimeUnit.SECONDS)).as("answered while the put is still blocked")
                        .hasCauseInstanceOf(TurnNotKeptException.class)
                        .hasMessageContaining("codex completed turn turn-1 here, but this host lost the conversation's lease before the turn "
                                + "could be stored").hasMessageContaining("goes on from the store without this turn")
                        .hasMessageContaining("open the conversation again");
            } finally {
                store.gate.countDown();
            }
            assertThat(disk.get(THREAD)).as("the put, once through, is refused: the lease is no longer this host's").isEmpty();
        }
    }

    @Test
    void aTurnWhosePutTheStoreRefusesForItsLeaseIsNotKeptAndTheLeaseIsLost() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadCustody custody = openedOnA(store, moves);
            // the store let the lease go (it ran out there) before this host's renewal could hear it
            store.release(custody.heldLease().current());
            assertThat(custody.lost()).isNull();

            assertThatThrownBy(() -> custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TurnNotKeptException.class).hasMessageContaining("codex completed turn turn-1 here");
            assertThat(custody.lost()).as("a refused put is a lost lease, as a refused renewal is")
                    .isInstanceOf(dev.codexbridge.store.LeaseLostException.class);
            assertThat(store.get(THREAD)).isEmpty();
        }
    }

    @Test
    void aTurnStoredThoughItsPutsAnswerWasLostIsStoredAgainOverItAndSoIsEveryLaterTurn() throws Exception {
        a = CodexClient.builder().transport(codexA.factory()).connect();
        Moves moves = new Moves();
        moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n");
        try (DiskConversationStore disk = DiskConversationStore.open(tmp.resolve("store"))) {
            LostAnswers store = new LostAnswers(disk);
            ThreadCustody custody = track(new ThreadCustody(ConversationStorage.builder(store, "host-1").build(), moves));
            custody.opened(a, THREAD).get(60, TimeUnit.SECONDS);
            custody.turnCompleted(a, THREAD, "turn-1").get(60, TimeUnit.SECONDS);
            long before = disk.get(THREAD).orElseThrow().version();

            // turn 2's put is stored, and its answer lost as the database restarts: the store is a version ahead of the session
            moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n{\"turn\":2}\n");
            store.loseNextAnswer = true;
            custody.turnCompleted(a, THREAD, "turn-2").get(60, TimeUnit.SECONDS);
            assertThat(store.lost).as("the answer was lost once").hasValue(1);
            StoredConversation after = disk.get(THREAD).orElseThrow();
            assertThat(after.lastCompletedTurnId()).isEqualTo("turn-2");
            assertThat(after.version()).as("the lost answer's version, then the whole conversation over it").isEqualTo(before + 2);

            // and the turns after it are stored as usual, never refused as another writer's
            moves.home(a).put(ROLLOUT, META + "{\"turn\":1}\n{\"turn\":2}\n{\"turn\":3}\n");
            custody.turnCompleted(a, THREAD, "turn-3").get(60, TimeUnit.SECONDS);
            StoredConversation third = disk.get(THREAD).orElseThrow();
            assertThat(third.lastCompletedTurnId()).isEqualTo("turn-3");
            assertThat(new String(third.lineage().get(0).bytes(), java.nio.charset.StandardCharsets.UTF_8)).endsWith("{\"turn\":3}\n");
        }
    }

    /**
     * A store whose next put, once {@link #loseNextAnswer} is set, is stored and then fails as
     * PostgreSQL's driver fails a commit whose connection broke under it (SQLSTATE 08006).
     */
    private static final class LostAnswers extends ForwardingStore {
        final java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
        volatile boolean loseNextAnswer;

        LostAnswers(ConversationStore store) {
            super(store);
        }

        private StoredConversation answered(StoredConversation stored) {
            if (!loseNextAnswer) {
                return stored;
            }
            loseNextAnswer = false;
            lost.incrementAndGet();
            throw new dev.codexbridge.store.ConversationStoreException(stored.threadId(), "storing conversation " + stored.threadId()
                    + " failed: An I/O error occurred while sending to the backend.",
                    new java.sql.SQLException("An I/O error occurred while sending to the backend.", "08006"));
        }

        @Override
        public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
            return answered(store.put(lease, conversation));
        }

        @Override
        public StoredConversation putAppending(ConversationLease lease, StoredConversation conversation, List<RolloutAppend> tails) {
            return answered(store.putAppending(lease, conversation, tails));
        }
    }

    /** A store whose puts wait at {@link #gate}, as on a database out of reach, once they have said so on {@link #entered}. */
    private static final class BlockingPuts extends ForwardingStore {
        final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);

        BlockingPuts(ConversationStore store) {
            super(store);
        }

        @Override
        public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
            entered.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return store.put(lease, conversation);
        }
    }
}
