package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.RateLimitSignal;
import dev.codexbridge.session.RateLimitWait;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.TurnLimits;

/** The real codex meets a model API answering 429: how codex reports it, and the governor's retry. */
class RateLimitLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path work;
    private final dev.codexbridge.support.WireSchema.Recorder wire = new dev.codexbridge.support.WireSchema.Recorder();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        if (model != null) {
            model.close();
            assertThat(dev.codexbridge.support.WireSchema.pinned().validateConversation(wire)).isEmpty();
        }
    }

    private CodexSession.Builder session() {
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
        return CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).build()).wireTap(wire).options()).cwd(work)
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO));
    }

    /** Everything the turn showed: codex's retries, the countdown, other notifications' methods. */
    private static final class Seen implements TurnListener {
        final List<TurnFailure> retries = Collections.synchronizedList(new ArrayList<>());
        final List<RateLimitWait> waits = Collections.synchronizedList(new ArrayList<>());
        final List<String> notifications = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onRetry(TurnFailure error) {
            retries.add(error);
        }

        @Override
        public void onRateLimitWait(RateLimitWait wait) {
            waits.add(wait);
        }

        @Override
        public void onNotification(CodexEvent.Notification event) {
            notifications.add(event.method());
        }
    }

    @Test
    void withoutAGovernorA429FailsTheTurnOnceAsAUsageLimit() {
        model.enqueue(ModelReply.tooManyRequests(Duration.ofSeconds(2)));
        Seen seen = new Seen();
        try (CodexSession s = session().build()) {
            TurnResult r = s.runTurn(TurnInput.text("hello"), TurnOptions.DEFAULTS, seen);
            System.out.println("429 without a governor: " + r.toJson() + " retries=" + seen.retries + " notifications=" + seen.notifications);
            assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
            assertThat(r.error().category()).isEqualTo(ErrorCategory.USAGE_LIMIT);
            assertThat(r.attempts()).isEqualTo(1);
            assertThat(r.rateLimitWaitMs()).isZero();
        }
        // the isolated home sets request_max_retries = 0: codex asked the model API once
        assertThat(model.responsesRequests()).hasSize(1);
    }

    @Test
    void theGovernorRetriesA429AfterItsWaitAndTheTurnSucceeds() {
        model.enqueue(ModelReply.tooManyRequests(Duration.ofSeconds(2)), ModelReply.message("recovered"));
        RateLimitGovernor governor = RateLimitGovernor.builder().maxAttempts(2).maxWait(Duration.ofSeconds(10))
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(4)).build();
        Seen seen = new Seen();
        List<String> connectionWide = Collections.synchronizedList(new ArrayList<>());
        try (CodexSession s = session().rateLimits(governor).build()) {
            s.start();
            List<String> rateLimitParams = Collections.synchronizedList(new ArrayList<>());
            s.client().subscribe(e -> {
                connectionWide.add(e.method());
                if (e instanceof CodexEvent.Notification n && n.method().equals("account/rateLimits/updated")) {
                    rateLimitParams.add(n.raw().toString());
                }
            });
            TurnResult r = s.runTurn(TurnInput.text("hello"), TurnOptions.DEFAULTS, seen);
            RateLimitSignal reason = seen.waits.isEmpty() ? null : seen.waits.get(0).reason();
            System.out.println("429 then success: " + r.toJson() + "\n  reason=" + reason + "\n  retries=" + seen.retries
                    + "\n  ticks=" + seen.waits.size() + "\n  connection-wide=" + connectionWide + "\n  rate limits=" + rateLimitParams
                    + "\n  governor latest=" + governor.latest());
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.finalText()).isEqualTo("recovered");
            assertThat(r.attempts()).isEqualTo(2);
            assertThat(r.rateLimitWaitMs()).isBetween(900L, 10_000L);
            assertThat(reason).isNotNull();
            assertThat(reason.status()).isEqualTo(RateLimitSignal.Status.REJECTED);
            assertThat(reason.source()).isEqualTo(RateLimitSignal.Source.TURN_FAILED);
            assertThat(seen.waits.get(seen.waits.size() - 1).remaining()).isZero();
            // codex 0.169 sends account/rateLimits/updated after a response even against a custom
            // provider, with nothing in it but limitId "codex": the governor records it as allowed.
            // It may come after the turn's end reached the host (another message on the same stream)
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(rateLimitParams).isNotEmpty();
                assertThat(governor.latest().status()).isEqualTo(RateLimitSignal.Status.ALLOWED);
            });
        }
        assertThat(model.responsesRequests()).hasSize(2);
    }

    @Test
    void rateLimitHeadersOnA429BecomeANotificationTheGovernorWaitsOn() {
        // the reset is named when the request arrives, 4–5 s later, however long codex took to start
        java.util.concurrent.atomic.AtomicLong resetAtHolder = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        model.respondWhenEmpty(request -> {
            if (asked.getAndIncrement() > 0) {
                return ModelReply.message("recovered");
            }
            long at = System.currentTimeMillis() / 1000 + 5;
            resetAtHolder.set(at);
            return new ModelReply.HttpError(429, java.util.Map.of("content-type", "application/json", "retry-after", "5",
                    "x-codex-primary-used-percent", "100", "x-codex-primary-window-minutes", "300",
                    "x-codex-primary-reset-at", Long.toString(at)),
                    "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"usage_limit_reached\",\"resets_at\":" + at + "}}");
        });
        RateLimitGovernor governor = RateLimitGovernor.builder().maxAttempts(2).maxWait(Duration.ofSeconds(10)).build();
        Seen seen = new Seen();
        List<String> rateLimitParams = Collections.synchronizedList(new ArrayList<>());
        try (CodexSession s = session().rateLimits(governor).build()) {
            s.start();
            s.client().subscribe(e -> {
                if (e instanceof CodexEvent.Notification n && n.method().equals("account/rateLimits/updated")) {
                    rateLimitParams.add(n.raw().toString());
                }
            });
            TurnResult r = s.runTurn(TurnInput.text("hello"), TurnOptions.DEFAULTS, seen);
            System.out.println("429 with rate-limit headers: " + r.toJson() + "\n  reasons=" + seen.waits.stream().map(RateLimitWait::reason).distinct().toList()
                    + "\n  rate limits=" + rateLimitParams);
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.attempts()).isEqualTo(2);
            // codex turns the x-codex-primary-* headers of the 429 into a rate-limit notification with
            // the window used up, and fails the turn as usageLimitExceeded ("Try again at 9:25 AM")
            assertThat(rateLimitParams.get(0)).contains("\"usedPercent\":100").contains("\"resetsAt\":" + resetAtHolder.get());
            // the governor waits on whichever of codex's two signals for this 429 reaches it first: the
            // notification of the window used up, or the turn failed as usageLimitExceeded
            RateLimitSignal why = seen.waits.get(0).reason();
            assertThat(why.status()).isEqualTo(RateLimitSignal.Status.REJECTED);
            if (why.source() == RateLimitSignal.Source.NOTIFICATION) {
                assertThat(why.usedPercent()).isEqualTo(100);
                assertThat(why.resetsAt()).isEqualTo(resetAtHolder.get());
            } else {
                assertThat(why.source()).isEqualTo(RateLimitSignal.Source.TURN_FAILED);
                assertThat(why.type()).isEqualTo("usageLimitExceeded");
            }
            // the wait lasted until about the reset the notification named
            assertThat(r.rateLimitWaitMs()).isBetween(1_000L, 10_000L);
        }
        assertThat(model.responsesRequests()).hasSize(2);
    }
}
