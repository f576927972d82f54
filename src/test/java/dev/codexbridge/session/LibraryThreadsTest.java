package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.rpc.JsonRpcId;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.support.LibraryThreadSampler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The library's threads stay bounded at every moment — through a thousand session closes, a
 * reconnect that resumes a thousand threads, a thousand requests answered at once — and host
 * code that blocks in a continuation, a listener or a handler deadlocks nothing. A sampler
 * counts the {@code codex-bridge-*} threads about every millisecond throughout each test.
 */
class LibraryThreadsTest {
    private static final int N = 1_000;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.sampler, () -> this.shared);
    private final FakeCodex codex = fake.codex();
    private LibraryThreadSampler sampler;
    private CodexClient shared;

    private CodexClient connect(CodexClient.Builder b) {
        codex.distinctThreads = true;
        codex.scriptDelayMs = 0;
        sampler = LibraryThreadSampler.start();
        shared = b.transport(codex.factory()).maxThreads(N).connect();
        return shared;
    }

    private List<CodexSession> openSessions(int n) throws Exception {
        List<CodexSession> opened = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CodexSession s = CodexSession.builder().client(shared).cwd(Path.of("/w"))
                    .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
            fake.track(s);
            opened.add(s);
        }
        CompletableFuture.allOf(opened.stream().map(CodexSession::startAsync).toArray(CompletableFuture[]::new))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return opened;
    }

    /** At most 16 library threads plus 2 per connection: the pools' sizes, and this connection's reader. */
    private void assertBounded(int connections) {
        System.out.println("library threads: " + sampler.peakThreads() + "; the pools hold at most " + RpcThreads.maxThreads());
        assertThat(sampler.peak()).as("the most library threads at one moment: %s", sampler.peakThreads())
                .isLessThanOrEqualTo(RpcThreads.maxThreads() + 2 * connections);
        // whatever the machine's cores: the default pools leave room for the JDK's WebSocket selector too
        assertThat(sampler.peak()).as(sampler.peakThreads()).isLessThanOrEqualTo(RpcThreads.JVM_WIDE_DEFAULT + 2 * connections);
    }

    @Test
    void closingAThousandSessionsOnASharedConnectionKeepsTheThreadsBounded() throws Exception {
        connect(CodexClient.builder());
        List<CodexSession> many = openSessions(N);

        many.forEach(CodexSession::close);      // each sends thread/unsubscribe; the answers come back together
        waitUntil(() -> count("thread/unsubscribe") == N && shared.stats().pendingRequests() == 0);

        assertBounded(1);
    }

    @Test
    void aReconnectThatResumesAThousandThreadsKeepsTheThreadsBounded() throws Exception {
        connect(CodexClient.builder().reconnect(new ReconnectPolicy(5, Duration.ofMillis(50), Duration.ofMillis(200), 16)));
        List<CodexSession> many = openSessions(N);

        codex.die();
        waitUntil(() -> count("thread/resume") == N && shared.generation() == 2 && shared.stats().pendingRequests() == 0);
        // and every session works on the new connection: a thousand turns at once
        codex.onThreadTurnStart = (thread, turn) -> {
            codex.notifyThread("item/completed", thread, turn, "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"back\"}}");
            codex.completeThreadTurn(thread, turn, "completed");
        };
        List<CompletableFuture<TurnResult>> turns = new ArrayList<>();
        for (CodexSession s : many) {
            turns.add(s.runTurnAsync(TurnInput.text("again"), TurnOptions.DEFAULTS, TurnListener.NONE));
        }
        for (CompletableFuture<TurnResult> t : turns) {
            assertThat(t.get(WAIT.toSeconds(), TimeUnit.SECONDS).finalText()).isEqualTo("back");
        }

        assertBounded(1);
        assertThat(count("thread/resume")).isEqualTo(N);
    }

    @Test
    void aThousandConcurrentRequestsAnsweredAtOnceKeepTheThreadsBounded() throws Exception {
        connect(CodexClient.builder().requestTimeout(WAIT));
        CompletableFuture<Void> gate = new CompletableFuture<>();
        codex.onThreadRead = p -> gate.thenApply(x -> thread(p.path("threadId").asText()));
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            answers.add(read("t-" + i).thenApply(r -> r.path("thread").path("id").asText()));
        }
        waitUntil(() -> count("thread/read") == N);

        gate.complete(null);        // a thousand answers in a row
        for (int i = 0; i < N; i++) {
            assertThat(answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("t-" + i);
        }

        assertBounded(1);
    }

    @Test
    void continuationsThatBlockOnTheLibraryItselfAllComplete() throws Exception {
        connect(CodexClient.builder().requestTimeout(WAIT));
        int n = 50;         // many more than the host pool's threads
        // the first reads are answered once every chain is attached, so the chains run on the host pool
        CompletableFuture<Void> gate = new CompletableFuture<>();
        codex.onThreadRead = p -> {
            String id = p.path("threadId").asText();
            return id.matches("t-\\d+") ? gate.thenApply(x -> thread(id)) : CompletableFuture.completedFuture(thread(id));
        };
        List<CompletableFuture<String>> chained = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "t-" + i;
            chained.add(read(id)
                    // a synchronous call of the client inside a continuation
                    .thenApply(r -> shared.request("thread/read", new ThreadReadParams(false, id + "-sync"), JsonNode.class))
                    // waiting for another of its futures, and for a stage derived from one
                    .thenApply(r -> read(r.path("thread").path("id").asText() + "-joined").join())
                    .thenApply(r -> read(r.path("thread").path("id").asText() + "-derived").thenApply(x -> x).join())
                    .thenApply(r -> r.path("thread").path("id").asText()));
        }
        // a whole turn run synchronously inside a continuation, on many sessions at once
        codex.onThreadTurnStart = (thread, turn) -> {
            codex.notifyThread("item/completed", thread, turn, "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"ok\"}}");
            codex.completeThreadTurn(thread, turn, "completed");
        };
        List<CompletableFuture<TurnResult>> turns = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            CodexSession s = CodexSession.builder().client(shared).cwd(Path.of("/w"))
                    .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
            fake.track(s);
            turns.add(s.startAsync().thenApply(id -> s.runTurn(TurnInput.text("inside a continuation"))));
        }

        waitUntil(() -> count("thread/read") == n);
        gate.complete(null);
        for (int i = 0; i < n; i++) {
            assertThat(chained.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("t-" + i + "-sync-joined-derived");
        }
        for (CompletableFuture<TurnResult> t : turns) {
            assertThat(t.get(WAIT.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(TurnOutcome.COMPLETED);
        }
        assertBounded(1);
    }

    @Test
    void hostCodeBlockedOnEveryHostThreadHoldsUpNoRequestTurnOrReconnect() throws Exception {
        connect(CodexClient.builder().requestTimeout(WAIT)
                .reconnect(new ReconnectPolicy(5, Duration.ofMillis(50), Duration.ofMillis(200), 16)));
        List<CodexSession> few = openSessions(5);
        codex.onThreadTurnStart = (thread, turn) -> {
            codex.notifyThread("item/completed", thread, turn, "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"ok\"}}");
            codex.completeThreadTurn(thread, turn, "completed");
        };
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger blocked = new AtomicInteger();
        List<CompletableFuture<Void>> stuck = new ArrayList<>();
        // answered only once every continuation is attached, so none of them runs on this thread
        CompletableFuture<Void> gate = new CompletableFuture<>();
        codex.onThreadRead = p -> gate.thenApply(x -> thread(p.path("threadId").asText()));
        int more = RpcThreads.maxThreads();      // more than the host pool's threads: the rest queue behind them
        for (int i = 0; i < more; i++) {
            stuck.add(read("blocked-" + i).thenAccept(r -> {
                blocked.incrementAndGet();
                await(release);
            }));
        }
        waitUntil(() -> count("thread/read") == more);
        codex.onThreadRead = p -> CompletableFuture.completedFuture(thread(p.path("threadId").asText()));
        gate.complete(null);
        AtomicInteger listened = new AtomicInteger();
        try (AutoCloseable listener = shared.subscribe(e -> {
            listened.incrementAndGet();
            await(release);
        })) {
            waitUntil(() -> blocked.get() >= 1);
            Thread.sleep(100);      // every host thread is now blocked (the other continuations wait in its queue)

            // requests, turns and a reconnect all go on
            assertThat(shared.request("thread/read", new ThreadReadParams(false, "sync"), JsonNode.class)
                    .path("thread").path("id").asText()).isEqualTo("sync");
            for (CodexSession s : few) {
                assertThat(s.runTurn(TurnInput.text("while the host blocks")).finalText()).isEqualTo("ok");
            }
            codex.die();
            waitUntil(() -> count("thread/resume") == few.size() && shared.generation() == 2);
            for (CodexSession s : few) {
                assertThat(s.runTurn(TurnInput.text("after the reconnect")).finalText()).isEqualTo("ok");
            }
            assertThat(stuck).noneMatch(CompletableFuture::isDone);

            release.countDown();
            for (CompletableFuture<Void> f : stuck) {
                f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            waitUntil(() -> listened.get() > 0);       // the listener, queued behind them, had its turn
        }
        assertBounded(1);
    }

    @Test
    void anApprovalHandlerStillBlockedAtItsDeadlineIsDeniedAndInterrupted() throws Exception {
        sampler = LibraryThreadSampler.start();
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch never = new CountDownLatch(1);
        ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.builder().handler(r -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
            return CompletableFuture.completedFuture(ApprovalDecision.once());
        }).deadline(Duration.ofMillis(200)).build(), List.of(), "/w");
        String params = "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"c\",\"startedAtMs\":1,\"command\":\"rm -rf /\",\"cwd\":\"/\"}";
        String method = "item/commandExecution/requestApproval";
        ServerRequestBridge.Answer answer = bridge.answer(method,
                new CodexEvent.ServerRequest(JsonRpcId.of(1), method, "t", Json.parse(params)).params()).get(60, TimeUnit.SECONDS);

        assertThat(Json.tree(answer.result()).path("decision").asText()).isEqualTo("decline");
        waitUntil(interrupted::get);
    }

    private CompletableFuture<JsonNode> read(String threadId) {
        return shared.requestAsync("thread/read", new ThreadReadParams(false, threadId), JsonNode.class, WAIT);
    }

    private static JsonNode thread(String id) {
        JsonNode r = Json.object();
        ((com.fasterxml.jackson.databind.node.ObjectNode) r).putObject("thread").put("id", id);
        return r;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long count(String method) {
        return codex.received().stream().filter(m -> m.path("method").asText().equals(method)).count();
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in " + WAIT.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
    }
}
