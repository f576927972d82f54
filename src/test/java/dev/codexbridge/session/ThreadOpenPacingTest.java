package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.FailureKind;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ThreadOpenCapacityException;
import dev.codexbridge.client.ThreadOpens;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Wakes and opens that arrive together pass the connection's window for thread loads (decision 0055). */
class ThreadOpenPacingTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned();
    private final FakeCodex codex = fake.codex();
    private final ConcurrentLinkedQueue<CompletableFuture<JsonNode>> held = new ConcurrentLinkedQueue<>();
    private final AtomicInteger asked = new AtomicInteger();

    private void holdResumes() {
        codex.scriptDelayMs = 0;
        codex.distinctThreads = true;     // turns answered per thread (onThreadTurnStart)
        codex.onThreadTurnStart = (thread, turn) -> codex.completeThreadTurn(thread, turn, "completed");
        codex.resumeAnswer = id -> {
            asked.incrementAndGet();
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            held.add(answer);
            return answer.thenApply(x -> FakeCodex.thread(id));
        };
    }

    private List<CodexSession> sessions(CodexClient client, int n) {
        List<CodexSession> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(fake.track(CodexSession.builder().client(client).cwd(Path.of("/w")).resumeThread("thread-" + i)
                    .limits(TurnLimits.of(Duration.ofSeconds(30), Duration.ZERO)).build()));
        }
        return out;
    }

    @Test
    void fortyWakesAtOnceSendNoMoreThanTheWindowAndAllComplete() throws Exception {
        holdResumes();
        CodexClient client = fake.track(CodexClient.builder().transport(codex.factory())
                .threadOpens(new ThreadOpens(4, 100, Duration.ofSeconds(30))).connect());
        List<CompletableFuture<TurnResult>> turns = new ArrayList<>();
        for (CodexSession s : sessions(client, 40)) {
            turns.add(s.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE));
        }

        int answered = 0;
        while (answered < 40) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !held.isEmpty());
            Thread.sleep(20);      // time for more to go out, were the window not there
            assertThat(sent("thread/resume") - answered).as("resumes in flight").isBetween(1L, 4L);
            CompletableFuture<JsonNode> next = held.poll();
            next.complete(null);
            answered++;
        }
        for (CompletableFuture<TurnResult> t : turns) {
            assertThat(t.get(60, TimeUnit.SECONDS).status()).isEqualTo(TurnOutcome.COMPLETED);
        }
        assertThat(sent("thread/resume")).isEqualTo(40);
    }

    @Test
    void wakesBeyondTheQueueFailAtOnceAsCapacityWithNothingSent() throws Exception {
        holdResumes();
        CodexClient client = fake.track(CodexClient.builder().transport(codex.factory())
                .threadOpens(new ThreadOpens(2, 3, Duration.ofSeconds(30))).connect());
        List<CompletableFuture<TurnResult>> turns = new ArrayList<>();
        for (CodexSession s : sessions(client, 10)) {
            turns.add(s.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE));
        }

        // 2 in flight, 3 waiting, 5 refused at once
        await().atMost(Duration.ofSeconds(60)).until(() -> turns.stream().filter(CompletableFuture::isDone).count() == 5);
        for (CompletableFuture<TurnResult> t : turns) {
            if (t.isDone()) {
                TurnResult r = t.get();
                assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
                assertThat(r.error().category()).isEqualTo(ErrorCategory.CAPACITY);
            }
        }
        assertThat(sent("thread/resume")).isEqualTo(2);

        // each of the five answered once codex holds it: a resume codex has received is in the held
        // queue only a moment later, so counting what it received could stop one short
        for (int answered = 0; answered < 5; answered++) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !held.isEmpty());
            held.poll().complete(null);
        }
        long completed = 0;
        for (CompletableFuture<TurnResult> t : turns) {
            if (t.get(60, TimeUnit.SECONDS).status() == TurnOutcome.COMPLETED) {
                completed++;
            }
        }
        assertThat(completed).isEqualTo(5);
        assertThat(sent("thread/resume")).as("the refused ones never reached codex").isEqualTo(5);
    }

    @Test
    void aHostsOwnThreadLoadPassesTheSameWindowAndIsRefusedAsCapacityWhenItStaysFull() {
        holdResumes();
        CodexClient client = fake.track(CodexClient.builder().transport(codex.factory())
                .threadOpens(new ThreadOpens(1, 10, Duration.ofMillis(300))).connect());
        CompletableFuture<JsonNode> first = client.requestAsync("thread/resume", resume("thread-a"), JsonNode.class, Duration.ofSeconds(30));
        CompletableFuture<JsonNode> second = client.requestAsync("thread/resume", resume("thread-b"), JsonNode.class, Duration.ofSeconds(30));

        await().atMost(Duration.ofSeconds(60)).until(second::isDone);
        assertThat(second).failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOf(ThreadOpenCapacityException.class)
                .satisfies(e -> assertThat(((ThreadOpenCapacityException) e).kind()).isEqualTo(FailureKind.CAPACITY));
        assertThat(first).isNotDone();
        assertThat(sent("thread/resume")).isEqualTo(1);
    }

    private static JsonNode resume(String id) {
        return dev.codexbridge.json.Json.object().put("threadId", id);
    }

    private long sent(String method) {
        synchronized (codex.received) {
            return codex.received.stream().filter(m -> method.equals(m.path("method").asText()) && m.has("id")).count();
        }
    }
}
