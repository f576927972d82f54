package dev.codexbridge.callers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.store.SendClaim;
import dev.codexbridge.store.SendKey;
import dev.codexbridge.store.SendRecords;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A door's requests sent with an idempotency key ({@link Resends}; decision 0117), over records in
 * memory shared by two "hosts": the first runs, a copy on either host is answered with its answer —
 * waiting for it while it runs — and runs nothing; a first refused before codex was asked lets a
 * copy run it; a first whose host died, or that failed inside, is answered "may have run" for good.
 */
class ResendsTest {
    private final Clock clock = new Clock() {
        private final Instant start = Instant.now();
        private final long started = System.nanoTime();

        @Override
        public Instant instant() {
            return start.plusNanos(System.nanoTime() - started).plus(skipped);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    };
    /** Time the test jumps over: a hold running out without waiting for it. */
    private volatile Duration skipped = Duration.ZERO;
    private final SendRecords records = SendRecords.inMemory(SendRecords.DEFAULT_WINDOW, 1000, clock);
    private final Resends hostA = Resends.over(records, "host-a");
    private final Resends hostB = Resends.over(records, "host-b");
    private final ExecutorService callers = Executors.newFixedThreadPool(4);
    private final SendKey key = new SendKey("openai", "alice", "key-1");

    @AfterEach
    void stop() throws InterruptedException {
        callers.shutdownNow();
        assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    private static String unknown() {
        return "{\"unknown\":true}";
    }

    @Test
    void copiesOnEitherHostWaitForTheFirstsAnswerAndRunNothing() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Void> release = new CompletableFuture<>();
        Future<String> first = callers.submit(() -> {
            try (Resends.Send send = hostA.begin(key, "fp", ResendsTest::unknown)) {
                assertThat(send.answer()).isNull();
                runs.incrementAndGet();
                release.get(30, TimeUnit.SECONDS);
                send.answered("{\"answer\":42}", ResendsTest::unknown);
                return "{\"answer\":42}";
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == 1);
        Future<String> copyHere = callers.submit(() -> hostA.begin(key, "fp", ResendsTest::unknown).answer());
        Future<String> copyThere = callers.submit(() -> hostB.begin(key, "fp", ResendsTest::unknown).answer());
        release.complete(null);

        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("{\"answer\":42}");
        assertThat(copyHere.get(30, TimeUnit.SECONDS)).isEqualTo("{\"answer\":42}");
        assertThat(copyThere.get(30, TimeUnit.SECONDS)).isEqualTo("{\"answer\":42}");
        assertThat(hostB.begin(key, "fp", ResendsTest::unknown).answer()).as("later, too").isEqualTo("{\"answer\":42}");
        assertThat(runs).hasValue(1);
    }

    @Test
    void aFirstRefusedBeforeCodexWasAskedLetsACopyRunIt() throws Exception {
        Resends.Send first = hostA.begin(key, "fp", ResendsTest::unknown);
        Future<Resends.Send> copy = callers.submit(() -> hostB.begin(key, "fp", ResendsTest::unknown));
        first.notRun();
        Resends.Send again = copy.get(30, TimeUnit.SECONDS);
        assertThat(again.answer()).as("the copy runs it").isNull();
        again.answered("{\"ran\":\"once\"}", ResendsTest::unknown);
        assertThat(hostA.begin(key, "fp", ResendsTest::unknown).answer()).isEqualTo("{\"ran\":\"once\"}");
    }

    @Test
    void aStoreThatDoesNotAnswerAtTheEndLosesNoAnswerAndRunsNothingTwice() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger refusals = new AtomicInteger();
        SendRecords away = new SendRecords() {
            private void check() {
                if (down.get()) {
                    refusals.incrementAndGet();
                    throw new dev.codexbridge.store.ConversationStoreException(null, "the database has not answered for 1 s", null);
                }
            }

            @Override
            public SendClaim claim(SendKey k, String fingerprint, String holder, Duration hold) {
                check();
                return records.claim(k, fingerprint, holder, hold);
            }

            @Override
            public boolean renew(SendKey k, String token, Duration hold) {
                check();
                return records.renew(k, token, hold);
            }

            @Override
            public boolean settle(SendKey k, String token, String outcome) {
                check();
                return records.settle(k, token, outcome);
            }

            @Override
            public void release(SendKey k, String token) {
                check();
                records.release(k, token);
            }

            @Override
            public java.util.Optional<dev.codexbridge.store.SendRecord> find(SendKey k) {
                check();
                return records.find(k);
            }
        };
        Resends host = Resends.over(away, "host-a");
        // ran, and its answer could not be kept: the caller has it, a copy is told it may have run, never runs it
        Resends.Send ran = host.begin(key, "fp", ResendsTest::unknown);
        down.set(true);
        ran.answered("{\"ran\":1}", ResendsTest::unknown);
        await().atMost(Duration.ofSeconds(30)).until(() -> refusals.get() == 1);   // the write goes on after the caller's wait
        down.set(false);
        skipped = Resends.HOLD.plusSeconds(1);
        assertThat(hostB.begin(key, "fp", ResendsTest::unknown).answer()).isEqualTo(unknown());

        // not run, and its claim could not be let go: let go once the store answers, and a copy then runs it
        SendKey refused = new SendKey("openai", "alice", "key-3");
        Resends.Send first = host.begin(refused, "fp", ResendsTest::unknown);
        down.set(true);
        first.notRun();
        await().atMost(Duration.ofSeconds(30)).until(() -> refusals.get() == 2);
        down.set(false);
        await().atMost(Duration.ofSeconds(60)).until(() -> records.find(refused).isEmpty());
        Resends.Send copy = hostB.begin(refused, "fp", ResendsTest::unknown);
        assertThat(copy.answer()).as("nothing ran: the copy runs it").isNull();
        copy.notRun();
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)   // a caller held by the write never returns: failed, not hung
    void aRecordsLastWriteHeldUpByTheStoreDoesNotHoldUpTheCallersAnswer() throws Exception {
        java.util.concurrent.CountDownLatch storeAnswers = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger written = new AtomicInteger();
        SendRecords slow = new SendRecords() {
            private void waitForTheStore() {
                try {
                    storeAnswers.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public SendClaim claim(SendKey k, String fingerprint, String holder, Duration hold) {
                return records.claim(k, fingerprint, holder, hold);
            }

            @Override
            public boolean renew(SendKey k, String token, Duration hold) {
                return records.renew(k, token, hold);
            }

            @Override
            public boolean settle(SendKey k, String token, String outcome) {
                waitForTheStore();
                written.incrementAndGet();
                return records.settle(k, token, outcome);
            }

            @Override
            public void release(SendKey k, String token) {
                waitForTheStore();
                written.incrementAndGet();
                records.release(k, token);
            }

            @Override
            public java.util.Optional<dev.codexbridge.store.SendRecord> find(SendKey k) {
                return records.find(k);
            }
        };
        Resends host = Resends.over(slow, "host-a");
        // a pool waiting out its timeout for a database nobody knows yet is away: the answers go first, the writes after
        Resends.Send ran = host.begin(key, "fp", ResendsTest::unknown);
        ran.answered("{\"ran\":1}", ResendsTest::unknown);
        SendKey refused = new SendKey("openai", "alice", "key-4");
        Resends.Send first = host.begin(refused, "fp", ResendsTest::unknown);
        first.notRun();
        assertThat(written).as("both callers answered with their writes still under way").hasValue(0);
        assertThat(records.find(key).orElseThrow().answered()).isFalse();

        storeAnswers.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> written.get() == 2);
        assertThat(hostB.begin(key, "fp", ResendsTest::unknown).answer()).as("the outcome kept after all").isEqualTo("{\"ran\":1}");
        Resends.Send copy = hostB.begin(refused, "fp", ResendsTest::unknown);
        assertThat(copy.answer()).as("let go after all: the copy runs it").isNull();
        copy.notRun();
    }

    @Test
    void theSameKeyWithAnotherRequestIsRefusedAndAnotherPrincipalsIsItsOwn() {
        try (Resends.Send first = hostA.begin(key, "fp", ResendsTest::unknown)) {
            first.answered("{\"a\":1}", ResendsTest::unknown);
        }
        assertThatThrownBy(() -> hostB.begin(key, "another-fp", ResendsTest::unknown)).isInstanceOf(Resends.Mismatch.class)
                .hasMessageContaining("new key");
        Resends.Send bobs = hostB.begin(new SendKey("openai", "bob", "key-1"), "fp", ResendsTest::unknown);
        assertThat(bobs.answer()).isNull();
        bobs.notRun();
    }

    @Test
    void aFirstWhoseHostDiedOrThatFailedInsideIsAnsweredMayHaveRunForGood() {
        // a host that claimed the key and died: nothing renews its hold
        assertThat(records.claim(key, "fp", "dead-host", Resends.HOLD)).isInstanceOf(SendClaim.Claimed.class);
        skipped = Resends.HOLD.plusSeconds(1);
        assertThat(hostB.begin(key, "fp", ResendsTest::unknown).answer()).isEqualTo(unknown());
        assertThat(hostA.begin(key, "fp", () -> "{\"other\":1}").answer()).as("kept: every copy the same").isEqualTo(unknown());

        SendKey failing = new SendKey("openai", "alice", "key-2");
        try (Resends.Send first = hostA.begin(failing, "fp", ResendsTest::unknown)) {
            assertThat(first.answer()).isNull();
            // the door fails inside after codex was asked, saying neither
        }
        assertThat(hostB.begin(failing, "fp", () -> "{\"other\":1}").answer()).isEqualTo(unknown());
    }

    @Test
    void aCopyWaitingPastItsBoundIsToldTheFirstStillRuns() {
        Resends patient = Resends.over(records, "host-b", Duration.ofMillis(300));
        try (Resends.Send first = hostA.begin(key, "fp", ResendsTest::unknown)) {
            assertThatThrownBy(() -> patient.begin(key, "fp", ResendsTest::unknown)).isInstanceOf(Resends.StillRunning.class)
                    .hasMessageContaining("still running");
            first.answered("{\"done\":true}", ResendsTest::unknown);
        }
        assertThat(patient.begin(key, "fp", ResendsTest::unknown).answer()).isEqualTo("{\"done\":true}");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "the first on {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"this host", "another host"})
    void aCopyWaitingWhenItsDoorStopsIsToldTheFirstStillRunsAndTheFirstsAnswerComesToTheNextCopy(String where) throws Exception {
        // the default wait (10 minutes): only the door's stop ends this copy's wait in the test's time
        Resends copies = where.equals("this host") ? hostA : hostB;
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        try (Resends.Send first = hostA.begin(key, "fp", ResendsTest::unknown)) {
            Future<String> copy = callers.submit(() -> copies.begin(key, "fp", ResendsTest::unknown, stopping::get).answer());
            Thread.sleep(600);
            assertThat(copy).as("waiting for the first's answer while the door serves").isNotDone();
            stopping.set(true);
            assertThatThrownBy(() -> copy.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(Resends.StillRunning.class)
                    .hasMessageContaining("send this again later");
            first.answered("{\"done\":true}", ResendsTest::unknown);
        }
        assertThat(hostB.begin(key, "fp", ResendsTest::unknown).answer()).as("sent again: the first's answer").isEqualTo("{\"done\":true}");
    }

    @Test
    void theFirstHoldsItsRecordWhileItRuns() {
        try (Resends.Send first = hostA.begin(key, "fp", ResendsTest::unknown)) {
            // renewed every 2 s: held past its first 6 s
            await().atMost(Duration.ofSeconds(30)).until(() -> records.find(key).orElseThrow().heldUntil()
                    .isAfter(clock.instant().plus(Resends.HOLD).minusSeconds(1)) && clock.instant().isAfter(
                    records.find(key).orElseThrow().createdAt().plus(Resends.HOLD).plusSeconds(1)));
            assertThat(records.find(key).orElseThrow().lapsed()).isFalse();
            first.answered("{\"done\":true}", ResendsTest::unknown);
        }
    }

    @Test
    void theFirstHoldsItsRecordWhileEveryStoreThreadWaitsOnCodex() throws Exception {
        // a busy machine: every store thread held by a turn's export waiting on codex (decision 0142)
        java.util.concurrent.CountDownLatch codexAnswers = new java.util.concurrent.CountDownLatch(1);
        java.util.List<Future<?>> exports = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                exports.add(dev.codexbridge.rpc.internal.RpcThreads.stores().submit(() -> {
                    codexAnswers.await();
                    return null;
                }));
            }
            try (Resends.Send first = hostA.begin(key, "fp", ResendsTest::unknown)) {
                java.time.Instant heldAtFirst = records.find(key).orElseThrow().heldUntil();
                await().atMost(Resends.HOLD).until(() -> records.find(key).orElseThrow().heldUntil().isAfter(heldAtFirst));
                first.answered("{\"done\":true}", ResendsTest::unknown);
            }
        } finally {
            codexAnswers.countDown();
            for (Future<?> f : exports) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
    }
}
