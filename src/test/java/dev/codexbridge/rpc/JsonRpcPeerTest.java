package dev.codexbridge.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.FakeCodexPeer;
import dev.codexbridge.testkit.MemoryPipe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JsonRpcPeerTest {
    private static final Duration LONG = Duration.ofSeconds(10);
    private FakeCodexPeer codex;

    @AfterEach
    void tearDown() {
        if (codex != null) {
            codex.close();
        }
    }

    private Inbox startWithInbox() {
        Inbox inbox = new Inbox();
        codex = new FakeCodexPeer(b -> b.inbound(inbox));
        return inbox;
    }

    private static Throwable causeOf(CompletableFuture<?> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
            throw new AssertionError("future completed normally");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aTraceContextSourceAddsTheTraceMemberToRequestsOnlyAndANullAnswerLeavesTheBytesAsTheyWere() {
        startWithInbox();
        codex.peer().request("a/one", null, LONG);
        AtomicReference<JsonNode> current = new AtomicReference<>();
        codex.peer().traceContext(current::get);
        codex.peer().request("a/one", null, LONG);
        current.set(Json.object().put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        codex.peer().request("a/two", Map.of("x", 1), LONG);
        codex.peer().notify("initialized", null);
        codex.peer().traceContext(null);
        codex.peer().request("a/three", null, LONG);

        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":1,\"method\":\"a/one\",\"params\":{}}");
        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":2,\"method\":\"a/one\",\"params\":{}}");
        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":3,\"method\":\"a/two\",\"params\":{\"x\":1},"
                + "\"trace\":{\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}}");
        assertThat(codex.nextRawLine()).isEqualTo("{\"method\":\"initialized\",\"params\":{}}");
        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":4,\"method\":\"a/three\",\"params\":{}}");
    }

    @Test
    void outgoingRequestsHaveLongIdsFromOneAlwaysCarryParamsAndNoJsonrpcMember() {
        startWithInbox();
        codex.peer().request("a/one", null, LONG);
        codex.peer().request("a/two", Map.of("x", 1), LONG);
        codex.peer().notify("initialized", null);

        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":1,\"method\":\"a/one\",\"params\":{}}");
        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":2,\"method\":\"a/two\",\"params\":{\"x\":1}}");
        assertThat(codex.nextRawLine()).isEqualTo("{\"method\":\"initialized\",\"params\":{}}");
    }

    @Test
    void nonAsciiAndNewlinesInValuesStayOnOneUtf8Line() {
        startWithInbox();
        codex.peer().notify("n", Json.object().put("text", "héllo\nwörld\u2028✓"));
        String line = codex.nextRawLine();
        assertThat(line).doesNotContain("\n").contains("héllo\\nwörld").contains("✓");
        assertThat(Json.parse(line).path("params").path("text").asText()).isEqualTo("héllo\nwörld\u2028✓");
    }

    @Test
    void responsesCompleteTheMatchingFutureWhateverTheOrder() throws Exception {
        startWithInbox();
        CompletableFuture<JsonNode> first = codex.peer().request("m", null, LONG);
        CompletableFuture<JsonNode> second = codex.peer().request("m", null, LONG);
        codex.nextRawLine();
        codex.nextRawLine();
        codex.sendLine("{\"id\":2,\"result\":{\"n\":2}}");
        codex.sendLine("{\"id\":1,\"result\":{\"n\":1}}");
        assertThat(first.get(60, TimeUnit.SECONDS).path("n").asInt()).isEqualTo(1);
        assertThat(second.get(60, TimeUnit.SECONDS).path("n").asInt()).isEqualTo(2);
        assertThat(codex.peer().stats().pendingRequests()).isZero();
    }

    @Test
    void interleavedNotificationsRequestsAndResponsesArriveInOrderAndResponsesResolve() throws Exception {
        Inbox inbox = startWithInbox();
        CompletableFuture<JsonNode> call = codex.peer().request("thread/start", null, LONG);
        codex.nextRawLine();
        codex.sendRaw("{\"method\":\"a\",\"params\":{\"i\":1},\"emittedAtMs\":1}\n"
                + "{\"id\":0,\"method\":\"item/tool/call\",\"params\":{\"i\":2}}\n"
                + "{\"id\":1,\"result\":{\"ok\":true}}\n"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"b\",\"params\":{\"i\":3}}\n");
        assertThat(call.get(60, TimeUnit.SECONDS).path("ok").asBoolean()).isTrue();
        List<JsonRpcMessage.Inbound> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            got.add(inbox.poll(Duration.ofSeconds(5)));
        }
        assertThat(got).extracting(JsonRpcMessage.Inbound::method).containsExactly("a", "item/tool/call", "b");
        assertThat(got).extracting(m -> m.params().path("i").asInt()).containsExactly(1, 2, 3);
        assertThat(got.get(1)).isInstanceOf(JsonRpcMessage.Request.class);
    }

    @Test
    void linesSplitAcrossReadsAndManyLinesInOneReadAreReassembled() throws Exception {
        Inbox inbox = startWithInbox();
        String a = "{\"method\":\"split\",\"params\":{\"text\":\"" + "x".repeat(100_000) + "\"}}";
        codex.sendRaw(a.substring(0, 7));
        codex.sendRaw(a.substring(7, 70_001));
        codex.sendRaw(a.substring(70_001) + "\n{\"method\":\"m1\"}\n{\"method\":\"m2\"}\r\n{\"meth");
        codex.sendRaw("od\":\"m3\"}\n");
        assertThat(inbox.poll(Duration.ofSeconds(5)).params().path("text").asText()).hasSize(100_000);
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("m1");
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("m2");
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("m3");
    }

    @Test
    void missingParamsBecomeAnEmptyObject() throws Exception {
        Inbox inbox = startWithInbox();
        codex.sendLine("{\"method\":\"bare\"}");
        JsonRpcMessage.Inbound m = inbox.poll(Duration.ofSeconds(5));
        assertThat(m.params().isObject()).isTrue();
        assertThat(m.params().size()).isZero();
    }

    @Test
    void stringAndNumericServerIdsAreEchoedVerbatim() throws Exception {
        Inbox inbox = startWithInbox();
        codex.sendLine("{\"id\":\"str-id-7\",\"method\":\"x\",\"params\":{}}");
        codex.sendLine("{\"id\":7,\"method\":\"x\",\"params\":{}}");
        JsonRpcMessage.Request s = (JsonRpcMessage.Request) inbox.poll(Duration.ofSeconds(5));
        JsonRpcMessage.Request n = (JsonRpcMessage.Request) inbox.poll(Duration.ofSeconds(5));
        assertThat(s.id()).isNotEqualTo(n.id());
        assertThat(codex.peer().respond(s.id(), Map.of("a", 1))).isTrue();
        assertThat(codex.peer().respond(n.id(), null)).isTrue();
        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":\"str-id-7\",\"result\":{\"a\":1}}");
        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":7,\"result\":{}}");
    }

    @Test
    void serverRequestIdsNeverCollideWithPendingClientIds() throws Exception {
        Inbox inbox = startWithInbox();
        CompletableFuture<JsonNode> call = codex.peer().request("turn/start", null, LONG);
        codex.nextRawLine();
        // codex's own request id 1 while our request 1 is pending: a request, not our response
        codex.sendLine("{\"id\":1,\"method\":\"item/commandExecution/requestApproval\",\"params\":{}}");
        JsonRpcMessage.Inbound m = inbox.poll(Duration.ofSeconds(5));
        assertThat(m).isInstanceOf(JsonRpcMessage.Request.class);
        assertThat(call).isNotDone();
        codex.sendLine("{\"id\":1,\"result\":{\"turn\":{}}}");
        assertThat(call.get(60, TimeUnit.SECONDS).has("turn")).isTrue();
        codex.peer().respond(((JsonRpcMessage.Request) m).id(), Map.of("decision", "decline"));
        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":1,\"result\":{\"decision\":\"decline\"}}");
    }

    @Test
    void everyInboundRequestIsAnsweredExactlyOnce() throws Exception {
        Inbox inbox = startWithInbox();
        codex.sendLine("{\"id\":3,\"method\":\"x\",\"params\":{}}");
        JsonRpcMessage.Request r = (JsonRpcMessage.Request) inbox.poll(Duration.ofSeconds(5));
        assertThat(codex.peer().respond(r.id(), null)).isTrue();
        assertThat(codex.peer().respond(r.id(), null)).isFalse();
        assertThat(codex.peer().respondError(r.id(), new RpcError(-1, "late"))).isFalse();
        assertThat(codex.peer().respond(JsonRpcId.of(99), null)).isFalse();
        assertThat(codex.nextRawLine()).isEqualTo("{\"id\":3,\"result\":{}}");
        assertThat(codex.pollRawLine(200)).isNull();
    }

    @Test
    void duplicatedInboundRequestIdIsDeliveredOnce() throws Exception {
        Inbox inbox = startWithInbox();
        codex.sendLine("{\"id\":5,\"method\":\"x\",\"params\":{}}");
        codex.sendLine("{\"id\":5,\"method\":\"x\",\"params\":{}}");
        codex.sendLine("{\"method\":\"after\"}");
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("x");
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("after");
    }

    @Test
    void handlerTableAnswersUnknownMethodsWith32601AndFailuresWith32603() {
        codex = new FakeCodexPeer(b -> b
                .handler("ok", RequestHandler.sync(p -> Map.of("echo", p.path("v").asText())))
                .handler("throws", r -> {
                    throw new IllegalStateException("boom");
                })
                .handler("fails", r -> CompletableFuture.failedFuture(new RuntimeException("async boom")))
                .handler("rpc", r -> {
                    throw new RpcException("rpc", new RpcError(-32602, "bad params"));
                }));
        codex.sendLine("{\"id\":1,\"method\":\"nope\",\"params\":{}}");
        codex.sendLine("{\"id\":2,\"method\":\"ok\",\"params\":{\"v\":\"hi\"}}");
        codex.sendLine("{\"id\":3,\"method\":\"throws\",\"params\":{}}");
        codex.sendLine("{\"id\":4,\"method\":\"fails\",\"params\":{}}");
        codex.sendLine("{\"id\":5,\"method\":\"rpc\",\"params\":{}}");
        Map<Long, JsonNode> answers = new java.util.HashMap<>();
        for (int i = 0; i < 5; i++) {
            JsonNode a = codex.nextSent();
            answers.put(a.path("id").asLong(), a);
        }
        assertThat(answers.get(1L).path("error").path("code").asInt()).isEqualTo(-32601);
        assertThat(answers.get(1L).path("error").path("message").asText()).isEqualTo("Unsupported method: nope");
        assertThat(answers.get(2L).path("result").path("echo").asText()).isEqualTo("hi");
        assertThat(answers.get(3L).path("error").path("code").asInt()).isEqualTo(-32603);
        assertThat(answers.get(4L).path("error").path("code").asInt()).isEqualTo(-32603);
        assertThat(answers.get(5L).path("error").path("code").asInt()).isEqualTo(-32602);
    }

    @Test
    void defaultDispatcherDeliversNotificationsInOrderOffTheReaderThread() throws Exception {
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        Set<String> threads = Collections.synchronizedSet(new HashSet<>());
        codex = new FakeCodexPeer(b -> b.onNotification(n -> {
            got.add(n.method());
            threads.add(Thread.currentThread().getName());
        }));
        for (int i = 0; i < 100; i++) {
            codex.sendLine("{\"method\":\"n" + i + "\"}");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> got.size() == 100);
        for (int i = 0; i < 100; i++) {
            assertThat(got.get(i)).isEqualTo("n" + i);
        }
        assertThat(threads).noneMatch(t -> t.startsWith("codex-bridge-reader"));
    }

    @Test
    void malformedAndNonMessageLinesAreCountedAndSkipped() throws Exception {
        Inbox inbox = startWithInbox();
        codex.sendRaw("not json at all\n"
                + "{\"truncated\": \n"
                + "[1,2,3]\n"
                + "42\n"
                + "{\"id\":1.5,\"method\":\"float-id\"}\n"
                + "{\"neither\":true}\n"
                + "Content-Length: 12\n"
                + "\n   \n"
                + "{\"method\":\"still-alive\"}\n");
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("still-alive");
        assertThat(codex.peer().stats().malformedMessages()).isEqualTo(7);
        assertThat(codex.peer().isOpen()).isTrue();
    }

    @Test
    void overLongLinesAreSkippedWithoutBufferingThemAndTheNextLineWorks() throws Exception {
        Inbox inbox = new Inbox();
        codex = new FakeCodexPeer(b -> b.inbound(inbox).maxMessageBytes(1024));
        String big = "{\"method\":\"big\",\"params\":{\"t\":\"" + "y".repeat(5000) + "\"}}";
        codex.sendRaw(big.substring(0, 3000));
        codex.sendRaw(big.substring(3000) + "\n{\"method\":\"small\"}\n");
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("small");
        assertThat(codex.peer().stats().oversizedMessages()).isEqualTo(1);
    }

    @Test
    void timeoutFailsTheRequestAndRemovesItsPendingEntry() {
        startWithInbox();
        CompletableFuture<JsonNode> f = codex.peer().request("slow", null, Duration.ofMillis(100));
        codex.nextRawLine();
        assertThat(causeOf(f)).isInstanceOf(RpcTimeoutException.class).hasMessageContaining("slow");
        await().atMost(Duration.ofSeconds(60)).until(() -> codex.peer().stats().pendingRequests() == 0);
        codex.sendLine("{\"id\":1,\"result\":{}}");
        await().atMost(Duration.ofSeconds(60)).until(() -> codex.peer().stats().unmatchedResponses() == 1);
    }

    @Test
    void cancellingARequestRemovesItsPendingEntry() {
        startWithInbox();
        CompletableFuture<JsonNode> f = codex.peer().request("m", null, LONG);
        codex.nextRawLine();
        assertThat(codex.peer().stats().pendingRequests()).isEqualTo(1);
        f.cancel(false);
        assertThat(codex.peer().stats().pendingRequests()).isZero();
    }

    @Test
    void endOfStreamFailsEveryPendingRequestAtOnce() {
        Inbox inbox = startWithInbox();
        List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(codex.peer().request("m" + i, null, Duration.ofMinutes(10)));
        }
        codex.closeOutput();
        for (CompletableFuture<JsonNode> f : calls) {
            assertThat(causeOf(f)).isInstanceOf(ConnectionClosedException.class).hasMessageContaining("end of stream");
            // written before the end: codex may have received them
            assertThat(((ConnectionClosedException) causeOf(f)).requestNotSent()).isFalse();
        }
        assertThat(codex.peer().isOpen()).isFalse();
        assertThat(codex.peer().stats().pendingRequests()).isZero();
        assertThatThrownBy(() -> inbox.poll(Duration.ofSeconds(5))).isInstanceOf(ConnectionClosedException.class);
        Throwable after = causeOf(codex.peer().request("after", null, LONG));
        // never written: codex cannot have received it, and the failure says so with the end's own words
        assertThat(after).isInstanceOf(ConnectionClosedException.class).hasMessageContaining("end of stream");
        assertThat(((ConnectionClosedException) after).requestNotSent()).isTrue();
    }

    @Test
    void closeIsIdempotentAndFailsPendingRequests() {
        startWithInbox();
        CompletableFuture<JsonNode> f = codex.peer().request("m", null, Duration.ofMinutes(10));
        codex.peer().close();
        codex.peer().close();
        assertThat(causeOf(f)).isInstanceOf(ConnectionClosedException.class).hasMessageContaining("closed by the client");
        assertThatThrownBy(() -> codex.peer().notify("x", null)).isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void futuresCompleteOffTheReaderThread() throws Exception {
        startWithInbox();
        AtomicReference<String> thread = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        codex.peer().request("m", null, LONG).thenRun(() -> {
            thread.set(Thread.currentThread().getName());
            done.countDown();
        });
        codex.nextRawLine();
        codex.sendLine("{\"id\":1,\"result\":{}}");
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(thread.get()).doesNotStartWith("codex-bridge-reader");
    }

    @Test
    void errorResponsesFailWithRpcExceptionCarryingCodeMessageAndData() {
        startWithInbox();
        CompletableFuture<JsonNode> f = codex.peer().request("thread/start", null, LONG);
        codex.nextRawLine();
        codex.sendLine("{\"id\":1,\"error\":{\"code\":-32600,\"message\":\"Not initialized\",\"data\":{\"reason\":\"x\"}}}");
        Throwable t = causeOf(f);
        assertThat(t).isInstanceOf(RpcException.class).hasMessageContaining("Not initialized");
        RpcException e = (RpcException) t;
        assertThat(e.code()).isEqualTo(-32600);
        assertThat(e.method()).isEqualTo("thread/start");
        assertThat(e.data().path("reason").asText()).isEqualTo("x");
    }

    @Test
    void overloadedRequestsAreRetriedWithNewIdsUntilTheyGoThrough() throws Exception {
        Inbox inbox = new Inbox();
        codex = new FakeCodexPeer(b -> b.inbound(inbox)
                .retryPolicy(new RetryPolicy(5, Duration.ofMillis(1), Duration.ofMillis(5))));
        CompletableFuture<JsonNode> f = codex.peer().request("turn/start", Map.of("k", "v"), LONG);
        for (int attempt = 0; attempt < 3; attempt++) {
            JsonNode sent = codex.nextSent();
            assertThat(sent.path("method").asText()).isEqualTo("turn/start");
            assertThat(sent.path("params").path("k").asText()).isEqualTo("v");
            codex.sendLine("{\"id\":" + sent.path("id").asLong()
                    + ",\"error\":{\"code\":-32001,\"message\":\"Server overloaded; retry later.\"}}");
        }
        JsonNode last = codex.nextSent();
        assertThat(last.path("id").asLong()).isEqualTo(4);
        codex.sendLine("{\"id\":4,\"result\":{\"turn\":{\"id\":\"t\"}}}");
        assertThat(f.get(60, TimeUnit.SECONDS).path("turn").path("id").asText()).isEqualTo("t");
        assertThat(codex.peer().stats().overloadRetries()).isEqualTo(3);
    }

    @Test
    void aRequestWhoseConnectionClosesBeforeItsOverloadRetryFailsAtOnceAsNeverSent() {
        Inbox inbox = new Inbox();
        codex = new FakeCodexPeer(b -> b.inbound(inbox)
                .retryPolicy(new RetryPolicy(5, Duration.ofMillis(300), Duration.ofMillis(300))));
        CompletableFuture<JsonNode> f = codex.peer().request("turn/start", null, LONG);
        JsonNode sent = codex.nextSent();
        codex.sendLine("{\"id\":" + sent.path("id").asLong() + ",\"error\":{\"code\":-32001,\"message\":\"overloaded\"}}");
        codex.closeOutput();        // codex gone while the retry waits its pause
        Throwable failure = causeOf(f);     // at once after the pause, not after LONG
        assertThat(failure).isInstanceOf(ConnectionClosedException.class);
        assertThat(((ConnectionClosedException) failure).requestNotSent()).isTrue();
    }

    @Test
    void overloadRetriesAreBounded() {
        Inbox inbox = new Inbox();
        codex = new FakeCodexPeer(b -> b.inbound(inbox)
                .retryPolicy(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2))));
        CompletableFuture<JsonNode> f = codex.peer().request("m", null, LONG);
        for (int attempt = 0; attempt < 3; attempt++) {
            JsonNode sent = codex.nextSent();
            codex.sendLine("{\"id\":" + sent.path("id").asLong() + ",\"error\":{\"code\":-32001,\"message\":\"overloaded\"}}");
        }
        assertThat(causeOf(f)).isInstanceOf(RpcException.class)
                .satisfies(e -> assertThat(((RpcException) e).code()).isEqualTo(-32001));
    }

    @Test
    void concurrentWritersNeverInterleaveLines() throws Exception {
        startWithInbox();
        int threads = 8;
        int each = 200;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    codex.peer().notify("w", Map.of("t", id, "i", i, "pad", "z".repeat(3000)));
                }
            });
            w.start();
            writers.add(w);
        }
        start.countDown();
        for (Thread w : writers) {
            w.join();
        }
        Map<Integer, Integer> lastSeen = new java.util.HashMap<>();
        for (int n = 0; n < threads * each; n++) {
            JsonNode m = codex.nextSent();
            int t = m.path("params").path("t").asInt();
            int i = m.path("params").path("i").asInt();
            assertThat(i).isEqualTo(lastSeen.getOrDefault(t, -1) + 1);
            lastSeen.put(t, i);
        }
        assertThat(codex.peer().stats().messagesSent()).isEqualTo((long) threads * each);
    }

    @Test
    void theSinkHearsOfEachBurstsEndBeforeSlowerWorkAndBeforeEveryWait() throws Exception {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch last = new CountDownLatch(1);
        codex = new FakeCodexPeer(b -> b.inbound(new InboundSink() {
            @Override
            public boolean acceptBytes(byte[] line, int offset, int length) {
                String text = new String(line, offset, length, StandardCharsets.UTF_8);
                if (!text.contains("\"direct\"")) {
                    return false;
                }
                calls.add(length >= 64 * 1024 ? "direct-large" : "direct");
                return true;
            }

            @Override
            public void accept(JsonRpcMessage.Inbound message) {
                calls.add(message.method());
                if (message.method().equals("last")) {
                    last.countDown();
                }
            }

            @Override
            public void endOfBurst() {
                calls.add("end");
            }
        }));
        String direct = "{\"method\":\"direct\"}\n";
        String large = "{\"method\":\"direct\",\"params\":{\"pad\":\"" + "x".repeat(70 * 1024) + "\"}}\n";
        codex.sendRaw(direct + direct + "{\"method\":\"general\"}\n" + direct + large + "{\"method\":\"last\"}\n");
        assertThat(last.await(60, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!calls.get(calls.size() - 1).equals("end") && System.nanoTime() < deadline) {
            Thread.sleep(5);    // the reader goes back to reading: the burst ends
        }
        List<String> seen = new ArrayList<>(calls);
        assertThat(seen.stream().filter(c -> !c.equals("end")))
                .containsExactly("direct", "direct", "general", "direct", "direct-large", "last");
        for (int i = 0; i < seen.size(); i++) {
            if (seen.get(i).equals("general") || seen.get(i).equals("last") || seen.get(i).equals("direct-large")) {
                assertThat(seen.get(i - 1)).as("before %s in %s", seen.get(i), seen).isEqualTo("end");
            }
        }
        assertThat(seen.get(seen.size() - 1)).isEqualTo("end");
    }

    @Test
    void requestInOrderCompletesBeforeTheNextMessageIsDelivered() throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Inbox inbox = new Inbox();
        codex = new FakeCodexPeer(b -> b.inbound(new InboundSink() {
            @Override
            public void accept(JsonRpcMessage.Inbound message) {
                order.add(message.method());
                inbox.accept(message);
            }
        }));
        for (int round = 0; round < 50; round++) {
            order.clear();
            codex.peer().requestInOrder("turn/start", null, LONG, (r, e) -> order.add("answer"));
            JsonNode sent = codex.nextSent();
            codex.sendRaw("{\"id\":" + sent.path("id").asLong() + ",\"result\":{}}\n{\"method\":\"turn/started\"}\n");
            inbox.poll(Duration.ofSeconds(5));
            assertThat(order).containsExactly("answer", "turn/started");
        }
    }

    @Test
    void errorWithoutIdIsCountedNotFatal() throws Exception {
        Inbox inbox = startWithInbox();
        codex.sendLine("{\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}");
        codex.sendLine("{\"method\":\"ok\"}");
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("ok");
        assertThat(codex.peer().stats().unmatchedResponses()).isEqualTo(1);
    }
    /**
     * Codex answers the last request and ends its output while the thread that wrote the request is
     * still returning from the write, so that thread finds the connection closed. The answer was read
     * first and must win, even where the pool running completions runs the later failure first.
     */
    @Test
    void anAnswerReadBeforeTheWriterSeesTheCloseSettlesTheRequest() throws Exception {
        MemoryPipe fromCodex = new MemoryPipe();
        AtomicReference<JsonRpcPeer> peer = new AtomicReference<>();
        OutputStream toCodex = new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                line.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                line.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                String sent = line.toString(StandardCharsets.UTF_8).trim();
                line.reset();
                if (sent.isEmpty()) {
                    return;
                }
                long id = Json.parse(sent).path("id").asLong();
                try (OutputStream answer = fromCodex.output()) {
                    answer.write(("{\"id\":" + id + ",\"result\":{\"ok\":true}}\n").getBytes(StandardCharsets.UTF_8));
                }
                // the write returns only once the reader has read the answer and the end of stream
                peer.get().closedFuture().join();
            }
        };
        List<Runnable> completions = Collections.synchronizedList(new ArrayList<>());
        peer.set(JsonRpcPeer.builder(fromCodex.input(), toCodex).name("last-answer").callbackExecutor(completions::add).build().start());

        CompletableFuture<JsonNode> answer = peer.get().request("config/read", null, LONG);
        List<Runnable> queued = new ArrayList<>(completions);
        Collections.reverse(queued);   // a pool may run them in any order
        queued.forEach(Runnable::run);

        assertThat(answer.get(60, TimeUnit.SECONDS).path("ok").asBoolean()).isTrue();
    }
}
