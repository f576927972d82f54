package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Many sessions on one connection: turns hold no thread, and one session's trouble stays its own. */
class SharedConnectionTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.shared);
    private final FakeCodex codex = fake.codex();
    private CodexClient shared;

    private CodexSession session() {
        if (shared == null) {
            codex.distinctThreads = true;
            codex.scriptDelayMs = 0;
            shared = CodexClient.builder().transport(codex.factory()).connect();
        }
        CodexSession s = CodexSession.builder().client(shared).cwd(Path.of("/w"))
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).interruptGrace(Duration.ofSeconds(5)).build();
        fake.track(s);
        return s;
    }

    @Test
    void runningTurnsParkNoThreadAndAllFinishFromTheConnectionsEvents() throws Exception {
        Map<String, String> turnOfThread = new ConcurrentHashMap<>();
        codex.onThreadTurnStart = turnOfThread::put;
        int n = 200;
        List<CodexSession> many = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            many.add(session());
        }
        CompletableFuture.allOf(many.stream().map(CodexSession::startAsync).toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        Map<String, String> named = new ConcurrentHashMap<>();
        TurnListener naming = new TurnListener() {
            @Override
            public void onTurnStarted(String key, String turnId) {
                named.put(key, turnId);
            }
        };
        List<CompletableFuture<TurnResult>> turns = new ArrayList<>();
        for (CodexSession s : many) {
            turns.add(s.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, naming));
        }
        waitUntil(() -> turnOfThread.size() == n && named.size() == n);

        // Every turn is under way and none of them holds a thread in the session package. A dispatch thread may
        // still be handing over the last answers when the snapshot is taken, so the snapshot is retaken until
        // it is empty: a parked thread never leaves, so a failure here still means one is parked.
        List<String> parked = threadsInsideTheSessionPackage();
        for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); !parked.isEmpty() && System.nanoTime() < until; ) {
            Thread.sleep(20);
            parked = threadsInsideTheSessionPackage();
        }
        assertThat(parked).as("threads inside the session package while %d turns run", n).isEmpty();
        assertThat(turns).noneMatch(CompletableFuture::isDone);

        turnOfThread.forEach((thread, turn) -> {
            codex.notifyThread("item/completed", thread, turn,
                    "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m-" + turn + "\",\"text\":\"done " + thread + "\"}}");
            codex.completeThreadTurn(thread, turn, "completed");
        });
        for (int i = 0; i < n; i++) {
            TurnResult r = turns.get(i).get(30, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.finalText()).isEqualTo("done " + many.get(i).threadId());
        }
    }

    private static List<String> threadsInsideTheSessionPackage() {
        List<String> inside = new ArrayList<>();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread != Thread.currentThread()
                    && Arrays.stream(stack).anyMatch(f -> f.getClassName().startsWith("dev.codexbridge.session."))) {
                inside.add(thread.getName());
            }
        });
        return inside;
    }

    @Test
    void aSessionThatFallsBehindOverflowsAloneAndTheOtherFinishes() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CodexSession slow = CodexSession.builder().client(connected()).cwd(Path.of("/slow")).inboxLimit(50)
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
        fake.track(slow);
        CodexSession other = session();
        String slowThread = slow.start();
        other.start();
        codex.onThreadTurnStart = (thread, turn) -> {
            if (thread.equals(slowThread)) {
                for (int i = 0; i < 500; i++) {
                    codex.notifyThread("item/agentMessage/delta", thread, turn, "{\"itemId\":\"m\",\"delta\":\"x\"}");
                }
            } else {
                codex.notifyThread("item/completed", thread, turn, "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"fine\"}}");
            }
            codex.completeThreadTurn(thread, turn, "completed");
        };
        CompletableFuture<TurnResult> slowTurn = slow.runTurnAsync(TurnInput.text("flood"), TurnOptions.DEFAULTS, new TurnListener() {
            @Override
            public void onAgentMessageDelta(String itemId, String delta) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        waitUntil(() -> codex.received().stream().filter(m -> m.path("method").asText().equals("turn/start")).count() == 1);
        TurnResult fine = other.runTurnAsync(TurnInput.text("hi"), TurnOptions.DEFAULTS, TurnListener.NONE).get(30, TimeUnit.SECONDS);
        assertThat(fine.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(fine.finalText()).isEqualTo("fine");
        release.countDown();

        TurnResult flooded = slowTurn.get(30, TimeUnit.SECONDS);
        assertThat(flooded.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(flooded.error().category()).isEqualTo(ErrorCategory.OVERFLOW);
        assertThat(flooded.error().message()).contains("more than 50");
        assertThat(shared.isOpen()).isTrue();
    }

    @Test
    void aThrowingListenerAThrowingApprovalHandlerAFailedAndAnInterruptedTurnStayInTheirOwnSessions() throws Exception {
        CodexSession failing = session();
        CodexSession healthy = session();
        CodexSession interrupted = session();
        CodexSession badHandler = CodexSession.builder().client(shared).cwd(Path.of("/w"))
                .approvals(dev.codexbridge.approval.ApprovalPolicy.builder().handler(r -> {
                    throw new IllegalStateException("host handler bug");
                }).build()).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
        fake.track(badHandler);
        String failingThread = failing.start();
        String interruptedThread = interrupted.start();
        String badHandlerThread = badHandler.start();
        healthy.start();
        Map<String, String> answers = new ConcurrentHashMap<>();
        codex.onThreadTurnStart = (thread, turn) -> {
            if (thread.equals(interruptedThread)) {
                return;     // runs until interrupted
            }
            if (thread.equals(badHandlerThread)) {
                JsonNode answer = codex.request("item/commandExecution/requestApproval", "{\"threadId\":\"" + thread + "\",\"turnId\":\""
                        + turn + "\",\"itemId\":\"c\",\"startedAtMs\":1,\"command\":\"rm -rf /\",\"cwd\":\"/\"}").join();
                answers.put(thread, answer.path("decision").asText());
            }
            codex.notifyThread("item/completed", thread, turn, "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"ok\"}}");
            codex.completeThreadTurn(thread, turn, thread.equals(failingThread) ? "failed" : "completed");
        };
        codex.onInterrupt = (f, turn) -> f.completeThreadTurn(interruptedThread, turn, "interrupted");
        TurnListener throwing = new TurnListener() {
            @Override
            public void onItemCompleted(dev.codexbridge.protocol.ThreadItem item, List<dev.codexbridge.transcript.TranscriptMessage> messages) {
                throw new IllegalStateException("host bug");
            }
        };
        CompletableFuture<TurnResult> bad = failing.runTurnAsync(TurnInput.text("a"), TurnOptions.DEFAULTS, throwing);
        CompletableFuture<TurnResult> stopped = interrupted.runTurnAsync(TurnInput.text("c"), TurnOptions.DEFAULTS, TurnListener.NONE);
        CompletableFuture<TurnResult> denied = badHandler.runTurnAsync(TurnInput.text("d"), TurnOptions.DEFAULTS, TurnListener.NONE);
        CompletableFuture<TurnResult> good = healthy.runTurnAsync(TurnInput.text("b"), TurnOptions.DEFAULTS, TurnListener.NONE);
        waitUntil(() -> count("turn/start") == 4);
        interrupted.interrupt();
        assertThat(bad.get(30, TimeUnit.SECONDS).status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(stopped.get(30, TimeUnit.SECONDS).status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(denied.get(30, TimeUnit.SECONDS).status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(answers).containsEntry(badHandlerThread, "decline");
        assertThat(good.get(30, TimeUnit.SECONDS).status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(good.get().finalText()).isEqualTo("ok");
        assertThat(healthy.runTurn(TurnInput.text("again")).status()).isEqualTo(TurnOutcome.COMPLETED);
    }

    @Test
    void theConnectionsEndEndsEveryRunningTurn() throws Exception {
        List<CodexSession> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(session());
        }
        many.forEach(CodexSession::start);
        List<CompletableFuture<TurnResult>> turns = new ArrayList<>();
        for (CodexSession s : many) {
            turns.add(s.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE));
        }
        waitUntil(() -> codex.received().stream().filter(m -> m.path("method").asText().equals("turn/start")).count() == 50);
        codex.die();
        for (CompletableFuture<TurnResult> t : turns) {
            TurnResult r = t.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
            assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        }
    }

    @Test
    void afterALostConnectionEverySessionResumesOnTheNewOneAndNothingIsSentTwice() throws Exception {
        codex.distinctThreads = true;
        codex.scriptDelayMs = 0;
        shared = CodexClient.builder().transport(codex.factory())
                .reconnect(new dev.codexbridge.client.ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4)).connect();
        List<CodexSession> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            CodexSession s = CodexSession.builder().client(shared).cwd(Path.of("/w"))
                    .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
            fake.track(s);
            many.add(s);
            s.start();
        }
        List<CompletableFuture<TurnResult>> turns = new ArrayList<>();
        for (CodexSession s : many) {
            turns.add(s.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE));
        }
        waitUntil(() -> count("turn/start") == 20);
        codex.die();
        for (CompletableFuture<TurnResult> t : turns) {
            TurnResult r = t.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
            assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        }
        // resumed at once on the new connection, before any new turn asks for it
        waitUntil(() -> count("thread/resume") == 20);
        assertThat(codex.opens.get()).isEqualTo(2);
        assertThat(shared.generation()).isEqualTo(2);
        assertThat(codex.received().stream().filter(m -> m.path("method").asText().equals("thread/resume"))
                .map(m -> m.path("params").path("threadId").asText()).distinct().count()).isEqualTo(20);

        codex.onThreadTurnStart = (thread, turn) -> {
            codex.notifyThread("item/completed", thread, turn, "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"back\"}}");
            codex.completeThreadTurn(thread, turn, "completed");
        };
        for (CodexSession s : many) {
            TurnResult r = s.runTurn(TurnInput.text("again"));
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.finalText()).isEqualTo("back");
        }
        // the lost turns were reported, never sent again; one resume per thread, no new threads
        assertThat(count("turn/start")).isEqualTo(40);
        assertThat(count("thread/resume")).isEqualTo(20);
        assertThat(count("thread/start")).isEqualTo(20);
    }

    @Test
    void aClientThatCannotReconnectEndsAndItsSessionsSaySo() throws Exception {
        codex.distinctThreads = true;
        codex.scriptDelayMs = 0;
        java.util.concurrent.atomic.AtomicBoolean refuse = new java.util.concurrent.atomic.AtomicBoolean();
        dev.codexbridge.transport.CodexTransport.Factory real = codex.factory();
        shared = CodexClient.builder().transport(sink -> {
            if (refuse.get()) {
                throw new dev.codexbridge.CodexException("codex is gone for good");
            }
            return real.open(sink);
        }).reconnect(new dev.codexbridge.client.ReconnectPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 4)).connect();
        CodexSession s = CodexSession.builder().client(shared).cwd(Path.of("/w")).build();
        fake.track(s);
        s.start();
        refuse.set(true);
        codex.die();
        assertThat(shared.closedFuture().get(30, TimeUnit.SECONDS).getMessage()).contains("3 attempts", "codex is gone for good");
        TurnResult r = s.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().message()).startsWith("the shared codex connection is gone for good (").contains("codex is gone for good");
        assertThat(r.error().category()).isEqualTo(ErrorCategory.CONNECTION_CLOSED);
        assertThat(r.error().remediation()).contains("open a new CodexClient");
    }

    @Test
    void aConnectionServesAtMostItsMaxThreadsAndAClosedSessionFreesItsPlace() {
        codex.distinctThreads = true;
        codex.scriptDelayMs = 0;
        shared = CodexClient.builder().transport(codex.factory()).maxThreads(2).connect();
        CodexSession a = CodexSession.builder().client(shared).cwd(Path.of("/w")).build();
        CodexSession b = CodexSession.builder().client(shared).cwd(Path.of("/w")).build();
        CodexSession c = CodexSession.builder().client(shared).cwd(Path.of("/w")).build();
        List.of(a, b, c).forEach(fake::track);
        a.start();
        b.start();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(c::start))
                .isInstanceOf(dev.codexbridge.CodexException.class).hasMessageContaining("its limit (maxThreads)")
                .extracting(e -> ((dev.codexbridge.CodexException) e).kind()).isEqualTo(dev.codexbridge.FailureKind.CAPACITY);
        assertThat(count("thread/start")).as("the third thread was never asked of codex").isEqualTo(2);
        a.close();
        assertThat(c.start()).isNotNull();
        assertThat(shared.reservedThreads()).isEqualTo(2);
        waitUntilSent("thread/unsubscribe", 1);
        assertThat(codex.received()).filteredOn(m -> m.path("method").asText().equals("thread/unsubscribe"))
                .singleElement().satisfies(m -> assertThat(m.path("params").path("threadId").asText()).isEqualTo(a.threadId()));
    }

    private void waitUntilSent(String method, long n) {
        try {
            waitUntil(() -> count(method) >= n);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private long count(String method) {
        return codex.received().stream().filter(m -> m.path("method").asText().equals(method)).count();
    }

    private CodexClient connected() {
        if (shared == null) {
            session();
        }
        return shared;
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 30 s");
            }
            Thread.sleep(10);
        }
    }
}
