package dev.codexbridge.transport;

import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.MessageSource;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A WebSocket over a unix domain socket: codex's {@code --listen unix://} speaks the same
 * WebSocket protocol as its TCP listener (an HTTP/1.1 upgrade, then one JSON-RPC message per text
 * message), and the JDK's WebSocket client cannot ride a unix socket. So this is a small client
 * side of RFC 6455 over a {@link SocketChannel}: the upgrade, each message out as masked text
 * frames, text and continuation frames in (read by the peer's reader thread itself, each message
 * handed over whole, see {@link FrameReader}), ping answered with pong, close answered with close.
 * No extensions, no subprotocols. The end of the socket reaches the blocked read at once; a
 * server that stops answering (a stopped or hung process) is found by the endpoint's keep-alive
 * ({@link KeepAlive}), whose pings codex answers on this socket as on its TCP listener.
 * Credentials go only to a socket this user or root owns ({@link SocketOwner}).
 */
final class UnixWebSocket implements RemoteConnection {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_RESPONSE_HEAD = 16 * 1024;
    /** Outbound messages leave in fragments of at most this many bytes (codex announces 16 MiB). */
    static final int SEND_FRAGMENT_BYTES = 1024 * 1024;

    private final CodexEndpoint endpoint;
    private final SocketChannel channel;
    private final FrameReader input;
    private final FrameWriter writer;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set once the connection ended, by whichever side noticed first: its reason is the one kept. */
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile String closeDetail = "the connection is open";
    private final KeepAlive keepAlive;

    private UnixWebSocket(CodexEndpoint endpoint, SocketChannel channel, byte[] leftover) {
        this.endpoint = endpoint;
        this.channel = channel;
        this.writer = new FrameWriter(new ChannelOut(channel), new SecureRandom());
        this.input = new FrameReader(new ChannelIn(channel), leftover, writer, this::remoteClosed, endpoint.maxMessageBytes());
        // silence counts only while the reader waits on the socket: otherwise it is busy with what came
        this.keepAlive = new KeepAlive(endpoint.keepAlive(), endpoint.keepAliveTimeout(), () -> !input.waitingForServer(),
                () -> closed.get() || ended.get(), this::ping, this::dead);
        input.onBytes(keepAlive::heard);
    }

    static UnixWebSocket open(CodexEndpoint endpoint) {
        String authorization = BearerHeader.value(endpoint.auth());
        SocketChannel channel = connect(endpoint);
        try {
            if (authorization != null) {
                SocketOwner.check(endpoint.socketPath(), channel, endpoint.uri().toString());
            }
            byte[] leftover = upgrade(endpoint, channel, authorization);
            UnixWebSocket connection = new UnixWebSocket(endpoint, channel, leftover);
            connection.keepAlive.start();
            return connection;
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** A unix socket serves no HTTP paths, so ready means: the upgrade completes. */
    static EndpointStatus probe(CodexEndpoint endpoint, Duration timeout) {
        SocketChannel channel;
        String authorization;
        try {
            authorization = BearerHeader.value(endpoint.auth());
            channel = connect(endpoint.connectTimeout(timeout));
        } catch (TransportException e) {
            return EndpointStatus.unreachable(e.getMessage());
        }
        try {
            if (authorization != null) {
                SocketOwner.check(endpoint.socketPath(), channel, endpoint.uri().toString());
            }
            upgrade(endpoint.connectTimeout(timeout), channel, authorization);
            FrameWriter w = new FrameWriter(new ChannelOut(channel), new SecureRandom());
            w.close(1000);
            return new EndpointStatus(true, 101, "the WebSocket upgrade on " + endpoint.uri() + " completed");
        } catch (AuthenticationException e) {
            return new EndpointStatus(false, 401, "the upgrade was refused: " + UntrustedText.of(e.reason()));
        } catch (TransportException | IOException e) {
            return EndpointStatus.unreachable(e.getMessage());
        } finally {
            closeQuietly(channel);
        }
    }

    private static SocketChannel connect(CodexEndpoint endpoint) {
        try {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(endpoint.socketPath()));
                return channel;
            } catch (IOException e) {
                closeQuietly(channel);
                throw e;
            }
        } catch (IOException e) {
            throw new TransportException("cannot connect to codex app-server at " + endpoint.uri() + ": "
                    + CodexEndpoint.describe(e) + "; is it running (codex app-server --listen " + endpoint.uri() + ")?",
                    UntrustedText.shown(e));
        }
    }

    /**
     * Sends the upgrade request, with {@code authorization} ({@link BearerHeader}, checked) when not
     * null, and reads the answer; returns bytes read past the header.
     */
    private static byte[] upgrade(CodexEndpoint endpoint, SocketChannel channel, String authorization) {
        byte[] nonce = new byte[16];
        new SecureRandom().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        StringBuilder request = new StringBuilder()
                .append("GET / HTTP/1.1\r\n")
                .append("Host: localhost\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        if (authorization != null) {
            request.append("Authorization: ").append(authorization).append("\r\n");
        }
        request.append("\r\n");
        // a server that accepts the connection and then says nothing must not hang the caller
        ScheduledFuture<?> deadline = RpcThreads.timer().schedule(() -> closeQuietly(channel),
                endpoint.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            write(channel, request.toString().getBytes(StandardCharsets.US_ASCII));
            ByteBuffer head = ByteBuffer.allocate(MAX_RESPONSE_HEAD);
            int end;
            while ((end = headerEnd(head)) < 0) {
                if (!head.hasRemaining()) {
                    throw new TransportException("codex app-server at " + endpoint.uri() + " sent an over-long HTTP answer");
                }
                if (channel.read(head) < 0) {
                    throw new TransportException("codex app-server at " + endpoint.uri()
                            + " closed the connection during the WebSocket upgrade");
                }
            }
            String text = new String(head.array(), 0, end, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n");
            int status = statusOf(lines[0]);
            byte[] rest = Arrays.copyOfRange(head.array(), end + 4, head.position());
            if (status == 101) {
                String accept = header(lines, "sec-websocket-accept");
                if (!expectedAccept(key).equals(accept)) {
                    throw new TransportException("codex app-server at " + endpoint.uri()
                            + " answered the upgrade with a wrong Sec-WebSocket-Accept");
                }
                return rest;
            }
            String reason = UntrustedText.redactedPrefix(new String(rest, StandardCharsets.UTF_8).strip(), 200);
            if (status == 401) {
                throw new AuthenticationException(endpoint.uri().toString(), endpoint.auth().describe(), reason);
            }
            throw new TransportException("codex app-server at " + endpoint.uri() + " answered HTTP " + status
                    + " instead of a WebSocket upgrade" + (reason.isEmpty() ? "" : ": " + UntrustedText.of(reason)));
        } catch (IOException e) {
            throw new TransportException("the WebSocket upgrade on " + endpoint.uri() + " failed: "
                    + (channel.isOpen() ? CodexEndpoint.describe(e) : "no answer within "
                    + endpoint.connectTimeout().toMillis() + " ms"), UntrustedText.shown(e));
        } finally {
            deadline.cancel(false);
        }
    }

    private static int headerEnd(ByteBuffer head) {
        byte[] a = head.array();
        for (int i = 0; i + 3 < head.position(); i++) {
            if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int statusOf(String statusLine) {
        String[] parts = statusLine.split(" ", 3);
        try {
            return parts.length >= 2 ? Integer.parseInt(parts[1]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String header(String[] lines, String name) {
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name)) {
                return lines[i].substring(colon + 1).strip();
            }
        }
        return null;
    }

    static String expectedAccept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    @Override
    public MessageSource input() {
        return input;
    }

    /** One message as masked text frames (the writer's lock keeps the reader thread's pongs out of it). */
    @Override
    public void send(byte[] message) throws IOException {
        if (closed.get()) {
            throw new IOException("the connection is closed");
        }
        writer.text(message, message.length, SEND_FRAGMENT_BYTES);
    }

    @Override
    public String closeDetail() {
        return closeDetail;
    }

    private void remoteClosed(String detail) {
        keepAlive.stop();
        if (!closed.get() && ended.compareAndSet(false, true)) {
            closeDetail = detail;
        }
    }

    /**
     * A keep-alive ping, written on the waits pool (the library's own blocking steps): a write may
     * block while the server reads nothing, and neither the timer that asks for it nor the callback
     * pool's short steps may wait behind it.
     */
    private CompletionStage<?> ping() {
        return CompletableFuture.runAsync(() -> {
            try {
                writer.ping();
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, RpcThreads.waits());
    }

    /** The server is gone without a word: the socket is closed, which ends the reader's wait, with why. */
    private void dead(String why) {
        if (closed.get() || !ended.compareAndSet(false, true)) {
            return;
        }
        closeDetail = why;
        closeQuietly(channel);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        keepAlive.stop();
        if (ended.compareAndSet(false, true)) {
            closeDetail = "closed by the client";
        }
        try {
            writer.close(1000);
        } catch (IOException e) {
            // the socket is already gone: nothing to say goodbye to
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a dead socket
        }
    }

    /**
     * Reads a channel without {@code Channels.newInputStream}, whose streams share one lock on
     * JDK 17, so a blocked read would stall every write (ping answers, requests).
     */
    static final class ChannelIn extends InputStream {
        private final SocketChannel channel;

        ChannelIn(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            try {
                return channel.read(ByteBuffer.wrap(b, off, len));
            } catch (ClosedChannelException e) {
                return -1;
            }
        }
    }

    static class ChannelOut extends OutputStream {
        private final SocketChannel channel;

        ChannelOut(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }
}
