package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnEventIterator;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnStream;
import dev.codexbridge.session.TurnStreamEvent;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Turns as streams with the real codex (decision 0041): a virtual thread reads a turn live with
 * the blocking iterator, answering its approval mid-turn; readers that stall (one that requests
 * nothing, one whose onNext blocks) hold up neither their own turn nor another session's on the
 * same shared client.
 */
class TurnStreamLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
    }

    private CodexClient sharedClient(String approvalPolicy) throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy(approvalPolicy).write();
        return CodexClient.builder().process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work)
                .name("codex-stream").detachFromTerminal(true).build()).wireTap(wire).connect();
    }

    private CodexSession.Builder session(CodexClient client) {
        return CodexSession.builder().client(client).cwd(tmp.resolve("work"))
                .limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO));
    }

    @Test
    void aVirtualThreadReadsATurnLiveWithTheIteratorAndAnswersItsApprovalMidTurn() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+; this JVM is " + Runtime.version());
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "echo streamed words", "to show it").build());
        model.enqueue(ModelReply.builder().streamedMessage(List.of("The command ", "printed: ", "streamed words")).build());
        // the handler's answer, once the library has asked it (the stream may show the request a moment before)
        CompletableFuture<CompletableFuture<ApprovalDecision>> asked = new CompletableFuture<>();
        ApprovalPolicy desk = ApprovalPolicy.builder().handler(r -> {
            CompletableFuture<ApprovalDecision> answer = new CompletableFuture<>();
            asked.complete(answer);
            return answer;
        }).build();
        List<TurnStreamEvent> read = new CopyOnWriteArrayList<>();
        AtomicBoolean turnRunningWhenAsked = new AtomicBoolean();
        AtomicBoolean onVirtualThread = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        try (CodexClient client = sharedClient("on-request"); CodexSession session = session(client).approvals(desk).build()) {
            session.start();
            Thread reader = startVirtual(() -> {
                try {
                    onVirtualThread.set((Boolean) Thread.class.getMethod("isVirtual").invoke(Thread.currentThread()));
                    TurnStream stream = session.streamTurn(TurnInput.text("run the command"), TurnOptions.DEFAULTS);
                    try (TurnEventIterator events = stream.iterator()) {
                        while (events.hasNext()) {
                            TurnStreamEvent e = events.next();
                            read.add(e);
                            if (e instanceof TurnStreamEvent.ApprovalRequested) {
                                // read while the turn waits for this answer: the stream is live, not replayed
                                turnRunningWhenAsked.set(!stream.handle().result().isDone());
                                asked.get(30, TimeUnit.SECONDS).complete(ApprovalDecision.once());
                            }
                        }
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            });
            reader.join(TimeUnit.SECONDS.toMillis(120));
            assertThat(reader.isAlive()).as("the reader finished").isFalse();
        }
        assertThat(failed.get()).isNull();
        assertThat(onVirtualThread).as("read on a virtual thread").isTrue();
        assertThat(turnRunningWhenAsked).as("the approval was read while the turn waited for it").isTrue();
        List<String> kinds = read.stream().map(TurnStreamEvent::kind).collect(Collectors.toList());
        // codex may send the thread's own notifications (its status, say) before it answers turn/start, which is when the
        // turn counts as started (TurnListener#onTurnStarted): those may come first; every other event comes after "started"
        assertThat(kinds.stream().dropWhile("notification"::equals).toList()).startsWith("started");
        assertThat(kinds).endsWith("ended")
                .containsSubsequence("approvalRequested", "approvalAnswered", "itemCompleted", "agentMessageDelta", "itemCompleted", "ended");
        TurnResult result = ((TurnStreamEvent.Ended) read.get(read.size() - 1)).result();
        assertThat(result.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(result.finalText()).isEqualTo("The command printed: streamed words");
        String streamed = read.stream().filter(e -> e instanceof TurnStreamEvent.AgentMessageDelta)
                .map(e -> ((TurnStreamEvent.AgentMessageDelta) e).text()).collect(Collectors.joining());
        assertThat(streamed).isEqualTo(result.finalText());
        assertThat(read).filteredOn(e -> e instanceof TurnStreamEvent.ItemCompleted
                        && ((TurnStreamEvent.ItemCompleted) e).item() instanceof ThreadItem.CommandExecution)
                .singleElement().satisfies(e -> assertThat(((ThreadItem.CommandExecution) ((TurnStreamEvent.ItemCompleted) e).item())
                        .aggregatedOutput()).contains("streamed words"));
    }

    @Test
    void stalledReadersHoldUpNeitherTheirOwnTurnsNorAnotherSessionOnTheSameClient() throws Exception {
        List<String> longReply = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            longReply.add("word" + i + " ");
        }
        String longText = String.join("", longReply);
        // the two stalled turns take the first two model replies, the normal session the rest
        model.enqueue(ModelReply.builder().streamedMessage(longReply).build());
        model.enqueue(ModelReply.builder().streamedMessage(longReply).build());
        try (CodexClient client = sharedClient("never");
                CodexSession idle = session(client).build();
                CodexSession blocked = session(client).build();
                CodexSession normal = session(client).build()) {
            CompletableFuture.allOf(idle.startAsync(), blocked.startAsync(), normal.startAsync()).get(60, TimeUnit.SECONDS);

            // one reader requests nothing at all; the other takes one event and then blocks in onNext
            Recorder requestsNothing = new Recorder(0, null);
            CountDownLatch release = new CountDownLatch(1);
            Recorder blocksInOnNext = new Recorder(Long.MAX_VALUE, release);
            TurnStream idleTurn = idle.streamTurn(TurnInput.text("say a lot"), TurnOptions.DEFAULTS, 64, RpcThreads.host());
            idleTurn.subscribe(requestsNothing);
            model.awaitResponsesRequests(1, Duration.ofSeconds(60));
            TurnStream blockedTurn = blocked.streamTurn(TurnInput.text("say a lot too"), TurnOptions.DEFAULTS);
            blockedTurn.subscribe(blocksInOnNext);
            model.awaitResponsesRequests(2, Duration.ofSeconds(60));

            try {
                for (int i = 0; i < 3; i++) {
                    model.enqueue(ModelReply.message("normal " + i));
                    TurnResult r = normal.runTurn(TurnInput.text("turn " + i));
                    assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                    assertThat(r.finalText()).isEqualTo("normal " + i);
                }
                // the stalled readers' own turns ended too, while their readers still stall
                TurnResult idleResult = idleTurn.handle().result().get(60, TimeUnit.SECONDS);
                TurnResult blockedResult = blockedTurn.handle().result().get(60, TimeUnit.SECONDS);
                assertThat(idleResult.finalText()).isEqualTo(longText);
                assertThat(blockedResult.finalText()).isEqualTo(longText);
                assertThat(requestsNothing.events).isEmpty();
                assertThat(blocksInOnNext.events).hasSize(1);
                assertThat(idleTurn.coalescedDeltas() + idleTurn.droppedDeltas()).as("the idle reader's deltas were coalesced").isPositive();
            } finally {
                release.countDown();
            }

            // the reader that requested nothing asks now: what it gets still carries the whole reply, and the end
            requestsNothing.subscription.request(Long.MAX_VALUE);
            requestsNothing.awaitEnd();
            blocksInOnNext.awaitEnd();
            for (Recorder r : List.of(requestsNothing, blocksInOnNext)) {
                assertThat(r.failure).isNull();
                TurnStreamEvent last = r.events.get(r.events.size() - 1);
                assertThat(last).isInstanceOf(TurnStreamEvent.Ended.class);
                assertThat(((TurnStreamEvent.Ended) last).result().finalText()).isEqualTo(longText);
                assertThat(r.events).filteredOn(e -> e instanceof TurnStreamEvent.ItemCompleted
                                && ((TurnStreamEvent.ItemCompleted) e).item() instanceof ThreadItem.AgentMessage)
                        .singleElement().satisfies(e -> assertThat(((ThreadItem.AgentMessage) ((TurnStreamEvent.ItemCompleted) e).item()).text())
                                .isEqualTo(longText));
            }
            assertThat(requestsNothing.events.size()).as("coalesced: fewer events than deltas").isLessThan(longReply.size());
        }
    }

    /** Starts {@code task} on a virtual thread (JDK 21+), through reflection: the tests compile for Java 17. */
    private static Thread startVirtual(Runnable task) throws Exception {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        Method start = Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class);
        return (Thread) start.invoke(builder, task);
    }

    /** A subscriber that requests {@code initial}, and, given a latch, blocks in its first onNext until it opens. */
    private static final class Recorder implements Flow.Subscriber<TurnStreamEvent> {
        private final long initial;
        private final CountDownLatch blockUntil;
        final List<TurnStreamEvent> events = new CopyOnWriteArrayList<>();
        final CountDownLatch ended = new CountDownLatch(1);
        volatile Flow.Subscription subscription;
        volatile Throwable failure;

        Recorder(long initial, CountDownLatch blockUntil) {
            this.initial = initial;
            this.blockUntil = blockUntil;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (initial > 0) {
                s.request(initial);
            }
        }

        @Override
        public void onNext(TurnStreamEvent item) {
            events.add(item);
            if (blockUntil != null && events.size() == 1) {
                try {
                    blockUntil.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            failure = t;
            ended.countDown();
        }

        @Override
        public void onComplete() {
            ended.countDown();
        }

        void awaitEnd() throws InterruptedException {
            assertThat(ended.await(60, TimeUnit.SECONDS)).as("the stream ended").isTrue();
        }
    }
}
