package dev.codexbridge.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.observe.ClientTelemetry;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.process.AppServerRecycle;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.ThreadStartParams;
import dev.codexbridge.protocol.ThreadStartResponse;
import dev.codexbridge.protocol.TurnStartParams;
import dev.codexbridge.protocol.TurnStartResponse;
import dev.codexbridge.protocol.UserInput;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Recycles} against the fake codex (decision 0116): past its bound, codex is started again
 * only once the turns running on it have ended; a turn and a thread load asked for meanwhile wait and
 * go to the new codex, but the first turn of a thread started there goes out and runs there; the
 * recycle is counted in the client's metrics.
 */
class RecyclesTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.client);
    private final FakeCodex codex = fake.codex();
    private CodexClient client;
    /** The threads the fake codex says run a turn ({@code thread/read}'s status). */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    @Test
    void pastItsBoundCodexIsRecycledOnceNoTurnRunsAndWhatWasAskedMeanwhileGoesToTheNewOne() throws Exception {
        codex.distinctThreads = true;
        codex.onThreadRead = p -> {
            String id = p.path("threadId").asText();
            JsonNode answer = FakeCodex.thread(id);
            ObjectNode status = ((ObjectNode) answer.get("thread")).putObject("status");
            if (running.contains(id)) {
                status.put("type", "active").putArray("activeFlags");
            } else {
                status.put("type", "idle");
            }
            return CompletableFuture.completedFuture(answer);
        };
        AtomicReference<IntSupplier> recycles = new AtomicReference<>();
        TelemetryHooks hooks = new TelemetryHooks() {
            @Override
            public ClientTelemetry observeClient(IntSupplier attachedThreads, IntSupplier reconnects, IntSupplier recycled) {
                recycles.set(recycled);
                return ClientTelemetry.NONE;
            }
        };
        client = CodexClient.builder().transport(codex.factory()).telemetry(hooks).connect();
        // a hold longer than the test's own steps: with the default 10 s, a loaded machine's steps outlasted it, the held work
        // went out, and the next try waited on the load it let through
        Recycles.watch(client.connection(), AppServerRecycle.afterConversations(3).holdingUpTo(Duration.ofMinutes(5)));

        String first = start().get(60, TimeUnit.SECONDS);
        running.add(first);
        turn(first).get(60, TimeUnit.SECONDS);        // answered: the turn runs until the fake says it ended
        String second = start().get(60, TimeUnit.SECONDS);
        turn(second).get(60, TimeUnit.SECONDS);
        codex.completeThreadTurn(second, "turn-2", "completed");
        String third = start().get(60, TimeUnit.SECONDS);         // the third conversation: the bound
        await().atMost(Duration.ofSeconds(60)).until(() -> client.connection().work().holding());

        CompletableFuture<TurnStartResponse> asked = turn(second);
        CompletableFuture<String> load = start();
        // a thread started here has no rollout until its first turn: that turn goes out, held or not, and runs here
        running.add(third);
        turn(third).get(60, TimeUnit.SECONDS);
        long reads = reads(first);
        await().atMost(Duration.ofSeconds(60)).until(() -> reads(first) >= reads + 2);
        assertThat(asked).as("held back while a turn runs").isNotDone();
        assertThat(load).isNotDone();
        assertThat(client.generation()).isEqualTo(1);
        assertThat(recycles.get().getAsInt()).isZero();

        running.remove(first);
        codex.completeThreadTurn(first, "turn-1", "completed");
        long readsOfThird = reads(third);
        await().atMost(Duration.ofSeconds(60)).until(() -> reads(third) >= readsOfThird + 2);
        assertThat(asked).as("and while the third conversation's first turn runs").isNotDone();
        assertThat(client.generation()).isEqualTo(1);

        running.remove(third);
        codex.completeThreadTurn(third, "turn-3", "completed");
        await().atMost(Duration.ofSeconds(60)).until(() -> client.generation() == 2);
        assertThat(asked.get(60, TimeUnit.SECONDS).turn()).isNotNull();
        assertThat(load.get(60, TimeUnit.SECONDS)).isEqualTo("thread-4");
        List<String> order = codex.received().stream().map(m -> m.path("method").asText()).toList();
        int secondCodex = order.lastIndexOf("initialize");
        assertThat(order.lastIndexOf("turn/start")).as("the held turn went to the new codex").isGreaterThan(secondCodex);
        assertThat(order.lastIndexOf("thread/start")).as("and the held load").isGreaterThan(secondCodex);
        assertThat(recycles.get().getAsInt()).isEqualTo(1);
        assertThat(client.connection().work().loads(2)).as("counted again from the new codex's start").isEqualTo(1);
    }

    @Test
    void whatWasHeldWaitsUntilTheOldCodexHasExitedSinceItHoldsItsThreadsWritersUntilThen() throws Exception {
        CountDownLatch exits = new CountDownLatch(1);
        AtomicInteger closing = new AtomicInteger();
        codex.onClose = () -> {
            // the first connection's codex takes its time to exit, as a loaded machine's does
            if (closing.incrementAndGet() == 1) {
                try {
                    exits.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        codex.distinctThreads = true;
        client = CodexClient.builder().transport(codex.factory()).connect();
        Recycles.watch(client.connection(), AppServerRecycle.afterConversations(2));
        String first = start().get(60, TimeUnit.SECONDS);
        turn(first).get(60, TimeUnit.SECONDS);
        codex.completeThreadTurn(first, "turn-1", "completed");
        String second = start().get(60, TimeUnit.SECONDS);
        turn(second).get(60, TimeUnit.SECONDS);
        codex.completeThreadTurn(second, "turn-2", "completed");
        await().atMost(Duration.ofSeconds(60)).until(() -> client.generation() == 2 && closing.get() == 1);

        CompletableFuture<TurnStartResponse> asked = turn(first);
        Thread.sleep(300);
        assertThat(asked).as("held while the old codex still runs").isNotDone();
        assertThat(client.connection().work().holding()).isTrue();
        long turnsSent = codex.received().stream().filter(m -> "turn/start".equals(m.path("method").asText())).count();
        assertThat(turnsSent).isEqualTo(2);

        exits.countDown();
        assertThat(asked.get(60, TimeUnit.SECONDS).turn()).as("sent to the new codex once the old one is gone").isNotNull();
        assertThat(client.connection().work().holding()).isFalse();
    }

    @Test
    void aTurnCodexAnsweredButHasNotSaidStartedStillRunsThoughItsThreadCannotBeReadOrReadsIdle() throws Exception {
        codex.distinctThreads = true;
        // as codex 0.171.0 answers just after a thread's first turn's start: the read fails (its rollout is empty), then
        // says idle until codex has handled the turn's start
        AtomicInteger failing = new AtomicInteger(3);
        codex.onThreadRead = p -> {
            String id = p.path("threadId").asText();
            if (id.equals("thread-2") && failing.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(new RpcException("thread/read", new RpcError(RpcError.INTERNAL_ERROR,
                        "failed to read thread: thread-store internal error: rollout is empty")));
            }
            JsonNode answer = FakeCodex.thread(id);
            ((ObjectNode) answer.get("thread")).putObject("status").put("type", "idle");
            return CompletableFuture.completedFuture(answer);
        };
        client = CodexClient.builder().transport(codex.factory()).connect();
        Recycles.watch(client.connection(), AppServerRecycle.afterConversations(2).holdingUpTo(Duration.ofMinutes(5)));
        String first = start().get(60, TimeUnit.SECONDS);
        turn(first).get(60, TimeUnit.SECONDS);
        codex.completeThreadTurn(first, "turn-1", "completed");
        String second = start().get(60, TimeUnit.SECONDS);         // the bound
        assertThat(second).isEqualTo("thread-2");
        await().atMost(Duration.ofSeconds(60)).until(() -> client.connection().work().holding());
        turn(second).get(60, TimeUnit.SECONDS);                     // its first turn goes out while held
        CompletableFuture<TurnStartResponse> asked = turn(first);

        await().atMost(Duration.ofSeconds(60)).until(() -> failing.get() < 0 || client.generation() > 1 || asked.isDone());
        assertThat(asked).as("still held after codex failed to read the thread").isNotDone();
        long reads = reads(second);
        await().atMost(Duration.ofSeconds(60)).until(() -> reads(second) >= reads + 3 || client.generation() > 1);
        assertThat(client.generation()).as("no move while the answered turn has not been seen to start").isEqualTo(1);
        assertThat(asked).isNotDone();

        // once codex said it started, its thread read idle means it ended (its end went unseen)
        codex.notifyThread("turn/started", second, null, "{\"turn\":{\"id\":\"turn-2\",\"status\":\"inProgress\"}}");
        await().atMost(Duration.ofSeconds(60)).until(() -> client.generation() == 2);
        assertThat(asked.get(60, TimeUnit.SECONDS).turn()).as("the held turn went to the new codex").isNotNull();
    }

    private CompletableFuture<String> start() {
        return client.requestAsync(ClientRequests.THREAD_START, ThreadStartParams.builder().build())
                .thenApply(ThreadStartResponse::thread).thenApply(t -> t.id());
    }

    private CompletableFuture<TurnStartResponse> turn(String thread) {
        return client.requestAsync(ClientRequests.TURN_START, TurnStartParams.builder().threadId(thread)
                .input(List.of(new UserInput.Text("hello", List.of()))).build());
    }

    private long reads(String thread) {
        return codex.received().stream().filter(m -> "thread/read".equals(m.path("method").asText())
                && thread.equals(m.path("params").path("threadId").asText())).count();
    }
}
