package dev.codexbridge.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.client.internal.ThreadInbox;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadStartParams;
import dev.codexbridge.protocol.ThreadStartResponse;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.CodexTransport;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One connection against an in-memory codex: handshake, requests, the event stream, server requests. */
class CodexClientTest {
    private static final String APPROVAL = "{\"threadId\":\"%s\",\"turnId\":\"turn-9\",\"itemId\":\"call-1\",\"startedAtMs\":1,"
            + "\"command\":\"ls\",\"cwd\":\"/w\"}";
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.client);
    private final FakeCodex codex = fake.codex();
    private CodexClient client;

    private CodexClient connect(CodexClient.Builder builder) {
        client = builder.transport(codex.factory()).connect();
        return client;
    }

    /**
     * Seen as two reader threads left running after a test's close: the client closed while a
     * reconnect's transport was opening closed the transport before it, and the new one ran on.
     */
    @Test
    void aTransportAReconnectOpensWhileTheClientClosesIsClosedToo() throws Exception {
        CountDownLatch reopening = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        AtomicReference<CodexTransport> reopened = new AtomicReference<>();
        CodexTransport.Factory slowSecondOpen = new CodexTransport.Factory() {
            @Override
            public CodexTransport open(dev.codexbridge.rpc.InboundSink sink) {
                CodexTransport t = codex.factory().open(sink);
                if (codex.opens.get() > 1) {
                    reopened.set(t);
                    reopening.countDown();
                    try {
                        closed.await(60, TimeUnit.SECONDS);     // the host closes the client meanwhile
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return t;
            }

            @Override
            public boolean reachesRunningServer() {
                return true;
            }
        };
        client = CodexClient.builder().transport(slowSecondOpen)
                .reconnect(new ReconnectPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 4)).connect();
        codex.die();
        assertThat(reopening.await(60, TimeUnit.SECONDS)).as("the reconnect opens a transport").isTrue();

        client.close();
        closed.countDown();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(reopened.get().peer().isOpen())
                .as("the transport opened across the close is closed, its reader threads with it").isFalse());
        assertThat(client.isOpen()).isFalse();
    }

    /**
     * Seen under the chaos run's faults: a resume sent while a reconnect's {@code initialize} was
     * unanswered reached the new connection first, and codex answered "Not initialized".
     */
    @Test
    void nothingIsSentOnAReconnectsConnectionBeforeItsInitializeIsAnswered() throws Exception {
        client = CodexClient.builder().transport(codex.factory())
                .reconnect(new ReconnectPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 4)).connect();
        CompletableFuture<Void> answerInitialize = new CompletableFuture<>();
        codex.initializeWhen = answerInitialize;
        codex.die();
        await().atMost(Duration.ofSeconds(60)).until(() -> methods().stream().filter("initialize"::equals).count() == 2);

        // sent while the handshake is open: it fails on the connection that ended (or, wrongly, reaches the new one)
        CompletableFuture<JsonNode> during;
        try {
            during = client.requestAsync("model/list", Json.object(), JsonNode.class, Duration.ofSeconds(60));
        } catch (RuntimeException refused) {
            during = CompletableFuture.failedFuture(refused);
        }
        await().atMost(Duration.ofSeconds(60)).until(during::isDone);
        answerInitialize.complete(null);
        await().atMost(Duration.ofSeconds(60)).until(() -> methods().stream().filter("initialized"::equals).count() == 2);
        List<String> second = methods().subList(methods().lastIndexOf("initialize"), methods().size());
        assertThat(second).as("the reconnect's connection, from its initialize").startsWith("initialize", "initialized");
        assertThat(client.request("thread/start", Json.object().put("cwd", "/w"), JsonNode.class).path("thread").path("id").asText())
                .isEqualTo("thread-1");
    }

    private List<String> methods() {
        return codex.received().stream().map(m -> m.path("method").asText()).toList();
    }

    @Test
    void connectPerformsTheHandshakeOnce() {
        connect(CodexClient.builder());
        assertThat(client.serverInfo().userAgent()).isEqualTo("fake/0.169.0");
        assertThat(client.isOpen()).isTrue();
        await().atMost(Duration.ofSeconds(60)).until(() -> codex.received().size() >= 2);
        assertThat(codex.received()).extracting(m -> m.path("method").asText()).containsExactly("initialize", "initialized");
        assertThat(codex.received().get(0).path("params").path("clientInfo").path("name").asText()).isEqualTo("codex_bridge");
    }

    @Test
    void aRequestByNameReturnsItsTypedResult() {
        connect(CodexClient.builder());
        JsonNode started = client.request("thread/start", Json.object().put("cwd", "/w"), JsonNode.class);
        assertThat(started.path("thread").path("id").asText()).isEqualTo("thread-1");
    }

    @Test
    void asyncOffersTheTypedRequestsAsFutures() throws Exception {
        connect(CodexClient.builder());
        ThreadStartResponse started = client.async().threadStart(ThreadStartParams.builder().cwd("/w").build())
                .get(60, TimeUnit.SECONDS);
        assertThat(started.thread().id()).isEqualTo("thread-1");
    }

    @Test
    void aNotificationReachesSubscribersWhileNoTurnRuns() throws Exception {
        connect(CodexClient.builder());
        List<CodexEvent> seen = Collections.synchronizedList(new ArrayList<>());
        client.subscribe(seen::add);
        codex.notifyThread("thread/name/updated", "thread-7", null, "{\"threadName\":\"renamed\"}");
        await().atMost(Duration.ofSeconds(60)).until(() -> !seen.isEmpty());
        CodexEvent e = seen.get(0);
        assertThat(e).isInstanceOf(CodexEvent.Notification.class);
        assertThat(e.method()).isEqualTo("thread/name/updated");
        assertThat(e.threadId()).isEqualTo("thread-7");
        assertThat(e.raw().path("threadName").asText()).isEqualTo("renamed");
    }

    @Test
    void eventsArriveInWireOrder() {
        connect(CodexClient.builder());
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        client.subscribe(e -> seen.add(e.raw().path("n").asInt()));
        for (int i = 0; i < 2_000; i++) {
            codex.notifyThread("item/agentMessage/delta", "t", "u", "{\"n\":" + i + "}");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == 2_000);
        for (int i = 0; i < 2_000; i++) {
            assertThat(seen.get(i)).isEqualTo(i);
        }
    }

    @Test
    void aSubscriptionForSomeMethodsGetsOnlyThoseInOrder() {
        connect(CodexClient.builder());
        List<Integer> rateLimits = Collections.synchronizedList(new ArrayList<>());
        List<Integer> all = Collections.synchronizedList(new ArrayList<>());
        client.subscribe(java.util.Set.of("account/rateLimits/updated"), e -> rateLimits.add(e.raw().path("n").asInt()));
        client.subscribe(e -> all.add(e.raw().path("n").asInt()));
        for (int i = 0; i < 10; i++) {
            codex.notifyThread(i % 3 == 0 ? "account/rateLimits/updated" : "item/agentMessage/delta", "t", null, "{\"n\":" + i + "}");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> all.size() == 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> rateLimits.size() == 4);
        assertThat(rateLimits).containsExactly(0, 3, 6, 9);
    }

    @Test
    void aSlowSubscriberIsToldWhatItLostAndDoesNotHoldUpOthers() throws Exception {
        connect(CodexClient.builder());
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong lost = new AtomicLong();
        List<Integer> slowSaw = Collections.synchronizedList(new ArrayList<>());
        client.subscribe(new CodexEventListener() {
            @Override
            public void onEvent(CodexEvent event) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                slowSaw.add(event.raw().path("n").asInt());
            }

            @Override
            public void onOverflow(long dropped) {
                lost.addAndGet(dropped);
            }
        }, dev.codexbridge.rpc.internal.RpcThreads.host(), 10);
        List<Integer> fastSaw = Collections.synchronizedList(new ArrayList<>());
        client.subscribe(e -> fastSaw.add(e.raw().path("n").asInt()));
        for (int i = 0; i < 100; i++) {
            codex.notifyThread("item/agentMessage/delta", "t", "u", "{\"n\":" + i + "}");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> fastSaw.size() == 100);
        release.countDown();
        await().atMost(Duration.ofSeconds(60)).until(() -> slowSaw.size() + lost.get() == 100);
        assertThat(lost.get()).isGreaterThan(0);
        assertThat(slowSaw).isSorted();
    }

    @Test
    void aServerRequestNobodyTookIsAnsweredAtOnceByTheFallback() throws Exception {
        connect(CodexClient.builder().serverRequests(r -> CompletableFuture.completedFuture(Json.object().put("decision", "decline"))));
        JsonNode answer = codex.request("item/commandExecution/requestApproval", APPROVAL.formatted("thread-3")).get(60, TimeUnit.SECONDS);
        assertThat(answer.path("decision").asText()).isEqualTo("decline");
    }

    @Test
    void optionsAreOneValueThatTheBuilderMakesAndTakesBack() {
        ClientOptions options = CodexClient.builder().transport(codex.factory()).requestTimeout(Duration.ofSeconds(7))
                .maxThreads(3).optOutNotifications(List.of("item/agentMessage/delta")).options();
        assertThat(options.launch()).isNull();
        assertThat(options.toBuilder().options()).isEqualTo(options);
        assertThat(options.toBuilder().maxThreads(4).options().maxThreads()).isEqualTo(4);
        assertThat(options.maxThreads()).isEqualTo(3);
        client = CodexClient.connect(options);
        assertThat(client.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(client.maxThreads()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(60)).until(() -> !codex.received().isEmpty());
        assertThat(codex.received().get(0).path("params").path("capabilities").path("optOutNotificationMethods").get(0).asText())
                .isEqualTo("item/agentMessage/delta");
    }

    @Test
    void withoutATargetCodexIsStartedFromTheBinaryLocatedThen() {
        ClientOptions options = CodexClient.builder().options();
        assertThat(options.launch().binary()).isNull();
        assertThat(options.launch().arguments()).containsExactly("app-server");
        assertThatThrownBy(() -> CodexClient.builder().endpoint(CodexEndpoint.of(URI.create("ws://127.0.0.1:1")))
                .process(options.launch()).options()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void byDefaultServerRequestsAreRefused() {
        connect(CodexClient.builder());
        assertThatThrownBy(() -> codex.request("item/commandExecution/requestApproval", APPROVAL.formatted("thread-3")).get(60, TimeUnit.SECONDS))
                .hasMessageContaining("no handler for item/commandExecution/requestApproval on thread thread-3");
    }

    @Test
    void anAttachedThreadGetsItsRequestsAndTheFallbackDoesNot() throws Exception {
        AtomicReference<CodexEvent> fallbackSaw = new AtomicReference<>();
        connect(CodexClient.builder().serverRequests(r -> {
            fallbackSaw.set(r);
            return CompletableFuture.completedFuture(Json.object().put("decision", "decline"));
        }));
        List<CodexEvent> inbox = Collections.synchronizedList(new ArrayList<>());
        ClientPlumbing.of(client).attach("thread-3", new ThreadInbox() {
            @Override
            public void accept(CodexEvent event) {
                inbox.add(event);
                if (event instanceof CodexEvent.ServerRequest r) {
                    client.respond(r.id(), Json.object().put("decision", "accept"));
                }
            }

            @Override
            public void closed(ConnectionClosedException cause) {
            }
        });
        JsonNode answer = codex.request("item/commandExecution/requestApproval", APPROVAL.formatted("thread-3")).get(60, TimeUnit.SECONDS);
        assertThat(answer.path("decision").asText()).isEqualTo("accept");
        assertThat(fallbackSaw.get()).isNull();
        assertThat(inbox).singleElement().isInstanceOf(CodexEvent.ServerRequest.class);
        assertThatThrownBy(() -> ClientPlumbing.of(client).attach("thread-3", new ThreadInbox() {
            @Override
            public void accept(CodexEvent event) {
            }

            @Override
            public void closed(ConnectionClosedException cause) {
            }
        })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void whenCodexDiesEveryInboxSubscriberAndRequestFindsOutAtOnce() throws Exception {
        connect(CodexClient.builder());
        codex.answerTurnStart = false;
        CompletableFuture<ConnectionClosedException> inboxClosed = new CompletableFuture<>();
        ClientPlumbing.of(client).attach("thread-1", new ThreadInbox() {
            @Override
            public void accept(CodexEvent event) {
            }

            @Override
            public void closed(ConnectionClosedException cause) {
                inboxClosed.complete(cause);
            }
        });
        CompletableFuture<CodexException> subscriberClosed = new CompletableFuture<>();
        client.subscribe(new CodexEventListener() {
            @Override
            public void onEvent(CodexEvent event) {
            }

            @Override
            public void onClosed(CodexException cause) {
                subscriberClosed.complete(cause);
            }
        });
        com.fasterxml.jackson.databind.node.ObjectNode turnStart = Json.object().put("threadId", "thread-1");
        turnStart.set("input", dev.codexbridge.session.TurnInput.text("go").toJson());
        CompletableFuture<JsonNode> pending = client.requestAsync("turn/start", turnStart, JsonNode.class, Duration.ofMinutes(1));
        codex.die();
        assertThat(inboxClosed.get(60, TimeUnit.SECONDS)).isNotNull();
        assertThat(subscriberClosed.get(60, TimeUnit.SECONDS)).hasMessageContaining("the fake codex ended");
        assertThatThrownBy(() -> pending.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(CodexException.class)
                .hasMessageContaining("before answering turn/start");
        assertThat(client.isOpen()).isFalse();
    }

    /**
     * A connection that just ended reads as closed before its reader thread has handled the end:
     * whenReady waits for that handling and then for the reconnect, never handing out the client of
     * the connection that is gone.
     */
    @Test
    void whenReadyWaitsForAnEndedConnectionsHandlingAndTheReconnect() throws Exception {
        CountDownLatch endHandling = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();
        dev.codexbridge.transport.CodexTransport.Factory slowToHandleTheEnd = sink -> codex.factory().open(
                opened.incrementAndGet() > 1 ? sink : new dev.codexbridge.rpc.InboundSink() {
                    @Override
                    public void accept(dev.codexbridge.rpc.JsonRpcMessage.Inbound message) {
                        sink.accept(message);
                    }

                    @Override
                    public boolean acceptBytes(byte[] message, int offset, int length) {
                        return sink.acceptBytes(message, offset, length);
                    }

                    @Override
                    public void endOfBurst() {
                        sink.endOfBurst();
                    }

                    @Override
                    public void closed(ConnectionClosedException cause) {
                        try {
                            endHandling.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        sink.closed(cause);
                    }
                });
        client = CodexClient.builder().transport(slowToHandleTheEnd)
                .reconnect(new ReconnectPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 4)).connect();
        try {
            assertThat(client.whenReady().get(60, TimeUnit.SECONDS)).isSameAs(client);

            codex.die();
            await().atMost(Duration.ofSeconds(60)).until(() -> !client.isOpen());
            assertThat(ClientPlumbing.of(client).whenReady()).as("the ended connection's ready future is not handed out").isNotDone();
            CompletableFuture<CodexClient> ready = client.whenReady();

            endHandling.countDown();
            CodexClient again = ready.get(60, TimeUnit.SECONDS);
            assertThat(again.isOpen()).isTrue();
            assertThat(again.generation()).isEqualTo(2);
        } finally {
            endHandling.countDown();
        }
    }
}
