package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.session.internal.thread.ThreadReleases;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.transport.CodexTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hibernation (decision 0040): an idle session lets go of its thread, and whatever needs the thread
 * next resumes it on the same session; letting go is paced and tried again until codex confirms.
 * The idle window is timed by a {@link ManualIdleClock} the tests move, not by waiting for it.
 */
class HibernationTest {
    private static final Duration IDLE = Duration.ofSeconds(1);
    /** What the idle timer decides runs on the library's wait pool: a moment for it before looking at what it did not do. */
    private static final long SETTLE_MS = 100;

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.shared);
    private final FakeCodex codex = fake.codex();
    private final ManualIdleClock clock = new ManualIdleClock();
    private CodexClient shared;

    private CodexClient sharedClient(Consumer<CodexClient.Builder> tune) {
        codex.distinctThreads = true;
        codex.scriptDelayMs = 0;
        codex.onThreadTurnStart = (thread, turn) -> {
            codex.notifyThread("item/completed", thread, turn,
                    "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m-" + turn + "\",\"text\":\"done\"}}");
            codex.completeThreadTurn(thread, turn, "completed");
        };
        CodexClient.Builder b = CodexClient.builder().transport(codex.factory());
        tune.accept(b);
        shared = b.connect();
        return shared;
    }

    private CodexSession session(CodexSession.Builder b) {
        b.hibernationClock = clock;
        CodexSession s = b.cwd(Path.of("/w")).limits(TurnLimits.of(Duration.ofSeconds(30), Duration.ZERO)).build();
        fake.track(s);
        return s;
    }

    private CodexSession hibernating(CodexClient client) {
        return session(CodexSession.builder().client(client).hibernateAfter(IDLE));
    }

    @Test
    void anIdleSessionLetsGoOfItsThreadAndItsNextTurnResumesItOnTheSameSession() throws Exception {
        CodexClient client = sharedClient(b -> { });
        CodexSession s = hibernating(client);
        String thread = s.start();
        assertThat(s.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(client.reservedThreads()).isEqualTo(1);

        idleUntil(s::isHibernated);
        waitUntil(() -> sent("thread/unsubscribe", thread) == 1);
        // the place goes back right after the unsubscribe is handed on, which the fake codex may see first
        waitUntil(() -> client.reservedThreads() == 0);
        assertThat(client.reservedThreads()).as("a hibernated session holds no thread place").isZero();
        assertThat(s.threadId()).isEqualTo(thread);
        assertThat(s.client()).isNull();

        TurnResult next = s.runTurn(TurnInput.text("two"));
        assertThat(next.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(next.threadId()).isEqualTo(thread);
        assertThat(s.isHibernated()).isFalse();
        assertThat(sent("thread/resume", thread)).isEqualTo(1);
        assertThat(client.reservedThreads()).isEqualTo(1);
        // codex is asked to unload a thread no one follows at once, so the unsubscribe frees it promptly
        JsonNode start = codex.received().stream().filter(m -> "thread/start".equals(m.path("method").asText())).findFirst().orElseThrow();
        assertThat(start.path("params").path("config").path("thread_unload_delay_secs").asInt(-1)).isZero();
    }

    /** The window counts from the last activity: a turn halfway through it moves its end, and the timer, due first at the old end, waits on. */
    @Test
    void aTurnWithinTheIdleWindowMovesItsEnd() throws Exception {
        CodexClient client = sharedClient(b -> { });
        CodexSession s = hibernating(client);
        s.start();
        s.runTurn(TurnInput.text("one"));
        clock.advance(IDLE.dividedBy(2));
        s.runTurn(TurnInput.text("two"));
        clock.advance(IDLE.dividedBy(2));       // the timer's first time: only half a window since the second turn
        assertThat(s.isHibernated()).isFalse();
        assertThat(clock.pending()).as("the timer set again for the rest of the window").isOne();
        clock.advance(IDLE.dividedBy(2));
        waitUntil(s::isHibernated);
    }

    /**
     * Over a connection to a running app-server a drop also leaves the thread without a
     * subscriber: codex keeps it loaded for the re-attach window, or a turn waiting to re-attach
     * would be unloaded under it (read back as interrupted; bin/bench faults lost 215 of 300).
     */
    @Test
    void onARunningAppServerCodexKeepsAThreadNoOneFollowsForTheReattachWindowAndAReconnectsResumeSendsNoConfig() throws Exception {
        CodexTransport.Factory running = new CodexTransport.Factory() {
            @Override
            public CodexTransport open(InboundSink sink) {
                return codex.factory().open(sink);
            }

            @Override
            public boolean reachesRunningServer() {
                return true;
            }
        };
        CodexClient client = sharedClient(b -> b.transport(running)
                .reconnect(ReconnectPolicy.DEFAULT.withReattachWindow(Duration.ofMillis(12_300))));
        CodexSession s = hibernating(client);
        String thread = s.start();
        JsonNode start = codex.received().stream().filter(m -> "thread/start".equals(m.path("method").asText())).findFirst().orElseThrow();
        assertThat(start.path("params").path("config").path("thread_unload_delay_secs").asInt(-1)).isEqualTo(13);

        // after a drop the thread is still loaded there: its resume carries no config, which codex would wait to apply
        codex.die();
        waitUntil(() -> sent("thread/resume", thread) == 1);
        JsonNode resume = codex.received().stream().filter(m -> "thread/resume".equals(m.path("method").asText())).findFirst().orElseThrow();
        assertThat(resume.path("params").path("config").path("thread_unload_delay_secs").isMissingNode()).isTrue();
    }

    /** Tenants' shape: the client a session slept on was closed; its next turn is placed on another and resumes the thread there. */
    @Test
    void aSessionWhoseClientClosedWhileItSleptIsPlacedAgainAndSettlesThePlacementOnceItHoldsItsPlace() throws Exception {
        CodexClient first = sharedClient(b -> { });
        List<String> placedFor = new CopyOnWriteArrayList<>();
        List<Integer> placesAtSettling = new CopyOnWriteArrayList<>();
        List<CodexClient> placed = new CopyOnWriteArrayList<>();
        CodexSession s = session(CodexSession.builder().client(first).hibernateAfter(IDLE).placement(id -> {
            placedFor.add(id);
            CodexClient next = CodexClient.builder().transport(codex.factory()).connect();
            placed.add(next);
            return new ClientPlacement.Placed(next, () -> placesAtSettling.add(next.reservedThreads()));
        }));
        try {
            String thread = s.start();
            assertThat(s.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
            idleUntil(s::isHibernated);
            first.close();

            TurnResult next = s.runTurn(TurnInput.text("two"));
            assertThat(next.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(next.threadId()).isEqualTo(thread);
            assertThat(placedFor).containsExactly(thread);
            assertThat(placesAtSettling).as("settled once, after the thread took its place").containsExactly(1);
            assertThat(s.client()).isSameAs(placed.get(0));
            assertThat(sent("thread/resume", thread)).isEqualTo(1);

            assertThat(s.runTurn(TurnInput.text("three")).status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(placedFor).as("an open client is kept").hasSize(1);
        } finally {
            s.close();
            placed.forEach(CodexClient::close);
        }
    }

    /** Tenants' race: the client a turn's thread was placed on is closed (its codex died) while the resume is out; nothing was sent. */
    @Test
    void aTurnWhosePlacedConnectionEndsBeforeItGoesOutIsPlacedAnewAndCompletes() throws Exception {
        CodexClient first = sharedClient(b -> { });
        List<CodexClient> placed = new CopyOnWriteArrayList<>();
        CodexSession s = session(CodexSession.builder().client(first).hibernateAfter(IDLE).placement(id -> {
            CodexClient next = CodexClient.builder().transport(codex.factory()).connect();
            placed.add(next);
            return new ClientPlacement.Placed(next, () -> { });
        }));
        try {
            String thread = s.start();
            assertThat(s.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
            idleUntil(s::isHibernated);
            first.close();
            // the first placement's resume gets no answer: its owner closes that client meanwhile, as the tenants do
            // with a client whose codex died
            codex.resumeAnswer = id -> {
                codex.resumeAnswer = null;
                CodexClient doomed = placed.get(placed.size() - 1);
                CompletableFuture.runAsync(doomed::close);
                return new CompletableFuture<>();
            };

            TurnResult next = s.runTurn(TurnInput.text("two"));
            assertThat(next.status()).as("%s", next).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(next.threadId()).isEqualTo(thread);
            assertThat(placed).hasSize(2);
            assertThat(s.client()).isSameAs(placed.get(1));
        } finally {
            s.close();
            placed.forEach(CodexClient::close);
        }
    }

    /**
     * Tenants' race: the codex the turn's thread is open on died a moment before the turn, its end not
     * read yet; turn/start cannot be written. Codex never received it: the turn is placed anew.
     */
    @Test
    void aTurnWhoseStartCannotBeWrittenIsPlacedAnewAndCompletes() throws Exception {
        CodexClient first = sharedClient(b -> { });
        List<CodexClient> placed = new CopyOnWriteArrayList<>();
        CodexSession s = session(CodexSession.builder().client(first).placement(id -> {
            CodexClient next = CodexClient.builder().transport(codex.factory()).connect();
            placed.add(next);
            return new ClientPlacement.Placed(next, () -> { });
        }));
        try {
            String thread = s.start();
            assertThat(s.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
            long startsBefore = sent("turn/start", thread);
            codex.breakClientWrites();

            TurnResult next = s.runTurn(TurnInput.text("two"));
            assertThat(next.status()).as("%s", next).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(next.threadId()).isEqualTo(thread);
            assertThat(placed).as("placed anew once").hasSize(1);
            assertThat(s.client()).isSameAs(placed.get(0));
            assertThat(sent("turn/start", thread)).as("the turn reached codex once").isEqualTo(startsBefore + 1);
        } finally {
            s.close();
            placed.forEach(CodexClient::close);
        }
    }

    /**
     * The tenants could not start the principal's codex again (its home gone, say): the turn says
     * that, not "the host closed the shared CodexClient", which only the dead codex's client was.
     */
    @Test
    void aTurnWhosePlacementFailsSaysWhyNotThatItsOldClientWasClosed() throws Exception {
        CodexClient first = sharedClient(b -> { });
        CodexSession s = session(CodexSession.builder().client(first).placement(id -> {
            throw new dev.codexbridge.CodexException("CODEX_HOME /tenants/alice/codex-home does not exist");
        }));
        try {
            s.start();
            assertThat(s.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
            first.close();      // as the tenants close the client of a codex that died

            TurnResult next = s.runTurn(TurnInput.text("two"));
            assertThat(next.status()).as("%s", next).isEqualTo(TurnOutcome.FAILED);
            assertThat(next.error().message()).contains("CODEX_HOME /tenants/alice/codex-home does not exist");
            assertThat(next.error().category()).isNotEqualTo(ErrorCategory.CLOSED_BY_HOST);
        } finally {
            s.close();
        }
    }

    @Test
    void aPlacementWithoutAFirstClientIsRefused() {
        assertThatThrownBy(() -> CodexSession.builder().placement(id -> null).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("client(...)");
    }

    @Test
    void aThreadWithNoTurnYetIsKeptBecauseCodexCouldNotResumeIt() throws Exception {
        CodexClient client = sharedClient(b -> { });
        CodexSession s = hibernating(client);
        String thread = s.start();
        clock.advance(IDLE.multipliedBy(3));
        Thread.sleep(SETTLE_MS);
        assertThat(s.isHibernated()).isFalse();
        assertThat(sent("thread/unsubscribe", thread)).isZero();
        assertThat(s.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
        idleUntil(s::isHibernated);
    }

    @Test
    void offMeansTheThreadIsKeptWhileTheSessionIsOpen() throws Exception {
        CodexClient client = sharedClient(b -> { });
        CodexSession s = session(CodexSession.builder().client(client).hibernateAfter(Duration.ZERO));
        String thread = s.start();
        s.runTurn(TurnInput.text("one"));
        clock.advance(Duration.ofHours(1));     // longer than any idle window: off sets none
        Thread.sleep(SETTLE_MS);
        assertThat(s.isHibernated()).isFalse();
        assertThat(sent("thread/unsubscribe", thread)).isZero();
        JsonNode start = codex.received().stream().filter(m -> "thread/start".equals(m.path("method").asText())).findFirst().orElseThrow();
        assertThat(start.path("params").has("config")).as("codex's own unload delay applies").isFalse();
    }

    @Test
    void anIdleWindowBelowOneSecondIsRefused() {
        assertThatThrownBy(() -> CodexSession.builder().hibernateAfter(Duration.ofMillis(200)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 s");
        assertThatThrownBy(() -> CodexSession.builder().hibernateAfter(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eachEntryPointThatNeedsTheThreadResumesIt() throws Exception {
        CodexClient client = sharedClient(b -> { });
        CodexSession s = hibernating(client);
        String thread = s.start();
        s.runTurn(TurnInput.text("one"));
        int resumes = 0;

        idleUntil(s::isHibernated);
        assertThat(s.findTurn("some-key")).isEmpty();
        assertThat(s.isHibernated()).isFalse();
        assertThat(sent("thread/resume", thread)).isEqualTo(++resumes);

        idleUntil(s::isHibernated);
        assertThat(s.read(false)).isNotNull();
        assertThat(sent("thread/resume", thread)).isEqualTo(++resumes);

        idleUntil(s::isHibernated);
        assertThat(s.runningTurnId()).isEmpty();
        assertThat(sent("thread/resume", thread)).isEqualTo(++resumes);

        idleUntil(s::isHibernated);
        codex.turnsList = p -> {
            ObjectNode r = Json.object();
            r.putArray("data").addObject().put("id", "turn-1").put("status", "completed").putArray("items");
            return r;
        };
        TurnResult attached = s.attachTurn("turn-1", TurnListener.NONE);
        assertThat(attached.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(sent("thread/resume", thread)).isEqualTo(++resumes);

        idleUntil(s::isHibernated);
        assertThat(s.startAsync().get(60, TimeUnit.SECONDS)).isEqualTo(thread);
        assertThat(sent("thread/resume", thread)).isEqualTo(++resumes);
        // every resume followed the unsubscribe before it: codex never reads an unsubscribe after a resume
        assertThat(lastOf(thread)).isEqualTo("thread/resume");
    }

    /**
     * The idle timer fires around the moment a new turn starts, many times over: whichever wins,
     * the turn completes, and codex never reads an unsubscribe of the thread after its last
     * {@code thread/resume} before a {@code turn/start} (the turn would run on a thread no one follows).
     */
    @Test
    void aWakeRacingTheIdleTimerAlwaysRunsTheTurnOnAThreadItFollows() throws Exception {
        CodexClient client = sharedClient(b -> { });
        CodexSession s = hibernating(client);
        String thread = s.start();
        s.runTurn(TurnInput.text("first"));
        for (int i = 0; i < 16; i++) {
            // the idle deadline on another thread, from 20 ms after the turn's start to 17.5 ms before it
            long timerLagMicros = (8 - i) * 2_500L;
            CompletableFuture<Void> deadline = CompletableFuture.runAsync(() -> {
                pause(Math.max(0, timerLagMicros));
                clock.advance(IDLE);
            });
            pause(Math.max(0, -timerLagMicros));
            TurnResult r = s.runTurn(TurnInput.text("turn " + i));
            deadline.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).as("turn %d", i).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.threadId()).isEqualTo(thread);
            assertThat(unsubscribedWhenTurnStarted(thread)).as("turn %d went out on a thread codex was told no one follows", i).isFalse();
        }
        assertThat(sent("thread/unsubscribe", thread)).as("the timer won some of the races").isPositive();
    }

    /** Found by the chaos run: a wake right after letting go finds codex still unloading the thread. */
    @Test
    void aResumeCodexRefusesBecauseTheThreadIsStillClosingIsSentAgain() throws Exception {
        CodexClient client = sharedClient(b -> { });
        CodexSession s = hibernating(client);
        String thread = s.start();
        s.runTurn(TurnInput.text("one"));
        idleUntil(s::isHibernated);
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        codex.resumeAnswer = id -> refused.incrementAndGet() <= 2
                ? CompletableFuture.failedFuture(new dev.codexbridge.rpc.RpcException("thread/resume", new dev.codexbridge.rpc.RpcError(
                        dev.codexbridge.rpc.RpcError.INVALID_REQUEST, "thread " + id + " is closing; retry thread/resume after the thread is closed")))
                : CompletableFuture.completedFuture(threadAnswer(id));
        TurnResult r = s.runTurn(TurnInput.text("two"));
        assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.threadId()).isEqualTo(thread);
        assertThat(sent("thread/resume", thread)).isEqualTo(3);
    }

    private static JsonNode threadAnswer(String id) {
        ObjectNode r = Json.object();
        r.putObject("thread").put("id", id);
        return r;
    }

    @Test
    void anUnansweredUnsubscribeIsSentAgainUntilCodexConfirms() throws Exception {
        CodexClient client = sharedClient(b -> b.requestTimeout(Duration.ofMillis(300)));
        List<String> asked = new CopyOnWriteArrayList<>();
        codex.unsubscribeAnswer = id -> {
            asked.add(id);
            // the first goes unanswered, as codex left 25-108 of 500 simultaneous ones
            return asked.size() == 1 ? new CompletableFuture<>() : CompletableFuture.completedFuture(Json.object().put("status", "unsubscribed"));
        };
        CodexSession s = hibernating(client);
        String thread = s.start();
        codex.loaded.add(thread);
        s.runTurn(TurnInput.text("one"));
        idleUntil(s::isHibernated);
        waitUntil(() -> asked.size() == 2);
        assertThat(asked).containsExactly(thread, thread);
        assertThat(count("thread/loaded/list")).as("the unanswered one was checked against codex's list first").isEqualTo(1);
        waitUntil(() -> ThreadReleases.of(client).pending() == 0);
    }

    @Test
    void anUnansweredUnsubscribeOfAThreadCodexNoLongerListsIsDone() throws Exception {
        CodexClient client = sharedClient(b -> b.requestTimeout(Duration.ofMillis(300)));
        codex.unsubscribeAnswer = id -> new CompletableFuture<>();
        CodexSession s = hibernating(client);
        String thread = s.start();
        s.runTurn(TurnInput.text("one"));
        idleUntil(s::isHibernated);
        waitUntil(() -> count("thread/loaded/list") == 1);
        waitUntil(() -> ThreadReleases.of(client).pending() == 0);
        Thread.sleep(1_500);        // past the pause before a second try
        assertThat(sent("thread/unsubscribe", thread)).isEqualTo(1);
    }

    @Test
    void closingManySessionsAtOnceSendsTheirUnsubscribesPaced() throws Exception {
        CodexClient client = sharedClient(b -> b.maxThreads(100));
        List<CompletableFuture<JsonNode>> held = new CopyOnWriteArrayList<>();
        codex.unsubscribeAnswer = id -> {
            CompletableFuture<JsonNode> f = new CompletableFuture<>();
            held.add(f);
            return f;
        };
        List<CodexSession> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            CodexSession s = session(CodexSession.builder().client(client).hibernateAfter(Duration.ZERO));
            s.start();
            many.add(s);
        }
        many.forEach(CodexSession::close);
        waitUntil(() -> held.size() == ThreadReleases.IN_FLIGHT);
        Thread.sleep(200);
        assertThat(count("thread/unsubscribe")).as("no more than %d out at once", ThreadReleases.IN_FLIGHT).isEqualTo(ThreadReleases.IN_FLIGHT);
        // each answer lets the next one out, until every thread was let go
        for (int answered = 0; answered < 60; answered++) {
            int next = answered;
            waitUntil(() -> held.size() > next);
            held.get(answered).complete(Json.object().put("status", "unsubscribed"));
        }
        waitUntil(() -> ThreadReleases.of(client).pending() == 0);
        assertThat(count("thread/unsubscribe")).isEqualTo(60);
        assertThat(client.reservedThreads()).isZero();
    }

    @Test
    void aSessionWithItsOwnCodexClosesItWhileIdleAndStartsItAgainForTheNextTurn() throws Exception {
        codex.scriptDelayMs = 0;
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        CodexSession s = session(CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).hibernateAfter(IDLE));
        String thread = s.start();
        s.runTurn(TurnInput.text("one"));
        assertThat(codex.opens.get()).isEqualTo(1);
        idleUntil(s::isHibernated);
        assertThat(s.client()).isNull();
        TurnResult next = s.runTurn(TurnInput.text("two"));
        assertThat(next.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(next.threadId()).isEqualTo(thread);
        assertThat(codex.opens.get()).as("a fresh codex for the next turn").isEqualTo(2);
        assertThat(sent("thread/resume", thread)).isEqualTo(1);
    }

    @Test
    void afterAReconnectOnlyTheSessionsThatHoldTheirThreadAreResumedAtOnce() throws Exception {
        CodexClient client = sharedClient(b -> b.reconnect(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4)));
        CodexSession asleep = hibernating(client);
        CodexSession awake = session(CodexSession.builder().client(client).hibernateAfter(Duration.ofMinutes(10)));
        String sleeping = asleep.start();
        String held = awake.start();
        asleep.runTurn(TurnInput.text("one"));
        awake.runTurn(TurnInput.text("one"));
        idleUntil(asleep::isHibernated);

        codex.die();
        waitUntil(() -> sent("thread/resume", held) == 1);
        Thread.sleep(300);
        assertThat(sent("thread/resume", sleeping)).as("a hibernated session waits for its next call").isZero();

        TurnResult woke = asleep.runTurn(TurnInput.text("two"));
        assertThat(woke.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(sent("thread/resume", sleeping)).isEqualTo(1);
        assertThat(awake.runTurn(TurnInput.text("two")).status()).isEqualTo(TurnOutcome.COMPLETED);
    }

    /**
     * A reconnect resumes the sessions that held their thread one window at a time; one that fell
     * asleep while it waited its turn stays asleep. Woken by that resume it would hold a loaded
     * thread with no idle timer left to let go of it (bin/bench idle: 10 of 100 after a kill,
     * awake until the next reconnect).
     */
    @Test
    void aSessionThatFallsAsleepWhileTheReconnectsResumesRunIsNotWokenByThem() throws Exception {
        CodexClient client = sharedClient(b -> b.reconnect(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 1)));
        CodexSession first = session(CodexSession.builder().client(client).hibernateAfter(Duration.ofMinutes(10)));
        CodexSession late = hibernating(client);
        String held = first.start();
        String sleeper = late.start();
        first.runTurn(TurnInput.text("one"));
        late.runTurn(TurnInput.text("one"));
        CompletableFuture<JsonNode> firstResumed = new CompletableFuture<>();
        codex.resumeAnswer = id -> id.equals(held) ? firstResumed : CompletableFuture.completedFuture(FakeCodex.thread(id));

        codex.die();
        waitUntil(() -> sent("thread/resume", held) == 1);      // one resume at a time: the late one waits behind it
        idleUntil(late::isHibernated);
        firstResumed.complete(FakeCodex.thread(held));
        waitUntil(() -> !first.isHibernated() && first.client() != null && first.client().isOpen());
        Thread.sleep(300);

        assertThat(sent("thread/resume", sleeper)).as("no resume for a session asleep by its turn in the round").isZero();
        assertThat(late.isHibernated()).isTrue();
        TurnResult woke = late.runTurn(TurnInput.text("two"));
        assertThat(woke.status()).isEqualTo(TurnOutcome.COMPLETED);
        idleUntil(late::isHibernated);      // and its idle timer still runs after waking
    }

    /** The idle timer fires while a call waits for the reconnect to open its thread again: it goes on, and the session lets go after the call. */
    @Test
    void anIdleTimerThatFiresWhileACallWaitsForTheReconnectLetsGoAfterIt() throws Exception {
        CodexClient client = sharedClient(b -> b.reconnect(new ReconnectPolicy(5, Duration.ofMillis(1_500), Duration.ofMillis(1_500), 4)));
        CodexSession s = hibernating(client);
        String thread = s.start();
        s.runTurn(TurnInput.text("one"));

        codex.die();
        Thread.sleep(300);
        CompletableFuture<?> read = CompletableFuture.supplyAsync(() -> s.read(false));     // waits 1.5 s for the reconnect
        Thread.sleep(300);
        clock.advance(IDLE);        // the idle timer fires meanwhile
        assertThat(read.get(30, TimeUnit.SECONDS)).isNotNull();
        assertThat(sent("thread/resume", thread)).isEqualTo(1);
        idleUntil(s::isHibernated);
    }

    // ------------------------------------------------------------------ helpers

    /** Whether, at the last turn/start on {@code thread}, the last open-or-let-go message for it was an unsubscribe. */
    private boolean unsubscribedWhenTurnStarted(String thread) {
        String last = null;
        boolean bad = false;
        for (JsonNode m : codex.received()) {
            String method = m.path("method").asText();
            if (!thread.equals(m.path("params").path("threadId").asText()) && !"thread/start".equals(method)) {
                continue;
            }
            switch (method) {
                case "thread/start", "thread/resume", "thread/unsubscribe" -> last = method;
                case "turn/start" -> bad = "thread/unsubscribe".equals(last);
                default -> { }
            }
        }
        return bad;
    }

    private String lastOf(String thread) {
        String last = null;
        for (JsonNode m : codex.received()) {
            String method = m.path("method").asText();
            if (thread.equals(m.path("params").path("threadId").asText())
                    && ("thread/resume".equals(method) || "thread/unsubscribe".equals(method))) {
                last = method;
            }
        }
        return last;
    }

    private long sent(String method, String thread) {
        return codex.received().stream()
                .filter(m -> method.equals(m.path("method").asText()) && thread.equals(m.path("params").path("threadId").asText())).count();
    }

    private long count(String method) {
        return codex.received().stream().filter(m -> method.equals(m.path("method").asText())).count();
    }

    /** Lets idle windows pass, one at a time, until {@code condition} holds. */
    private void idleUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 30 s of idle windows");
            }
            clock.advance(IDLE);
            long look = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            while (!condition.getAsBoolean() && System.nanoTime() < look) {
                Thread.sleep(2);
            }
        }
    }

    private static void pause(long micros) {
        LockSupport.parkNanos(micros * 1_000);
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 30 s");
            }
            Thread.sleep(10);
        }
    }
}
