package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sessions with a rate-limit governor against an in-memory codex that fails turns for usage limits. */
class RateLimitSessionTest {
    private static final String USAGE_LIMIT = "{\"message\":\"You've hit your usage limit. Try again in 20s.\","
            + "\"codexErrorInfo\":\"usageLimitExceeded\"}";
    private static final String NO_HINT = "{\"message\":\"Rate limit reached\",\"codexErrorInfo\":\"usageLimitExceeded\"}";
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned();
    private final FakeCodex codex = fake.codex();
    private final RateLimitGovernorTest.VirtualClock clock = new RateLimitGovernorTest.VirtualClock();

    private CodexSession session(RateLimitGovernor governor) {
        CodexSession.Builder b = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).cwd(java.nio.file.Path.of("/work"))
                .limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO)).interruptGrace(Duration.ofSeconds(2));
        if (governor != null) {
            b.rateLimits(governor);
        }
        CodexSession s = b.build();
        fake.track(s);
        return s;
    }

    private RateLimitGovernor virtual(int maxAttempts) {
        return RateLimitGovernor.builder().clock(clock).jitter(() -> 0.0).maxAttempts(maxAttempts).maxWait(Duration.ofMinutes(5))
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(60)).build();
    }

    private List<JsonNode> turnStarts() {
        return codex.received().stream().filter(m -> m.path("method").asText().equals("turn/start")).toList();
    }

    /** Fails the first {@code failures} turns with {@code error}, then answers. */
    private void failFirst(int failures, String error) {
        AtomicInteger n = new AtomicInteger();
        codex.onTurnStart = (f, turn) -> {
            if (n.incrementAndGet() <= failures) {
                f.completeTurn(turn, "failed", error);
            } else {
                f.agentMessage(turn, "done");
                f.completeTurn(turn, "completed", null);
            }
        };
    }

    @Test
    void withoutAGovernorARateLimitedTurnFailsOnce() {
        failFirst(1, USAGE_LIMIT);
        TurnResult r = session(null).runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.USAGE_LIMIT);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.rateLimitWaitMs()).isZero();
        assertThat(turnStarts()).hasSize(1);
    }

    @Test
    void aTurnCompletedAsRateLimitedIsRetriedWithTheSameInputAfterTheNamedWait() {
        failFirst(1, USAGE_LIMIT);
        RateLimitGovernor governor = virtual(3);
        List<RateLimitWait> ticks = Collections.synchronizedList(new ArrayList<>());
        TurnResult r = session(governor).runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, new TurnListener() {
            @Override
            public void onRateLimitWait(RateLimitWait wait) {
                ticks.add(wait);
            }
        });
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("done");
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.rateLimitWaitMs()).isEqualTo(20_000);      // the "try again in 20s" of the error
        assertThat(r.turnId()).isEqualTo("turn-2");
        List<JsonNode> starts = turnStarts();
        assertThat(starts).hasSize(2);
        assertThat(starts.get(1).path("params").path("input")).isEqualTo(starts.get(0).path("params").path("input"));
        assertThat(ticks.get(0).attempt()).isEqualTo(2);
        assertThat(ticks.get(0).remaining()).isEqualTo(Duration.ofSeconds(20));
        assertThat(ticks.get(0).reason().source()).isEqualTo(RateLimitSignal.Source.TURN_FAILED);
        assertThat(ticks.get(ticks.size() - 1).remaining()).isZero();
        assertThat(governor.latest().type()).isEqualTo("usageLimitExceeded");
    }

    @Test
    void retriesAreBoundedByMaxAttemptsAndBackOffWithoutAHint() {
        failFirst(100, NO_HINT);
        TurnResult r = session(virtual(3)).runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.USAGE_LIMIT);
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(turnStarts()).hasSize(3);
        assertThat(r.rateLimitWaitMs()).isEqualTo(1_000 + 2_000);    // jitter 0: half of 2 s, then of 4 s
    }

    @Test
    void aTurnWhoseOutcomeIsUnknownIsNotRetried() {
        // codex says the limit was hit but never completes the turn: it may have run, so it is not sent again
        codex.onTurnStart = (f, turn) -> f.notify("error", "{\"threadId\":\"thread-1\",\"turnId\":\"" + turn + "\",\"willRetry\":false,"
                + "\"error\":" + USAGE_LIMIT + "}");
        codex.onInterrupt = (f, t) -> { };
        CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).cwd(java.nio.file.Path.of("/work"))
                .limits(TurnLimits.of(Duration.ofMillis(500), Duration.ZERO)).interruptGrace(Duration.ofMillis(300)).rateLimits(virtual(3)).build();
        fake.track(s);
        TurnResult r = s.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.TIMED_OUT);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(turnStarts()).hasSize(1);
    }

    @Test
    void codexsOwnRetriesOfARateLimitAreReported() {
        RateLimitGovernor governor = virtual(1);
        codex.onTurnStart = (f, turn) -> {
            f.notify("error", "{\"threadId\":\"thread-1\",\"turnId\":\"" + turn + "\",\"willRetry\":true,\"error\":{\"message\":"
                    + "\"Reconnecting... 1/5\",\"codexErrorInfo\":{\"responseStreamDisconnected\":{\"httpStatusCode\":429}}}}");
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        List<TurnFailure> retries = new ArrayList<>();
        TurnResult r = session(governor).runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, new TurnListener() {
            @Override
            public void onRetry(TurnFailure error) {
                retries.add(error);
            }
        });
        assertThat(r.completed()).isTrue();
        assertThat(retries).hasSize(1);
        assertThat(governor.latest().source()).isEqualTo(RateLimitSignal.Source.CODEX_RETRY);
        assertThat(governor.latest().type()).isEqualTo("http429");
        assertThat(governor.blockedFor()).isPositive();
    }

    @Test
    void aRateLimitNotificationBetweenTurnsHoldsBackTheNextTurnUntilItsReset() throws Exception {
        RateLimitGovernor governor = virtual(1);
        CodexSession s = session(governor);
        s.start();
        codex.notify("account/rateLimits/updated", "{\"rateLimits\":{\"limitId\":\"codex\",\"rateLimitReachedType\":\"rate_limit_reached\","
                + "\"primary\":{\"usedPercent\":100,\"windowDurationMins\":300,\"resetsAt\":" + (clock.millis() / 1000 + 75) + "}}}");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (governor.blockedFor().isZero() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        failFirst(0, null);
        TurnResult r = s.runTurn(TurnInput.text("go"));
        assertThat(r.completed()).isTrue();
        assertThat(r.rateLimitWaitMs()).isEqualTo(75_000);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(governor.latest().source()).isEqualTo(RateLimitSignal.Source.NOTIFICATION);
        assertThat(governor.latest().usedPercent()).isEqualTo(100);
    }

    @Test
    void turnsWaitingForARateLimitHoldNoThread() throws Exception {
        RateLimitGovernor governor = RateLimitGovernor.builder().maxWait(Duration.ofHours(2)).build();
        governor.report(RateLimitSignal.of(RateLimitGovernorTest.limits(100, System.currentTimeMillis() / 1000 + 3_600,
                "rate_limit_reached_type_primary")));
        codex.distinctThreads = true;
        try (CodexClient shared = CodexClient.builder().transport(codex.factory()).connect()) {
            long threadsBefore = libraryThreads();
            java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(100);
            List<CompletableFuture<TurnResult>> turns = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                CodexSession s = CodexSession.builder().client(shared).rateLimits(governor).build();
                fake.track(s);
                java.util.concurrent.atomic.AtomicBoolean told = new java.util.concurrent.atomic.AtomicBoolean();
                turns.add(s.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, new TurnListener() {
                    @Override
                    public void onRateLimitWait(RateLimitWait wait) {
                        if (told.compareAndSet(false, true)) {
                            waiting.countDown();
                        }
                    }
                }));
            }
            assertThat(waiting.await(10, TimeUnit.SECONDS)).as("every turn told its wait began").isTrue();
            assertThat(libraryThreads() - threadsBefore).as("library threads added by 100 waiting turns").isLessThan(10);
            assertThat(turnStarts()).isEmpty();
            governor.close();
            for (CompletableFuture<TurnResult> f : turns) {
                assertThat(f.get(60, TimeUnit.SECONDS).status()).isEqualTo(TurnOutcome.INTERRUPTED);
            }
        }
    }

    private static long libraryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("codex-bridge")).count();
    }

    @Test
    void sessionsSharingAGovernorStopSendingOnceOneIsRejected() throws Exception {
        // the real clock and an hour's Retry-After: the others must wait, not send, until closed
        RateLimitGovernor governor = RateLimitGovernor.builder().maxAttempts(3).maxWait(Duration.ofHours(1)).build();
        codex.distinctThreads = true;
        codex.onThreadTurnStart = (thread, turn) -> codex.notifyThread("turn/completed", thread, null,
                "{\"turn\":{\"id\":\"" + turn + "\",\"status\":\"failed\",\"error\":{\"message\":\"Rate limit reached, retry after 3600 seconds\","
                        + "\"codexErrorInfo\":\"rateLimitExceeded\"}}}");
        try (CodexClient shared = CodexClient.builder().transport(codex.factory()).connect()) {
            CodexSession first = CodexSession.builder().client(shared).rateLimits(governor).build();
            fake.track(first);
            List<CodexSession> others = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                CodexSession o = CodexSession.builder().client(shared).rateLimits(governor).build();
                fake.track(o);
                others.add(o);
                o.start();
            }
            List<RateLimitWait> ticks = Collections.synchronizedList(new ArrayList<>());
            TurnListener counting = new TurnListener() {
                @Override
                public void onRateLimitWait(RateLimitWait wait) {
                    ticks.add(wait);
                }
            };
            CompletableFuture<TurnResult> firstTurn = CompletableFuture.supplyAsync(
                    () -> first.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, counting), r -> new Thread(r).start());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (governor.blockedFor().isZero() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(governor.blockedFor()).isGreaterThan(Duration.ofMinutes(59));
            List<CompletableFuture<TurnResult>> results = new ArrayList<>();
            for (CodexSession o : others) {
                results.add(CompletableFuture.supplyAsync(() -> o.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, counting),
                        r -> new Thread(r).start()));
            }
            while (ticks.stream().map(w -> w.attempt()).count() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(200);
            assertThat(turnStarts()).as("only the first session's first attempt reached codex").hasSize(1);

            // a close ends a session's wait at once; an interrupt ends another's
            long closing = System.nanoTime();
            others.get(0).close();
            others.get(1).interrupt();
            for (CompletableFuture<TurnResult> f : results.subList(0, 2)) {
                TurnResult r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
                assertThat(r.attempts()).isZero();
                assertThat(r.error().category()).isEqualTo(ErrorCategory.USAGE_LIMIT);
            }
            // at once: far within the hour the governor asked them to wait, however slow the machine
            assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofMinutes(2));
            // closing the governor ends the rest, the first session's retry wait included
            governor.close();
            for (CompletableFuture<TurnResult> f : results.subList(2, 4)) {
                assertThat(f.get(60, TimeUnit.SECONDS).attempts()).isZero();
            }
            TurnResult firstResult = firstTurn.get(60, TimeUnit.SECONDS);
            assertThat(firstResult.status()).isEqualTo(TurnOutcome.INTERRUPTED);
            assertThat(firstResult.attempts()).isEqualTo(1);
            assertThat(firstResult.rateLimitWaitMs()).isPositive();
            assertThat(turnStarts()).hasSize(1);
        }
    }
}
