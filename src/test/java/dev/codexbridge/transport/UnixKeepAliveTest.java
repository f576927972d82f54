package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.rpc.MessageSource;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unix-socket connection's keep-alive against a fake server: a server that answers pings
 * keeps a quiet connection open, one that answers nothing is given up with why, an ended socket
 * is noticed by the waiting read, and silence while the reader is busy is not the server's.
 */
@Timeout(30)
class UnixKeepAliveTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final Duration TIMEOUT = Duration.ofMillis(300);

    @TempDir
    Path tmp;

    /** One upgraded server-side connection; {@code answering} runs a frame reader that answers pings. */
    private static final class Server implements AutoCloseable {
        final ServerSocketChannel listener;
        final CompletableFuture<SocketChannel> accepted = new CompletableFuture<>();
        final AtomicInteger pings = new AtomicInteger();
        final List<String> ends = new CopyOnWriteArrayList<>();
        volatile FrameWriter frames;

        Server(Path socket, boolean answering) throws IOException {
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(socket));
            Thread t = new Thread(() -> serve(answering), "fake-unix-websocket");
            t.setDaemon(true);
            t.start();
        }

        private void serve(boolean answering) {
            try {
                SocketChannel c = listener.accept();
                accepted.complete(c);
                String key = upgradeKey(c);
                c.write(ByteBuffer.wrap(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + UnixWebSocket.expectedAccept(key) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                FrameWriter out = new FrameWriter(new UnixWebSocket.ChannelOut(c), null);
                frames = out;
                UnixWebSocket.ChannelIn in = new UnixWebSocket.ChannelIn(c);
                if (!answering) {
                    byte[] drop = new byte[4096];
                    while (in.read(drop, 0, drop.length) >= 0) {
                        // a server gone quiet: takes everything, answers nothing
                    }
                    return;
                }
                // every frame the server sends here before the test's message is a pong, flushed once
                FrameWriter counting = new FrameWriter(new UnixWebSocket.ChannelOut(c) {
                    @Override
                    public void flush() {
                        pings.incrementAndGet();
                    }
                }, null);
                FrameReader reader = new FrameReader(in, null, counting, ends::add, 1 << 20);
                while (reader.next(() -> { }) != MessageSource.END) {
                    // the client sends no messages in these tests
                }
            } catch (IOException e) {
                accepted.completeExceptionally(e);
            }
        }

        private static String upgradeKey(SocketChannel c) throws IOException {
            ByteBuffer head = ByteBuffer.allocate(8192);
            String text = "";
            while (!text.contains("\r\n\r\n")) {
                if (c.read(head) < 0) {
                    throw new IOException("no upgrade");
                }
                text = new String(head.array(), 0, head.position(), StandardCharsets.ISO_8859_1);
            }
            for (String line : text.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
            throw new IOException("no key");
        }

        @Override
        public void close() throws IOException {
            listener.close();
            SocketChannel c = accepted.getNow(null);
            if (c != null) {
                c.close();
            }
        }
    }

    private UnixWebSocket open(Path socket) {
        return open(socket, TIMEOUT);
    }

    private UnixWebSocket open(Path socket, Duration timeout) {
        return UnixWebSocket.open(CodexEndpoint.unixSocket(socket).keepAlive(INTERVAL).keepAliveTimeout(timeout));
    }

    /** The reader's wait, as the peer's reader thread does it. */
    private static CompletableFuture<Integer> reading(UnixWebSocket c) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.input().next(() -> { });
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aServerThatAnswersPingsKeepsAQuietConnectionOpen() throws Exception {
        Path socket = tmp.resolve("s.sock");
        try (Server server = new Server(socket, true)) {
            // answered pings keep it open whatever the timeout; a 300 ms one is missed by an answer late on a loaded machine
            UnixWebSocket c = open(socket, Duration.ofSeconds(20));
            try {
                CompletableFuture<Integer> read = reading(c);
                Thread.sleep(1_000);    // ten intervals with nothing to say
                assertThat(read).isNotDone();
                assertThat(c.closeDetail()).isEqualTo("the connection is open");
                assertThat(server.pings.get()).as("pings went out and were answered").isGreaterThanOrEqualTo(3);
                byte[] message = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);
                server.frames.text(message, message.length, message.length);
                assertThat(read.get(60, TimeUnit.SECONDS)).isEqualTo(message.length);
            } finally {
                c.close();
            }
        }
    }

    @Test
    void aServerThatAnswersNothingEndsTheConnectionAndIsExplained() throws Exception {
        Path socket = tmp.resolve("s.sock");
        try (Server server = new Server(socket, false)) {
            UnixWebSocket c = open(socket);
            try {
                assertThat(reading(c).get(20, TimeUnit.SECONDS)).isEqualTo(MessageSource.END);
                assertThat(c.closeDetail()).contains("answered nothing, not even a WebSocket ping");
            } finally {
                c.close();
            }
        }
    }

    @Test
    void anEndedSocketEndsTheWaitingReadAndIsExplained() throws Exception {
        Path socket = tmp.resolve("s.sock");
        try (Server server = new Server(socket, true)) {
            UnixWebSocket c = open(socket);
            try {
                CompletableFuture<Integer> read = reading(c);
                server.accepted.get(60, TimeUnit.SECONDS).close();
                assertThat(read.get(20, TimeUnit.SECONDS)).isEqualTo(MessageSource.END);
                assertThat(c.closeDetail()).startsWith("the connection dropped");
            } finally {
                c.close();
            }
        }
    }

    @Test
    void silenceWhileTheReaderIsBusyIsNotTheServers() throws Exception {
        Path socket = tmp.resolve("s.sock");
        try (Server server = new Server(socket, false)) {
            UnixWebSocket c = open(socket);
            try {
                // nobody reads: the library is behind, and a quiet server is not held against it
                Thread.sleep(1_000);
                assertThat(c.closeDetail()).isEqualTo("the connection is open");
            } finally {
                c.close();
            }
        }
    }
}
