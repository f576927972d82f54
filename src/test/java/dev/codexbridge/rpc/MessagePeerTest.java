package dev.codexbridge.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A peer over a transport of whole messages (a WebSocket's shape): nothing is framed or split again. */
class MessagePeerTest {
    private static final Duration LONG = Duration.ofSeconds(10);
    private final QueueSource source = new QueueSource();
    private final RecordingSender sender = new RecordingSender();
    private JsonRpcPeer peer;

    @AfterEach
    void tearDown() {
        if (peer != null) {
            peer.close();
        }
    }

    private JsonRpcPeer start(InboundSink sink, int maxMessageBytes) {
        peer = JsonRpcPeer.builder(source, sender).name("messages").inbound(sink).maxMessageBytes(maxMessageBytes)
                .build().start();
        return peer;
    }

    @Test
    void eachMessageIsSentWholeOnceAndEachMessageReadIsOne() throws Exception {
        Inbox inbox = new Inbox();
        start(inbox, 1024);
        CompletableFuture<JsonNode> answer = peer.request("m", null, LONG);
        peer.notify("initialized", null);
        assertThat(sender.sent()).containsExactly("{\"id\":1,\"method\":\"m\",\"params\":{}}",
                "{\"method\":\"initialized\",\"params\":{}}");

        source.offer("{\"id\":1,\"result\":{\"n\":1}}");
        source.offer("{\n  \"method\": \"spread\",\n  \"params\": {}\n}");
        assertThat(answer.get(60, TimeUnit.SECONDS).path("n").asInt()).isEqualTo(1);
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("spread");
        assertThat(peer.stats().messagesRead()).isEqualTo(2);
        assertThat(peer.stats().messagesSent()).isEqualTo(2);
    }

    @Test
    void overLongMalformedAndBlankMessagesAreCountedAndSkipped() throws Exception {
        Inbox inbox = new Inbox();
        start(inbox, 64);
        source.offer("{\"method\":\"big\",\"params\":{\"t\":\"" + "y".repeat(100) + "\"}}");
        source.offerOversized();
        source.offer("not json");
        source.offer("  ");
        source.offer("{\"method\":\"small\"}");
        assertThat(inbox.poll(Duration.ofSeconds(5)).method()).isEqualTo("small");
        assertThat(peer.stats().oversizedMessages()).isEqualTo(2);
        assertThat(peer.stats().malformedMessages()).isEqualTo(1);
        assertThat(peer.stats().messagesRead()).isEqualTo(5);
        assertThat(peer.isOpen()).isTrue();
    }

    @Test
    void theSinkHearsTheBurstsEndBeforeTheSourceWaitsAndTakesMessagesDirectly() throws Exception {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        source.offer("{\"method\":\"direct\"}");    // both there before the reader starts: one burst
        source.offer("{\"method\":\"direct\"}");
        start(new InboundSink() {
            @Override
            public boolean acceptBytes(byte[] message, int offset, int length) {
                String text = new String(message, offset, length, StandardCharsets.UTF_8);
                if (!text.contains("\"direct\"")) {
                    return false;
                }
                calls.add("direct");
                return true;
            }

            @Override
            public void accept(JsonRpcMessage.Inbound message) {
                calls.add(message.method());
            }

            @Override
            public void endOfBurst() {
                calls.add("end");
            }
        }, 1 << 20);
        await().atMost(Duration.ofSeconds(60)).until(() -> calls.size() >= 3);
        assertThat(calls).containsExactly("direct", "direct", "end");
    }

    @Test
    void closingEndsBothSidesAndTheSourcesEndClosesThePeer() throws Exception {
        Inbox inbox = new Inbox();
        start(inbox, 1024);
        CompletableFuture<JsonNode> pending = peer.request("m", null, LONG);
        source.end();
        await().atMost(Duration.ofSeconds(60)).until(() -> !peer.isOpen());
        assertThatThrownBy(() -> pending.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(ConnectionClosedException.class);
        assertThat(sender.closed).isTrue();
        assertThatThrownBy(() -> peer.notify("late", null)).isInstanceOf(ConnectionClosedException.class);
        assertThat(sender.sent()).containsExactly("{\"id\":1,\"method\":\"m\",\"params\":{}}");
        assertThat(inbox.isClosed()).isTrue();
    }

    /** Messages queued by the test; runs the peer's hook before it waits for one. */
    private static final class QueueSource implements MessageSource {
        private final byte[] endMark = new byte[0];
        private final byte[] oversizedMark = new byte[0];
        private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
        private byte[] current = new byte[0];

        void offer(String message) {
            queue.add(message.getBytes(StandardCharsets.UTF_8));
        }

        void offerOversized() {
            queue.add(oversizedMark);
        }

        void end() {
            queue.add(endMark);
        }

        @Override
        public int next(Runnable beforeWait) throws IOException {
            byte[] m = queue.poll();
            if (m == null) {
                beforeWait.run();
                try {
                    m = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException();
                }
            }
            if (m == endMark) {
                queue.add(endMark);
                return END;
            }
            if (m == oversizedMark) {
                return OVERSIZED;
            }
            current = m;
            return m.length;
        }

        @Override
        public byte[] buffer() {
            return current;
        }

        @Override
        public int offset() {
            return 0;
        }

        @Override
        public void close() {
            end();
        }
    }

    private static final class RecordingSender implements MessageSender {
        private final List<String> sent = Collections.synchronizedList(new ArrayList<>());
        private volatile boolean closed;

        @Override
        public void send(byte[] message) throws IOException {
            if (closed) {
                throw new IOException("closed");
            }
            sent.add(new String(message, StandardCharsets.UTF_8));
        }

        List<String> sent() {
            return new ArrayList<>(sent);
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
