package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.codexbridge.FailureKind;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.LeaseWait;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two holders on one store, the other one's lease taken directly: a resume waits for a hold that
 * runs out within the bound ({@link LeaseWait}, as the doors and the Spring starter use it) and
 * succeeds then; a hold renewed past the bound fails, within it, as {@link ThreadOpenException}
 * with {@link ThreadOpenException#heldUntil()}; and a sleeping session whose wake is refused so
 * says the same in its turn's {@link TurnFailure#heldUntil()}.
 */
class HeldElsewhereTest {
    private static final String THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";
    private static final String ROLLOUT = "2026/11/25/rollout-2026-11-25T03-05-19-" + THREAD + ".jsonl";
    private static final String META = "{\"type\":\"session_meta\",\"payload\":{\"id\":\"" + THREAD + "\"}}\n";
    private static final Duration IDLE = Duration.ofSeconds(1);

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.shared, () -> this.store);
    private final FakeCodex codex = fake.codex();
    private final ManualIdleClock clock = new ManualIdleClock();
    private final InMemoryHomes moves = new InMemoryHomes();
    private final List<CodexSession> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
    private CodexClient shared;
    private DiskConversationStore store;

    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() {
        codex.threadId = THREAD;
        codex.scriptDelayMs = 0;
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        store = DiskConversationStore.open(tmp.resolve("store"));
        shared = CodexClient.builder().transport(codex.factory()).connect();
        moves.home(shared).put(ROLLOUT, META + "{\"turn\":1}\n");
    }

    /** Each session closed and its conversation stored before the store closes: no lease given back to a closed store. */
    @AfterEach
    void closeSessions() {
        for (CodexSession s : opened) {
            try {
                s.closeGracefully().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // a close that could not store is not what these tests look at
            }
        }
    }

    @Test
    void aHoldThatRunsOutWithinTheBoundIsWaitedForAndTheResumeSucceeds() {
        // another host stopped without giving its lease back: nobody renews it
        store.lease(THREAD, "host-2", Duration.ofMillis(1500));
        Duration bound = Duration.ofSeconds(60);
        long started = System.nanoTime();

        CodexSession s = LeaseWait.retrying(bound, this::resumed);

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        // measured against the bound, which a wait that is not for the hold would spend: a slow machine only makes the tries slower
        assertThat(took).as("waited for the hold to run out, not for the bound").isGreaterThanOrEqualTo(Duration.ofMillis(1300))
                .isLessThan(bound);
        assertThat(s.threadId()).isEqualTo(THREAD);
        assertThatThrownBy(() -> store.lease(THREAD, "host-2", Duration.ofSeconds(5))).as("this host holds it now")
                .isInstanceOf(ConversationLeasedException.class).hasMessageContaining("host-1");
    }

    @Test
    void aHoldFarPastTheBoundFailsAtOnceSayingUntilWhen() {
        ConversationLease live = store.lease(THREAD, "host-2", Duration.ofMinutes(10));
        Duration bound = Duration.ofSeconds(60);
        int[] tries = {0};
        long started = System.nanoTime();

        ThreadOpenException refused = catchThrowableOfType(() -> LeaseWait.retrying(bound, () -> {
            tries[0]++;
            return resumed();
        }), ThreadOpenException.class);

        assertThat(tries[0]).as("no second try for a hold that outlasts the bound").isOne();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no wait for it: refused before the bound, not at its end")
                .isLessThan(bound);
        assertThat(refused.kind()).isEqualTo(FailureKind.ALREADY_OPEN);
        assertThat(refused.heldUntil()).isEqualTo(live.expiresAt());
        assertThat(refused.category()).as("not a connection's end").isEqualTo(ErrorCategory.OTHER);
        assertThat(refused.getMessage()).as("asked, though its renewal comes after the bound").isEqualTo("thread " + THREAD
                + " is held by another host: conversation " + THREAD + " is leased to host-2 until " + live.expiresAt() + " (asked to hand it over)");
        assertThat(LeaseWait.refusal(refused)).isNotNull().satisfies(held -> assertThat(held.holder()).isEqualTo("host-2"));
        assertThat(sent("thread/resume")).as("codex is not asked for a thread another host holds").isZero();
    }

    @Test
    void aHoldRenewedPastTheBoundFailsOnceTheBoundIsSpent() throws Exception {
        // a live host: a short lease, renewed often enough that a renewal late by 2 s on a slow machine does not let it run out
        AtomicReference<ConversationLease> held = new AtomicReference<>(store.lease(THREAD, "host-2", Duration.ofMillis(2100)));
        Instant first = held.get().expiresAt();
        ScheduledExecutorService renewing = Executors.newSingleThreadScheduledExecutor();
        try {
            renewing.scheduleAtFixedRate(() -> held.set(store.renew(held.get(), Duration.ofMillis(2100))), 100, 100, TimeUnit.MILLISECONDS);
            // a renewal due within the bound: the open is tried again until the bound is spent
            Duration bound = Duration.ofMillis(3000);
            long started = System.nanoTime();

            ThreadOpenException refused = catchThrowableOfType(() -> LeaseWait.retrying(bound, this::resumed), ThreadOpenException.class);

            Duration took = Duration.ofNanos(System.nanoTime() - started);
            // the hold never runs out: tries that went on past the bound would never end (the 60 s only catches that)
            assertThat(took).as("tried while the hold might run out, then refused once the bound was spent")
                    .isBetween(Duration.ofMillis(500), bound.plusSeconds(60));
            assertThat(refused.kind()).isEqualTo(FailureKind.ALREADY_OPEN);
            assertThat(refused.heldUntil()).as("the renewed lease's expiry").isAfter(first);
            assertThat(sent("thread/resume")).isZero();
        } finally {
            renewing.shutdownNow();
            renewing.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSleepingSessionsWakeRefusedSoSaysTheSameInItsTurnsErrorAndTheNextTurnWakesOnceItIsFree() throws Exception {
        CodexSession s = sleeping();
        assertThat(s.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
        idleUntil(s::isStoredAway);
        s.settled().get(60, TimeUnit.SECONDS);       // the sleep's last step: its lease given back
        ConversationLease elsewhere = store.lease(THREAD, "host-2", Duration.ofMinutes(1));

        TurnResult refused = s.runTurn(TurnInput.text("two"));

        assertThat(refused.status()).as("nothing was sent: safe to send again").isEqualTo(TurnOutcome.NOT_RECEIVED);
        assertThat(refused.error()).isNotNull();
        assertThat(refused.error().heldUntil()).isEqualTo(elsewhere.expiresAt());
        assertThat(refused.error().category()).isEqualTo(ErrorCategory.OTHER);
        assertThat(refused.error().message()).isEqualTo("thread " + THREAD + " is held by another host: conversation " + THREAD
                + " is leased to host-2 until " + elsewhere.expiresAt() + " (asked to hand it over)");
        assertThat(refused.error().remediation()).startsWith("Another host holds this conversation in the store until "
                + elsewhere.expiresAt());
        assertThat(refused.toJson()).contains("\"heldUntil\":\"" + elsewhere.expiresAt() + "\"");
        assertThat(sent("turn/start")).as("only the first turn went out").isOne();
        // a thread operation's wake is refused as a resume is: the same instant, reached the same way
        ThreadOpenException read = catchThrowableOfType(() -> s.read(false), ThreadOpenException.class);
        assertThat(read.heldUntil()).isEqualTo(refused.error().heldUntil());
        assertThat(read.kind()).isEqualTo(FailureKind.ALREADY_OPEN);

        store.release(elsewhere);
        TurnResult again = s.runTurn(TurnInput.text("two"));
        assertThat(again.status()).as("%s", again).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(again.error()).isNull();
    }

    @Test
    void aFailureThatIsNoHoldHasNoHeldUntilAndLeavesItOutOfTheJson() {
        TurnFailure died = TurnFailure.of("codex exited", ErrorCategory.PROCESS_DIED, null);
        assertThat(died.heldUntil()).isNull();
        assertThat(new TurnFailure("x", ErrorCategory.OTHER, "r", null)).isEqualTo(new TurnFailure("x", ErrorCategory.OTHER, "r", null, null));
        TurnResult r = new TurnResult(THREAD, null, TurnOutcome.FAILED, null, died, StopReason.ERROR, 0, 0, List.of(), 0, 0, 0, null,
                false, List.of());
        assertThat(r.toJson()).doesNotContain("heldUntil");
        assertThat(ThreadOpenException.of("codex could not resume thread t", new IllegalStateException("gone")).heldUntil()).isNull();
    }

    /** A started session resuming {@link #THREAD} as host-1, closed when its start fails. */
    private CodexSession resumed() {
        CodexSession.Builder b = CodexSession.builder().client(shared).cwd(Path.of("/w")).storage(storage()).resumeThread(THREAD);
        b.lineageMoves = moves;
        CodexSession s = b.build();
        try {
            s.start();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        opened.add(s);
        return s;
    }

    /** A started session of host-1 that sleeps into the store once idle (its idle clock the test's, its lineage moved by {@link #moves}). */
    private CodexSession sleeping() {
        CodexSession.Builder b = CodexSession.builder().client(shared).cwd(Path.of("/w")).storage(storage()).hibernateAfter(IDLE)
                .limits(TurnLimits.of(Duration.ofSeconds(30), Duration.ZERO));
        b.hibernationClock = clock;
        b.lineageMoves = moves;
        CodexSession s = b.build();
        opened.add(s);
        s.start();
        return s;
    }

    private ConversationStorage storage() {
        return ConversationStorage.builder(store, "host-1").build();
    }

    private int sent(String method) {
        return (int) codex.received().stream().filter(m -> method.equals(m.path("method").asText())).count();
    }

    private void idleUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 30 s of idle windows");
            }
            clock.advance(IDLE);
            Thread.sleep(20);
        }
    }
}
