package dev.codexbridge.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.observe.ClientTelemetry;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.process.AppServerRecycle;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.IdleRestart;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AppServerRecycle} on the real codex (decision 0116), with a disk store: past its bound
 * (four conversations) while a turn runs, codex is not started again until that turn has ended; a
 * turn and a wake asked for meanwhile wait, and then run on the new codex; every conversation, awake on the old codex or
 * asleep in the store, goes on there with its whole history, and no turn fails. The recycle is
 * counted in the client's metrics, and the fresh codex writes a log database of its own.
 */
class RecycleLiveTest {
    /** Not a {@code @TempDir}: a fresh codex may still be writing its home's skills as the test ends (seen on a fresh clone). */
    private final Path tmp = TestDirs.create("recycle");
    private ScriptedModelServer model;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    /** The model answers a prompt saying "slow" only once the test lets it. */
    private final CountDownLatch slowMayAnswer = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        LiveCodex.binary();
        model = ScriptedModelServer.start().respondWhenEmpty(this::answer);
    }

    @AfterEach
    void tearDown() throws java.io.IOException {
        slowMayAnswer.countDown();
        TestDirs.delete(tmp);       // waits out a folder that still fills
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
    }

    private ModelReply answer(RecordedRequest request) {
        String said = request.lastUserText().orElse("");
        if (said.contains("slow")) {
            try {
                slowMayAnswer.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ModelReply.message("answer to " + said);
    }

    @Test
    void pastItsBoundCodexIsStartedAgainOnceNoTurnRunsAndEveryConversationGoesOnThereWithItsHistory() throws Exception {
        Supplier<List<ProcessHandle>> appServers = LiveCodex.appServersFromNow();
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
        CodexLaunch launch = CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work).name("codex-recycle")
                .detachFromTerminal(true).idleRestart(IdleRestart.OFF).recycle(AppServerRecycle.afterConversations(4).holdingUpTo(Duration.ofMinutes(2))).build();
        AtomicReference<IntSupplier> recycles = new AtomicReference<>();
        TelemetryHooks hooks = new TelemetryHooks() {
            @Override
            public ClientTelemetry observeClient(IntSupplier attachedThreads, IntSupplier reconnects, IntSupplier recycled) {
                recycles.set(recycled);
                return ClientTelemetry.NONE;
            }
        };
        ReadsOf reads = new ReadsOf(wire);
        TurnLimits limits = TurnLimits.of(Duration.ofMinutes(2), Duration.ZERO);
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"));
             CodexClient shared = CodexClient.builder().process(launch).wireTap(reads).telemetry(hooks).connect()) {
            ConversationStorage storage = ConversationStorage.builder(store, "recycle-test").leaseTime(ConversationStorage.DOORS_LEASE)
                    .build();
            try (CodexSession awake = CodexSession.builder().client(shared).storage(storage).cwd(work).limits(limits).build();
                 CodexSession sleeper = CodexSession.builder().client(shared).storage(storage).cwd(work).limits(limits)
                         .hibernateAfter(Duration.ofSeconds(1)).build();
                 CodexSession slow = CodexSession.builder().client(shared).storage(storage).cwd(work).limits(limits).build();
                 CodexSession later = CodexSession.builder().client(shared).storage(storage).cwd(work).limits(limits).build()) {
                completed(awake.runTurn(TurnInput.text("alpha one")));
                Path logs = home.resolve("logs_2.sqlite");
                Object firstLogs = Files.getAttribute(logs, "unix:ino");
                completed(sleeper.runTurn(TurnInput.text("sleeper one")));
                LiveCodex.waitUntil(sleeper::isStoredAway, 60);
                // the third conversation's turn runs until the test lets the model answer; the fourth passes the bound
                CompletableFuture<TurnResult> slowTurn = slow.runTurnAsync(TurnInput.text("gamma slow"), TurnOptions.DEFAULTS,
                        TurnListener.NONE);
                LiveCodex.waitUntil(() -> saidToModel("gamma slow") != null, 120);
                CompletableFuture<TurnResult> fourth = later.runTurnAsync(TurnInput.text("delta one"), TurnOptions.DEFAULTS,
                        TurnListener.NONE);
                LiveCodex.waitUntil(() -> shared.connection().work().holding(), 60);
                CompletableFuture<TurnResult> awakeAgain = awake.runTurnAsync(TurnInput.text("alpha two"), TurnOptions.DEFAULTS,
                        TurnListener.NONE);
                CompletableFuture<TurnResult> wake = sleeper.runTurnAsync(TurnInput.text("sleeper two"), TurnOptions.DEFAULTS,
                        TurnListener.NONE);
                // codex is asked about the running turn's thread again and again meanwhile: the hold has looked and waited
                String running = slow.threadId();
                int before = reads.of(running);
                LiveCodex.waitUntil(() -> reads.of(running) >= before + 3, 60);
                assertThat(shared.connection().work().holding()).isTrue();
                assertThat(awakeAgain).as("held back while a turn runs").isNotDone();
                assertThat(wake).isNotDone();
                assertThat(saidToModel("alpha two")).isNull();
                assertThat(shared.generation()).isEqualTo(1);

                slowMayAnswer.countDown();
                completed(slowTurn.get(120, TimeUnit.SECONDS));
                TurnResult second = completed(awakeAgain.get(120, TimeUnit.SECONDS));
                completed(wake.get(120, TimeUnit.SECONDS));
                completed(fourth.get(120, TimeUnit.SECONDS));
                assertThat(shared.generation()).as("codex started again once").isEqualTo(2);
                assertThat(recycles.get().getAsInt()).isEqualTo(1);
                LiveCodex.waitUntil(() -> Files.exists(logs), 60);
                assertThat(Files.getAttribute(logs, "unix:ino")).as("the fresh codex on a log database of its own, the old one's let go")
                        .isNotEqualTo(firstLogs);
                assertThat(saidToModel("alpha two")).as("the conversation awake on the old codex, with its history")
                        .contains("alpha one").contains("answer to alpha one");
                assertThat(saidToModel("sleeper two")).as("the one asleep in the store, with its history")
                        .contains("sleeper one").contains("answer to sleeper one");
                LiveCodex.waitUntil(() -> appServers.get().size() == 1, 60);

                completed(slow.runTurn(TurnInput.text("gamma again")));
                assertThat(saidToModel("gamma again")).contains("gamma slow");
                completed(later.runTurn(TurnInput.text("delta two")));
                assertThat(saidToModel("delta two")).contains("delta one");
                assertThat(awake.settled()).succeedsWithin(Duration.ofSeconds(60));
                assertThat(store.get(awake.threadId()).orElseThrow().lastCompletedTurnId()).as("stored after the recycle")
                        .isEqualTo(second.turnId());
            }
        }
    }

    private static TurnResult completed(TurnResult r) {
        assertThat(r.status()).as("%s", r).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.storeFailed()).isFalse();
        return r;
    }

    /** The body of the model request whose last user message is {@code said}, or null when none came. */
    private String saidToModel(String said) {
        return model.requests().stream().filter(r -> r.lastUserText().orElse("").equals(said)).map(RecordedRequest::bodyJson)
                .reduce((a, b) -> b).orElse(null);
    }

    /** Counts the {@code thread/read} requests sent per thread, and records the wire for the schema check. */
    private static final class ReadsOf implements WireTap {
        private final WireTap recorder;
        private final java.util.Map<String, AtomicInteger> reads = new java.util.concurrent.ConcurrentHashMap<>();

        ReadsOf(WireTap recorder) {
            this.recorder = recorder;
        }

        int of(String thread) {
            AtomicInteger n = reads.get(thread);
            return n == null ? 0 : n.get();
        }

        @Override
        public void outgoing(byte[] message) {
            recorder.outgoing(message);
            var m = Json.parse(new String(message, StandardCharsets.UTF_8));
            if ("thread/read".equals(m.path("method").asText())) {
                reads.computeIfAbsent(m.path("params").path("threadId").asText(), t -> new AtomicInteger()).incrementAndGet();
            }
        }

        @Override
        public void incoming(byte[] buffer, int length) {
            recorder.incoming(buffer, length);
        }
    }
}
