package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.support.FakeCodex;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Host code the crash recovery and the withdrawal of requests call runs on the library's host
 * pool, never on a thread the library needs (the reader, the callback pool), and the library does
 * not wait for it: a callback that blocks holds up no turn.
 */
class HostCallbackThreadsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final FakeCodex codex = new FakeCodex();
    private final CountDownLatch release = new CountDownLatch(1);
    private CodexClient shared;
    private CodexSession session;

    @AfterEach
    void tearDown() {
        release.countDown();
        if (session != null) {
            session.close();
        }
        if (shared != null) {
            shared.close();
        }
        codex.shutdown();
    }

    @Test
    void theThreadReplacedCallbackRunsOnAHostThreadAndTheNextTurnDoesNotWaitForIt() throws Exception {
        codex.distinctThreads = true;
        codex.scriptDelayMs = 0;
        shared = CodexClient.builder().transport(codex.factory())
                .reconnect(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4)).connect();
        AtomicReference<String> calledOn = new AtomicReference<>();
        session = CodexSession.builder().client(shared).cwd(Path.of("/w"))
                .limits(TurnLimits.of(WAIT, Duration.ZERO))
                .onThreadReplaced(r -> {
                    calledOn.set(Thread.currentThread().getName());
                    await(release);         // a host that blocks in its callback
                }).build();
        String first = session.start();
        codex.resumeAnswer = id -> CompletableFuture.failedFuture(
                new RpcException("thread/resume", new RpcError(RpcError.INVALID_REQUEST, "no rollout found for thread id " + id)));
        codex.onThreadTurnStart = (thread, turn) -> {
            codex.notifyThread("item/completed", thread, turn, "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"ok\"}}");
            codex.completeThreadTurn(thread, turn, "completed");
        };

        codex.die();
        // the reconnect's resume is refused and the thread replaced: the host is told, and blocks
        waitUntil(() -> calledOn.get() != null);
        assertThat(calledOn.get()).as("the callback, still blocked").startsWith("codex-bridge-host-");

        TurnResult next = session.runTurn(TurnInput.text("after the crash"));

        assertThat(next.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(next.threadReplaced()).isNotNull();
        assertThat(next.threadReplaced().previousThreadId()).isEqualTo(first);
        assertThat(release.getCount()).as("the callback was still blocked throughout").isEqualTo(1);
    }

    @Test
    void aWithdrawnHandlersStageIsCancelledOnAHostThreadNotOnTheReader() throws Exception {
        CompletableFuture<ApprovalDecision> prompt = new CompletableFuture<>();
        AtomicReference<String> continuedOn = new AtomicReference<>();
        prompt.whenComplete((d, e) -> continuedOn.set(Thread.currentThread().getName()));
        CountDownLatch asked = new CountDownLatch(1);
        session = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options())
                .cwd(Path.of("/w")).limits(TurnLimits.of(WAIT, Duration.ZERO))
                .approvals(ApprovalPolicy.builder().handler(r -> {
                    asked.countDown();
                    return prompt;
                }).build()).build();
        codex.onTurnStart = (f, turn) -> {
            f.request("item/commandExecution/requestApproval", "{\"threadId\":\"thread-1\",\"turnId\":\"" + turn
                    + "\",\"itemId\":\"call-1\",\"startedAtMs\":1,\"command\":\"ls\",\"cwd\":\"/w\"}");
            await(asked);
            f.notify("serverRequest/resolved", "{\"threadId\":\"thread-1\",\"requestId\":1}");
            FakeCodex.sleep(200);
            f.completeTurn(turn, "completed", null);
        };

        TurnResult r = session.runTurn(TurnInput.text("go"));

        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        waitUntil(prompt::isCancelled);
        waitUntil(() -> continuedOn.get() != null);
        assertThat(continuedOn.get()).as("the host's continuation of its own stage").startsWith("codex-bridge-host-");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached in %s", WAIT).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
