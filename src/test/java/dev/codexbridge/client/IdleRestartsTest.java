package dev.codexbridge.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.IdleRestart;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.transport.CodexTransport;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link IdleRestarts} against the fake codex, whose connections report memory that grows: a host
 * polling what codex answers alike after a restart (decision 0079) does not keep codex from being
 * quiet, and a poll in flight while the new codex starts is answered by the old one.
 */
class IdleRestartsTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.client);
    private final FakeCodex codex = fake.codex();
    private CodexClient client;
    private final CountDownLatch restartBegun = new CountDownLatch(1);
    private final CountDownLatch restartMayGoOn = new CountDownLatch(1);

    /** The fake codex's connections, each look at their memory 1 MiB more; the second waits until the test lets it start. */
    private CodexTransport.Factory growing() {
        AtomicLong rss = new AtomicLong();
        AtomicInteger opened = new AtomicInteger();
        return sink -> {
            if (opened.incrementAndGet() == 2) {
                restartBegun.countDown();
                try {
                    restartMayGoOn.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            CodexTransport t = codex.factory().open(sink);
            return new CodexTransport() {
                @Override
                public JsonRpcPeer peer() {
                    return t.peer();
                }

                @Override
                public CodexException explainClose(String context, ConnectionClosedException cause) {
                    return t.explainClose(context, cause);
                }

                @Override
                public List<String> stderrTail(int lines) {
                    return t.stderrTail(lines);
                }

                @Override
                public OptionalLong codexResidentBytes() {
                    return OptionalLong.of(rss.addAndGet(1 << 20));
                }

                @Override
                public void close() {
                    t.close();
                }
            };
        };
    }

    @Test
    void aHostPollingWhatCodexAnswersAlikeDoesNotHoldOffTheRestartAndItsPollInFlightMeanwhileIsAnswered() throws Exception {
        client = CodexClient.builder().transport(growing()).connect();
        // quiet for 1 s (a look every second); the host asks for the loaded threads five times as often
        IdleRestarts.watch(client.connection(), new IdleRestart(Duration.ofSeconds(1), 1));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!restartBegun.await(200, TimeUnit.MILLISECONDS)) {
            assertThat(client.threadLoadedList(new ThreadLoadedListParams(null, null)).data()).isNullOrEmpty();
            assertThat(System.nanoTime()).as("codex was started again while the host polled").isLessThan(deadline);
        }

        // the new codex is starting; a poll now goes to the old one, which holds its answer past the move
        CompletableFuture<JsonNode> held = new CompletableFuture<>();
        codex.onLoadedList = p -> held;
        assertThat(client.generation()).isEqualTo(1);
        long polled = polls();
        CompletableFuture<JsonNode> poll = client.requestAsync("thread/loaded/list", Json.object(), JsonNode.class, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(60)).until(() -> polls() > polled);
        codex.onLoadedList = null;
        restartMayGoOn.countDown();

        await().atMost(Duration.ofSeconds(60)).until(() -> client.generation() == 2);
        assertThat(poll).as("still waiting for the old codex's answer").isNotDone();
        held.complete(Json.object().set("data", Json.nodes().arrayNode()));
        assertThat(poll.get(60, TimeUnit.SECONDS).path("data").isArray()).isTrue();
        assertThat(client.threadLoadedList(new ThreadLoadedListParams(null, null)).data()).as("the new codex answers").isNullOrEmpty();
    }

    private long polls() {
        return codex.received().stream().filter(m -> "thread/loaded/list".equals(m.path("method").asText())).count();
    }
}
