package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AccountRateLimitsUpdatedNotification;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The governor's waits on a virtual clock: reset times, Retry-After, backoff, caps, cancellation. */
class RateLimitGovernorTest {
    static final long EPOCH = 1_700_000_000_000L;

    /** Virtual time: a park moves the clock on at once, so an hour's wait takes no real time. */
    static final class VirtualClock implements RateLimitGovernor.Clock {
        final AtomicLong now = new AtomicLong(EPOCH);

        @Override
        public long millis() {
            return now.get();
        }

        @Override
        public void park(long millis) throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            now.addAndGet(millis);
        }

        private static final java.util.concurrent.ExecutorService STEPS = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "virtual-clock");
            t.setDaemon(true);
            return t;
        });

        /** Moves the clock on as a park does, then runs the task on the clock's own thread. */
        @Override
        public void schedule(Runnable task, long millis) {
            now.addAndGet(millis);
            STEPS.execute(task);
        }
    }

    private final VirtualClock clock = new VirtualClock();

    private RateLimitGovernor.Builder governor() {
        return RateLimitGovernor.builder().clock(clock).jitter(() -> 0.0).maxWait(Duration.ofMinutes(5))
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(60));
    }

    static AccountRateLimitsUpdatedNotification limits(int usedPercent, long resetsAtEpochSeconds, String reached) {
        String json = "{\"rateLimits\":{\"limitId\":\"codex\",\"primary\":{\"usedPercent\":" + usedPercent
                + ",\"windowDurationMins\":300,\"resetsAt\":" + resetsAtEpochSeconds + "},"
                + "\"secondary\":{\"usedPercent\":20,\"windowDurationMins\":10080,\"resetsAt\":" + (resetsAtEpochSeconds + 86_400) + "}"
                + (reached == null ? "" : ",\"rateLimitReachedType\":\"" + reached + "\"") + "}}";
        return Json.convert(Json.parse(json), AccountRateLimitsUpdatedNotification.class);
    }

    @Test
    void anAsyncWaitHoldsNoThreadAndEndsAsTheBlockingOneDoes() throws Exception {
        RateLimitGovernor g = governor().build();
        g.report(RateLimitSignal.of(limits(100, clock.millis() / 1000 + 90, "rate_limit_reached_type_primary")));
        List<RateLimitWait> ticks = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CompletableFuture<Duration> waited = g.whenReady(new RateLimitGovernor.Cancellation(), 1, ticks::add);
        assertThat(waited.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(Duration.ofSeconds(90));
        assertThat(ticks).hasSizeGreaterThan(80).last().satisfies(w -> assertThat(w.remaining()).isZero());
        // nothing blocked: no wait, no tick
        assertThat(g.whenReady(null, 1, ticks::add).get()).isZero();
    }

    @Test
    void cancellingOrClosingEndsAnAsyncWaitAtOnce() throws Exception {
        // the real clock: the wait would last an hour
        RateLimitGovernor g = RateLimitGovernor.builder().maxWait(Duration.ofHours(2)).build();
        g.report(RateLimitSignal.of(limits(100, System.currentTimeMillis() / 1000 + 3_600, "rate_limit_reached_type_primary")));
        RateLimitGovernor.Cancellation cancel = new RateLimitGovernor.Cancellation();
        java.util.concurrent.CompletableFuture<Duration> first = g.whenReady(cancel, 1, null);
        java.util.concurrent.CompletableFuture<Duration> second = g.whenReady(null, 1, null);
        assertThat(first).isNotDone();
        cancel.cancel();
        assertThat(first).isCompletedExceptionally();
        assertThat(second).isNotDone();
        g.close();
        assertThat(second).isCompletedExceptionally();
        assertThat(g.whenReady(null, 1, null)).isCompletedExceptionally();
    }

    @Test
    void nothingReportedMeansNoWait() {
        RateLimitGovernor g = governor().build();
        List<RateLimitWait> ticks = new ArrayList<>();
        assertThat(g.waitForReady(new RateLimitGovernor.Cancellation(), 1, ticks::add)).isZero();
        assertThat(ticks).isEmpty();
        assertThat(clock.millis()).isEqualTo(EPOCH);
    }

    @Test
    void aUsedUpWindowBlocksUntilItsResetWithACountdown() {
        RateLimitGovernor g = governor().build();
        long resetsAt = EPOCH / 1000 + 90;
        g.report(RateLimitSignal.of(limits(100, resetsAt, "rate_limit_reached")));
        RateLimitSignal s = g.latest();
        assertThat(s.status()).isEqualTo(RateLimitSignal.Status.REJECTED);
        assertThat(s.type()).isEqualTo("rate_limit_reached");
        assertThat(s.usedPercent()).isEqualTo(100);
        assertThat(s.windowMins()).isEqualTo(300);
        assertThat(s.resetTime()).isEqualTo(Instant.ofEpochSecond(resetsAt));

        List<RateLimitWait> ticks = new ArrayList<>();
        Duration waited = g.waitForReady(new RateLimitGovernor.Cancellation(), 2, ticks::add);
        assertThat(waited).isEqualTo(Duration.ofSeconds(90));
        assertThat(ticks.get(0).remaining()).isEqualTo(Duration.ofSeconds(90));
        assertThat(ticks.get(0).total()).isEqualTo(Duration.ofSeconds(90));
        assertThat(ticks.get(0).attempt()).isEqualTo(2);
        assertThat(ticks.get(0).reason().type()).isEqualTo("rate_limit_reached");
        assertThat(ticks.get(ticks.size() - 1).remaining()).isZero();
        assertThat(ticks).hasSize(91);      // one a second, and the end
        assertThat(ticks).extracting(RateLimitWait::remaining).isSortedAccordingTo(Collections.reverseOrder());
        // the block is over: the next caller goes ahead
        assertThat(g.waitForReady(new RateLimitGovernor.Cancellation(), 1, null)).isZero();
    }

    @Test
    void aWindowNotUsedUpIsAllowedAndTypedByItsLimitOrOpaque() {
        RateLimitSignal s = RateLimitSignal.of(limits(42, EPOCH / 1000 + 60, null));
        assertThat(s.status()).isEqualTo(RateLimitSignal.Status.ALLOWED);
        assertThat(s.type()).isEqualTo("codex");
        assertThat(s.usedPercent()).isEqualTo(42);
        AccountRateLimitsUpdatedNotification bare = Json.convert(Json.parse("{\"rateLimits\":{\"primary\":{\"usedPercent\":10}}}"),
                AccountRateLimitsUpdatedNotification.class);
        assertThat(RateLimitSignal.of(bare).type()).isEqualTo(RateLimitSignal.OPAQUE);
        assertThat(Json.parse(Json.write(s)).path("status").asText()).isEqualTo("allowed");
    }

    @Test
    void eachWaitIsCappedByMaxWaitWhateverTheResetSays() {
        RateLimitGovernor g = governor().maxWait(Duration.ofMinutes(5)).build();
        g.report(RateLimitSignal.of(limits(100, EPOCH / 1000 + 7200, null)));
        assertThat(g.waitForReady(null, 1, null)).isEqualTo(Duration.ofMinutes(5));
        // per wait, not per run: the next rejection gets its own five minutes
        g.report(RateLimitSignal.of(limits(100, clock.millis() / 1000 + 7200, null)));
        assertThat(g.waitForReady(null, 2, null)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void retryAfterNamedInTheErrorIsHonoured() {
        RateLimitGovernor g = governor().build();
        TurnFailure err = TurnFailure.of("Rate limit reached. Please try again in 20s.", ErrorCategory.USAGE_LIMIT, Json.parse("\"usageLimitExceeded\""));
        RateLimitSignal s = RateLimitSignal.of(err, RateLimitSignal.Source.TURN_FAILED);
        assertThat(s.retryAfter()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.type()).isEqualTo("usageLimitExceeded");
        g.report(s);
        assertThat(g.waitForReady(null, 2, null)).isEqualTo(Duration.ofSeconds(20));
        assertThat(RateLimitSignal.retryAfter("retry after 1.5 minutes")).isEqualTo(Duration.ofSeconds(90));
        assertThat(RateLimitSignal.retryAfter("try again in 250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(RateLimitSignal.retryAfter("no hint here")).isNull();
        TurnFailure http = TurnFailure.of("unexpected status 429 Too Many Requests", ErrorCategory.USAGE_LIMIT,
                Json.parse("{\"responseStreamDisconnected\":{\"httpStatusCode\":429}}"));
        assertThat(RateLimitSignal.of(http, RateLimitSignal.Source.CODEX_RETRY).type()).isEqualTo("http429");
    }

    @Test
    void withNothingKnownTheBackoffDoublesWithJitterUpToItsMax() {
        double[] jitter = {0.0};
        RateLimitGovernor g = governor().jitter(() -> jitter[0]).backoff(Duration.ofSeconds(2), Duration.ofSeconds(10)).build();
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            g.report(RateLimitSignal.rejected(RateLimitSignal.Source.HOST, "slow down"));
            waits.add(g.waitForReady(null, i + 2, null));
        }
        // the lower half of 2 s, 4 s, 8 s, then the 10 s max
        assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5));
        jitter[0] = 0.5;
        g.report(RateLimitSignal.rejected(RateLimitSignal.Source.HOST, "slow down"));
        assertThat(g.waitForReady(null, 6, null)).isEqualTo(Duration.ofMillis(7500));
        // an allowed signal ends the run of rejections: back to the base
        g.report(RateLimitSignal.of(limits(10, clock.millis() / 1000 + 60, null)));
        jitter[0] = 0.0;
        g.report(RateLimitSignal.rejected(RateLimitSignal.Source.HOST, "slow down"));
        assertThat(g.waitForReady(null, 1, null)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aLaterShorterRejectionDoesNotShortenTheBlock() {
        RateLimitGovernor g = governor().build();
        g.report(RateLimitSignal.of(limits(100, EPOCH / 1000 + 120, null)));
        g.report(new RateLimitSignal(RateLimitSignal.Status.REJECTED, "http429", RateLimitSignal.Source.TURN_FAILED, null, null, null,
                5_000L, "429"));
        assertThat(g.blockedFor()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void anAllowedNotificationLiftsABlockANotificationSet() {
        RateLimitGovernor g = governor().build();
        g.report(RateLimitSignal.of(limits(100, EPOCH / 1000 + 120, null)));
        g.report(RateLimitSignal.of(limits(30, EPOCH / 1000 + 120, null)));
        assertThat(g.blockedFor()).isZero();
        assertThat(g.waitForReady(null, 1, null)).isZero();
    }

    @Test
    void cancellingEndsAWaitAtOnceAndRefusesLaterOnes() throws Exception {
        RateLimitGovernor g = RateLimitGovernor.builder().maxWait(Duration.ofHours(1)).build();   // the real clock
        g.report(new RateLimitSignal(RateLimitSignal.Status.REJECTED, "http429", RateLimitSignal.Source.HOST, null, null, null,
                3_600_000L, "429"));
        RateLimitGovernor.Cancellation c = new RateLimitGovernor.Cancellation();
        List<RateLimitWait> ticks = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Throwable> ended = CompletableFuture.supplyAsync(() -> {
            try {
                g.waitForReady(c, 1, ticks::add);
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        while (ticks.isEmpty()) {
            Thread.sleep(5);
        }
        long cancelledAt = System.nanoTime();
        c.cancel();
        // the wait is for an hour: a minute tells an ended wait from a kept one however slow the machine
        Throwable why = ended.get(60, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt)).isLessThan(Duration.ofSeconds(60));
        assertThat(why).isInstanceOf(RateLimitGovernor.WaitCancelledException.class).hasMessageContaining("cancelled");
        assertThat(ticks.get(0).remaining()).isGreaterThan(Duration.ofMinutes(59));
        long start = System.nanoTime();
        assertThatThrownBy(() -> g.waitForReady(c, 1, null)).isInstanceOf(RateLimitGovernor.WaitCancelledException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused, not waited").isLessThan(Duration.ofSeconds(60));
        // another caller still waits: the cancellation was one caller's
        assertThat(g.blockedFor()).isGreaterThan(Duration.ofMinutes(59));
    }

    @Test
    void closingTheGovernorEndsEveryWaitAndRefusesLaterOnes() throws Exception {
        RateLimitGovernor g = RateLimitGovernor.builder().maxWait(Duration.ofHours(1)).build();
        g.report(RateLimitSignal.of(limits(100, System.currentTimeMillis() / 1000 + 3600, null)));
        List<CompletableFuture<Throwable>> waits = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waits.add(CompletableFuture.supplyAsync(() -> {
                try {
                    g.waitForReady(new RateLimitGovernor.Cancellation(), 1, null);
                    return null;
                } catch (RuntimeException e) {
                    return e;
                }
            }, r -> new Thread(r).start()));
        }
        Thread.sleep(100);
        g.close();
        for (CompletableFuture<Throwable> w : waits) {
            assertThat(w.get(60, TimeUnit.SECONDS)).isInstanceOf(RateLimitGovernor.WaitCancelledException.class)
                    .hasMessageContaining("closed");
        }
        assertThatThrownBy(() -> g.waitForReady(null, 1, null)).hasMessageContaining("closed");
    }

    @Test
    void anInterruptEndsAWaitAndKeepsTheFlag() throws Exception {
        RateLimitGovernor g = RateLimitGovernor.builder().maxWait(Duration.ofHours(1)).build();
        g.report(RateLimitSignal.of(limits(100, System.currentTimeMillis() / 1000 + 3600, null)));
        CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                g.waitForReady(null, 1, null);
                flagKept.complete(false);
            } catch (RateLimitGovernor.WaitCancelledException e) {
                flagKept.complete(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        Thread.sleep(100);
        t.interrupt();
        assertThat(flagKept.get(60, TimeUnit.SECONDS)).isTrue();
    }
}
