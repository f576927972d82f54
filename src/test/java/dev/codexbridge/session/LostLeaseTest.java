package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.internal.custody.ThreadCustody;
import dev.codexbridge.session.internal.custody.TurnNotKeptException;
import dev.codexbridge.session.internal.custody.TurnStoreTries;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host that lost a conversation's lease — the store refused a renewal, or its own deadline passed
 * with the store out of reach — stops (decision 0077): the turn codex runs for it is interrupted
 * with {@code turn/interrupt} and its result says why, and no later turn goes out on the open
 * thread; the error says to open the conversation again.
 */
class LostLeaseTest {
    private static final String THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.shared, () -> this.store);
    private final FakeCodex codex = fake.codex();
    private CodexClient shared;
    private DiskConversationStore store;

    @TempDir
    Path tmp;

    @Test
    void aLostLeaseInterruptsTheRunningTurnAndStartsNoOtherOnTheOpenThread() throws Exception {
        CodexSession s = started(false);
        assertThat(s.leaseLost()).isFalse();
        TurnHandle running = runningWhenTheLeaseIsLost(s);

        TurnResult stopped = running.result().get(60, TimeUnit.SECONDS);
        assertThat(s.leaseLost()).as("what a door asks before it reuses the session").isTrue();
        assertThat(sent("turn/interrupt")).as("codex told to stop acting for this host").isEqualTo(1);
        assertThat(stopped.status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(stopped.error()).isNotNull();
        assertThat(stopped.error().message()).contains("no longer holds the conversation's lease").contains(THREAD)
                .contains("open the conversation again").contains("codex was told to stop");

        TurnResult next = s.runTurn(TurnInput.text("and more"));
        assertThat(next.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(next.error().message()).contains("open the conversation again");
        assertThat(sent("turn/start")).as("no turn/start once the lease is lost").isEqualTo(1);
    }

    @Test
    void aTurnCodexCompletesAsTheLeaseIsLostIsReportedFailedNotCompleted() throws Exception {
        // codex finished the turn just as the interrupt reached it
        codex.onInterrupt = (f, turn) -> {
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        CodexSession s = started(true);
        TurnHandle running = runningWhenTheLeaseIsLost(s);

        TurnResult r = running.result().get(60, TimeUnit.SECONDS);
        assertThat(r.status()).as("codex completed it, but no store will keep it: never told completed").isEqualTo(TurnOutcome.FAILED);
        assertThat(r.storeFailed()).isFalse();
        assertThat(r.finalText()).isEqualTo("done");
        assertThat(r.error().message()).contains("codex completed turn " + r.turnId() + " here")
                .contains("this host lost the conversation's lease before the turn could be stored")
                .contains("the conversation goes on from the store without this turn").contains("open the conversation again");
        assertThat(store.get(THREAD)).isEmpty();
        assertThat(s.leaseLost()).isTrue();
    }

    @Test
    void aStoreFailedWhileTheLeaseIsHeldStaysCompletedWithStoreFailed() {
        TurnResult completed = new TurnResult(THREAD, "turn-1", TurnOutcome.COMPLETED, "done", null, StopReason.NATURAL, 0, 1,
                List.of(5L), 5, 1, 0, null, false, List.of());
        TurnResult held = TurnStoreTries.notKept(completed, new java.util.concurrent.CompletionException(
                new dev.codexbridge.store.ConversationStoreException(THREAD, "the store cannot be reached", null)));
        assertThat(held.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(held.storeFailed()).isTrue();

        TurnResult lost = TurnStoreTries.notKept(completed, new java.util.concurrent.CompletionException(
                new TurnNotKeptException("turn-1", new dev.codexbridge.CodexException("the lease ran out"))));
        assertThat(lost.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(lost.storeFailed()).isFalse();
        assertThat(lost.error().message()).contains("the lease ran out").contains("open the conversation again");
    }

    @Test
    void aTurnCompletedWhileTheDatabaseIsAwayIsStoredOnceItAnswersWithinTheLease() throws Exception {
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        java.util.concurrent.atomic.AtomicInteger refusedPuts = new java.util.concurrent.atomic.AtomicInteger();
        CodexSession s = started(true, away -> new dev.codexbridge.store.ForwardingStore(away) {
            @Override
            public dev.codexbridge.store.StoredConversation put(ConversationLease lease, dev.codexbridge.store.StoredConversation c) {
                refuseWhileAway();
                return super.put(lease, c);
            }

            @Override
            public dev.codexbridge.store.StoredConversation putAppending(ConversationLease lease, dev.codexbridge.store.StoredConversation c,
                                                                        List<dev.codexbridge.store.RolloutAppend> appends) {
                refuseWhileAway();
                return super.putAppending(lease, c, appends);
            }

            /** As the PostgreSQL store's outage gate answers: not tried, the database's silence the cause. */
            private void refuseWhileAway() {
                if (databaseAway) {
                    refusedPuts.incrementAndGet();
                    throw new dev.codexbridge.store.ConversationStoreException(THREAD, "storing conversation " + THREAD + " was not tried: "
                            + "the database has not answered for 1 s", new java.sql.SQLTransientConnectionException("Connection is not available"));
                }
            }
        });
        databaseAway = true;
        TurnHandle running = s.startTurn(TurnInput.text("one"), TurnOptions.DEFAULTS, TurnListener.NONE);
        await().atMost(Duration.ofSeconds(60)).until(() -> refusedPuts.get() >= 2);
        assertThat(running.result()).as("not handed out while no store has it and the lease holds").isNotDone();

        databaseAway = false;
        TurnResult r = running.result().get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.storeFailed()).as("stored once the database answered").isFalse();
        assertThat(store.get(THREAD)).get().extracting(c -> c.lastCompletedTurnId()).isEqualTo(r.turnId());
    }

    @Test
    void aTurnCompletedWhileTheDatabaseIsAwayAndTheLeaseIsLostIsReportedFailed() throws Exception {
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        java.util.concurrent.atomic.AtomicInteger refusedPuts = new java.util.concurrent.atomic.AtomicInteger();
        CodexSession s = started(true, away -> new dev.codexbridge.store.ForwardingStore(away) {
            @Override
            public dev.codexbridge.store.StoredConversation put(ConversationLease lease, dev.codexbridge.store.StoredConversation c) {
                refusedPuts.incrementAndGet();
                throw new dev.codexbridge.store.ConversationStoreException(THREAD, "storing failed: the database did not answer",
                        new java.net.SocketTimeoutException("Read timed out"));
            }
        });
        TurnHandle running = s.startTurn(TurnInput.text("one"), TurnOptions.DEFAULTS, TurnListener.NONE);
        await().atMost(Duration.ofSeconds(60)).until(() -> refusedPuts.get() >= 2);
        // the lease goes meanwhile (another host took the conversation when it lapsed): the turn can never be stored here
        store.release(held(s));
        custody(s).heldLease().renew();

        TurnResult r = running.result().get(60, TimeUnit.SECONDS);
        assertThat(r.status()).as("never told completed while no store will ever keep it").isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().message()).contains("lost the conversation's lease before the turn could be stored");
    }

    @Test
    void aPutUnderWayAsTheLeaseIsLostHereAndTakenByTheStoreIsToldCompleted() throws Exception {
        // this host's deadline runs ahead of the database's: the lease is lost here while the store still takes the put
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        java.util.concurrent.CountDownLatch putSent = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch mayAnswer = new java.util.concurrent.CountDownLatch(1);
        CodexSession s = started(true, disk -> new dev.codexbridge.store.ForwardingStore(disk) {
            @Override
            public dev.codexbridge.store.StoredConversation put(ConversationLease lease, dev.codexbridge.store.StoredConversation c) {
                putSent.countDown();
                try {
                    mayAnswer.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.put(lease, c);
            }
        });
        TurnHandle running = s.startTurn(TurnInput.text("one"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(putSent.await(60, TimeUnit.SECONDS)).isTrue();
        ConversationLease lease = held(s);
        custody(s).heldLease().refused(new dev.codexbridge.store.LeaseLostException(lease, "its deadline here passed"));
        Thread.sleep(200);
        assertThat(running.result()).as("the put under way is waited for").isNotDone();
        mayAnswer.countDown();

        TurnResult r = running.result().get(60, TimeUnit.SECONDS);
        assertThat(r.status()).as("the store took it: told as it is, %s", r).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(store.get(THREAD).orElseThrow().lastCompletedTurnId()).isEqualTo(r.turnId());
        assertThat(s.leaseLost()).isTrue();
    }

    @Test
    void aPutStillWaitingForTheDatabaseAsTheLeaseIsLostIsStoppedAndToldNotKeptAtOnce() throws Exception {
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> putEnded = new java.util.concurrent.atomic.AtomicReference<>();
        CodexSession s = started(true, disk -> new dev.codexbridge.store.ForwardingStore(disk) {
            /** As the PostgreSQL store says to a turn's store: waiting for a connection, then sending its first statement. */
            @Override
            public dev.codexbridge.store.StoredConversation put(ConversationLease lease, dev.codexbridge.store.StoredConversation c) {
                dev.codexbridge.store.spi.WriteFence fence = dev.codexbridge.store.spi.WriteFence.current();
                fence.awaitingDatabase();
                waiting.countDown();
                try {
                    connected.await(60, TimeUnit.SECONDS);      // a pool's wait for a connection
                    fence.sending();
                } catch (InterruptedException | RuntimeException e) {
                    putEnded.set(e);
                    throw new IllegalStateException(e);
                } finally {
                    fence.leftDatabase();
                }
                return super.put(lease, c);
            }
        });
        TurnHandle running = s.startTurn(TurnInput.text("one"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(waiting.await(60, TimeUnit.SECONDS)).isTrue();
        ConversationLease lease = held(s);
        custody(s).heldLease().refused(new dev.codexbridge.store.LeaseLostException(lease, "its deadline here passed"));

        // not the wait for a put under way (10 s): nothing of this one reached the database, and none of it will
        TurnResult r = running.result().get(TurnStoreTries.IN_FLIGHT_WAIT.toMillis() / 2, TimeUnit.MILLISECONDS);
        assertThat(r.status()).as("%s", r).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.NOT_KEPT);
        // woken as the put was given up; the result may be handed out before that thread has run on
        await().atMost(Duration.ofSeconds(60)).until(() -> putEnded.get() != null);
        assertThat(putEnded.get()).as("woken from its wait for a connection").isInstanceOf(InterruptedException.class);
        connected.countDown();
        assertThat(store.get(THREAD)).as("the turn told not kept is in no store").isEmpty();
    }

    @Test
    void aLaterTurnToldNotKeptIsHandedOutThoughItsPutIsStillStuckOnTheDatabase() throws Exception {
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch putSent = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean blockPuts = new java.util.concurrent.atomic.AtomicBoolean();
        CodexSession s = started(true, disk -> new dev.codexbridge.store.ForwardingStore(disk) {
            @Override
            public dev.codexbridge.store.StoredConversation put(ConversationLease lease, dev.codexbridge.store.StoredConversation c) {
                block();
                return super.put(lease, c);
            }

            @Override
            public dev.codexbridge.store.StoredConversation putAppending(ConversationLease lease, dev.codexbridge.store.StoredConversation c,
                                                                        List<dev.codexbridge.store.RolloutAppend> appends) {
                block();
                return super.putAppending(lease, c, appends);
            }

            /** A statement sent on a network gone silent: its socket's timeout is a minute away. */
            private void block() {
                if (blockPuts.get()) {
                    putSent.countDown();
                    try {
                        stuck.await(120, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        assertThat(s.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);      // stored
        blockPuts.set(true);
        TurnHandle running = s.startTurn(TurnInput.text("two"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(putSent.await(60, TimeUnit.SECONDS)).isTrue();
        custody(s).heldLease().refused(new dev.codexbridge.store.LeaseLostException(held(s), "its deadline here passed"));

        // the put under way is waited for (10 s), and then the result goes out: not after the put's own end
        TurnResult r = running.result().get(60, TimeUnit.SECONDS);
        assertThat(r.status()).as("%s", r).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.NOT_KEPT);
        assertThat(stuck.getCount()).as("the put still stuck").isEqualTo(1);
        stuck.countDown();
    }

    @Test
    void aStallWhileTheThreadIsWokenLeavesTheTurnUnsent() throws Exception {
        // the lease's own clock, moved by hand: a stall is a jump of it that no timer of the lease's has seen yet, as when a
        // replica resumes from SIGSTOP and its request thread runs before the timer's
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        codex.threadId = THREAD;
        codex.scriptDelayMs = 0;
        CompletableFuture<JsonNode> resumed = new CompletableFuture<>();
        codex.resumeAnswer = id -> resumed;
        store = DiskConversationStore.open(tmp.resolve("store"));
        shared = fake.track(CodexClient.builder().transport(codex.factory()).connect());
        CodexSession.Builder b = CodexSession.builder().client(shared).cwd(Path.of("/w")).resumeThread(THREAD)
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO))
                .storage(ConversationStorage.builder(store, "replica-a").leaseTime(Duration.ofMinutes(10)).build());
        b.lineageMoves = new InMemoryHomes();
        b.leaseClock = now::get;
        CodexSession s = fake.track(b.build());
        TurnHandle turn = s.startTurn(TurnInput.text("sent just before the stall"), TurnOptions.DEFAULTS, TurnListener.NONE);
        await().atMost(Duration.ofSeconds(60)).until(() -> sent("thread/resume") == 1);
        assertThat(held(s)).as("leased for the wake").isNotNull();

        now.addAndGet(Duration.ofMinutes(20).toNanos());
        resumed.complete(FakeCodex.thread(THREAD));

        TurnResult r = turn.result().get(60, TimeUnit.SECONDS);
        assertThat(sent("turn/start")).as("another host may have run newer turns meanwhile: nothing goes to codex").isZero();
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().message()).contains("no longer holds the conversation's lease").contains("open the conversation again");
        assertThat(s.leaseLost()).isTrue();
    }

    private volatile boolean databaseAway;

    /** A session on the fake codex and a disk store, its conversation leased; {@code eachTurn}: each completed turn stored. */
    private CodexSession started(boolean eachTurn) {
        return started(eachTurn, disk -> disk);
    }

    /** {@link #started(boolean)}, the session's store {@code wrapped} around the disk store. */
    private CodexSession started(boolean eachTurn, java.util.function.UnaryOperator<dev.codexbridge.store.ConversationStore> wrapped) {
        codex.threadId = THREAD;
        codex.scriptDelayMs = 0;
        store = DiskConversationStore.open(tmp.resolve("store"));
        shared = fake.track(CodexClient.builder().transport(codex.factory()).connect());
        InMemoryHomes homes = new InMemoryHomes();
        homes.home(shared).put("2026/11/25/rollout-2026-11-25T03-05-19-" + THREAD + ".jsonl",
                "{\"type\":\"session_meta\",\"payload\":{\"id\":\"" + THREAD + "\"}}\n");
        CodexSession.Builder b = CodexSession.builder().client(shared).cwd(Path.of("/w"))
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO))
                .storage(ConversationStorage.builder(wrapped.apply(store), "replica-a").exportAfterEachTurn(eachTurn).build());
        b.lineageMoves = homes;
        CodexSession s = fake.track(b.build());
        s.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> held(s) != null);
        return s;
    }

    /** A turn started on {@code s}, then the lease lost under it: the store gives the conversation away, the next renewal hears it. */
    private TurnHandle runningWhenTheLeaseIsLost(CodexSession s) {
        TurnHandle running = s.startTurn(TurnInput.text("work for a long time"), TurnOptions.DEFAULTS, TurnListener.NONE);
        await().atMost(Duration.ofSeconds(60)).until(() -> sent("turn/start") == 1 && running.turnId().isPresent());
        store.release(held(s));
        custody(s).heldLease().renew();
        return running;
    }

    private int sent(String method) {
        List<JsonNode> all = codex.received();
        return (int) all.stream().filter(m -> method.equals(m.path("method").asText())).count();
    }

    private static ThreadCustody custody(CodexSession s) {
        return s.custody();
    }

    private static ConversationLease held(CodexSession s) {
        return s.custody().heldLease().current();
    }
}
