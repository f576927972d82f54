package dev.codexbridge.transport;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.MessageSource;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * {@code ws://} and {@code wss://} through the JDK's {@link WebSocket}: one JSON-RPC message per
 * text message (fragments reassembled as UTF-8, bounded in bytes by {@link TextMessageBuffer}),
 * queued whole for the peer's reader, demand granted one
 * message at a time through {@link WebSocket#request} and withheld while the {@link MessageQueue}
 * is full. No
 * {@code Origin} header is sent: codex answers 403 to any request that has one. A server silent
 * for the endpoint's {@link CodexEndpoint#keepAlive() keep-alive} gets a ping (codex answers
 * them); one that answers nothing for its {@link CodexEndpoint#keepAliveTimeout() timeout} too
 * ends the connection, said so ({@link KeepAlive}). A reset connection is reported by the JDK's
 * read at once; should the read miss it, the next ping's write fails.
 */
final class JdkWebSocketConnection implements RemoteConnection {
    private static final Logger LOG = SafeLogger.getLogger(JdkWebSocketConnection.class);
    /** Outbound messages leave in fragments of at most this many chars (codex reads 16 MiB frames). */
    static final int SEND_FRAGMENT_CHARS = 1024 * 1024;
    private static final long CLOSE_GRACE_MILLIS = 2000;
    private static final int ABNORMAL_CLOSURE = 1006;

    private final CodexEndpoint endpoint;
    private final MessageQueue input;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong droppedMessages = new AtomicLong();
    private volatile WebSocket socket;
    private volatile String closeDetail = "the connection is open";
    private final KeepAlive keepAlive;

    private JdkWebSocketConnection(CodexEndpoint endpoint) {
        this.endpoint = endpoint;
        this.input = new MessageQueue(endpoint.inboundBufferBytes(), () -> {
            WebSocket ws = socket;
            if (ws != null) {
                ws.request(1);
            }
        });
        this.keepAlive = new KeepAlive(endpoint.keepAlive(), endpoint.keepAliveTimeout(), input::holdingBack,
                this::ended,
                () -> socket.sendPing(ByteBuffer.allocate(0)), this::dead);
    }

    /**
     * One client for every connection: its selector thread (and the one socket the JDK's client
     * keeps for it) is shared for the JVM's lifetime, not one per app-server.
     */
    static HttpClient httpClient() {
        return Shared.CLIENT;
    }

    private static final class Shared {
        static final HttpClient CLIENT = HttpClient.newBuilder()
                .executor(RpcThreads.callbacks())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    static JdkWebSocketConnection open(CodexEndpoint endpoint) {
        URI target = endpoint.connectTarget(InetAddress::getAllByName);
        JdkWebSocketConnection connection = new JdkWebSocketConnection(endpoint);
        WebSocket.Builder builder = httpClient().newWebSocketBuilder().connectTimeout(endpoint.connectTimeout());
        String authorization = BearerHeader.value(endpoint.auth());
        if (authorization != null) {
            try {
                builder.header("Authorization", authorization);
            } catch (IllegalArgumentException e) {
                // the JDK's message quotes the value: neither it nor the exception is passed on
                throw new TransportException("the JDK refused the Authorization header built from the "
                        + endpoint.auth().describe() + " (the value is not shown)");
            }
        }
        CompletableFuture<WebSocket> opening = builder.buildAsync(target, connection.new Listener());
        try {
            // the builder's connect timeout covers the TCP connect; this bounds the upgrade too
            connection.socket = opening.get(endpoint.connectTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
            connection.keepAlive.start();
        } catch (ExecutionException e) {
            throw connection.refusal(e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException e) {
            opening.cancel(true);
            throw new TransportException("codex app-server at " + endpoint.uri() + " did not complete the WebSocket "
                    + "upgrade within " + endpoint.connectTimeout().toMillis() * 2 + " ms");
        } catch (InterruptedException e) {
            opening.cancel(true);
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while connecting to " + endpoint.uri());
        }
        return connection;
    }

    /** Whether no more input will come: closed here, ended there, or the socket's input closed. */
    private boolean ended() {
        WebSocket ws = socket;
        return closed.get() || input.ended() || ws == null || ws.isInputClosed();
    }

    /** The server is gone without a word: the input ends with why, and the socket is dropped. */
    private void dead(String why) {
        keepAlive.stop();
        if (closed.get() || input.ended()) {
            return;
        }
        closeDetail = why;
        LOG.warn("[{}] {}", endpoint.label(), why);
        input.end(null);
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    private TransportException refusal(Throwable failure) {
        if (failure instanceof WebSocketHandshakeException handshake) {
            HttpResponse<?> response = handshake.getResponse();
            int status = response == null ? 0 : response.statusCode();
            String reason = bodyText(response);
            if (status == 401) {
                return new AuthenticationException(endpoint.uri().toString(), endpoint.auth().describe(), reason);
            }
            if (status == 403) {
                return new TransportException("codex app-server at " + endpoint.uri() + " answered HTTP 403 to the "
                        + "WebSocket upgrade: codex refuses requests that carry an Origin header, so a proxy in "
                        + "between may be adding one");
            }
            return new TransportException("codex app-server at " + endpoint.uri() + " answered HTTP " + status
                    + " instead of a WebSocket upgrade" + (reason.isEmpty() ? "" : ": " + UntrustedText.of(reason))
                    + "; is an app-server listening there (codex app-server --listen " + endpoint.uri() + ")?");
        }
        if (failure instanceof HttpConnectTimeoutException) {
            return new TransportException("cannot connect to codex app-server at " + endpoint.uri() + " within "
                    + endpoint.connectTimeout().toMillis() + " ms", UntrustedText.shown(failure));
        }
        if (failure instanceof ConnectException) {
            return new TransportException("cannot connect to codex app-server at " + endpoint.uri()
                    + ": connection refused; is it running (codex app-server --listen " + endpoint.uri() + ")?",
                    UntrustedText.shown(failure));
        }
        return new TransportException("cannot connect to codex app-server at " + endpoint.uri() + ": "
                + CodexEndpoint.describe(failure), UntrustedText.shown(failure));
    }

    /**
     * Codex's refusal text is short static prose (e.g. "invalid websocket bearer token"); at most
     * 200 characters of it are kept, secrets masked (messages escape it).
     */
    private static String bodyText(HttpResponse<?> response) {
        Object body = response == null ? null : response.body();
        String text = body instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                : body instanceof String s ? s : "";
        return UntrustedText.redactedPrefix(text.strip(), 200);
    }

    @Override
    public MessageSource input() {
        return input;
    }

    @Override
    public String closeDetail() {
        long dropped = droppedMessages.get();
        return closeDetail + (dropped > 0 ? " (" + dropped + " oversized message(s) dropped)" : "");
    }

    /** One message as one text message, in fragments; returns once the socket took the last. */
    @Override
    public void send(byte[] message) throws IOException {
        if (closed.get()) {
            throw new IOException("the connection is closed");
        }
        WebSocket ws = socket;
        if (ws == null || ws.isOutputClosed()) {
            throw new IOException("the WebSocket is closed");
        }
        String text = new String(message, StandardCharsets.UTF_8);
        try {
            int from = 0;
            do {
                int to = Math.min(text.length(), from + SEND_FRAGMENT_CHARS);
                if (to < text.length() && Character.isHighSurrogate(text.charAt(to - 1))) {
                    to--; // never split a surrogate pair between two frames
                }
                ws.sendText(text.subSequence(from, to), to == text.length()).get();
                from = to;
            } while (from < text.length());
        } catch (ExecutionException e) {
            throw new IOException("sending to codex failed: " + CodexEndpoint.describe(e.getCause() == null ? e : e.getCause()),
                    UntrustedText.shown(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending to codex");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (closeDetail.equals("the connection is open")) {
            closeDetail = "closed by the client";
        }
        keepAlive.stop();
        input.close();
        WebSocket ws = socket;
        if (ws == null) {
            return;
        }
        if (ws.isOutputClosed()) {
            ws.abort();
            return;
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((r, e) -> {
            if (e != null) {
                ws.abort();
            }
        });
        // a server that never answers the close frame must not keep the socket open
        RpcThreads.timer().schedule(() -> {
            if (!ws.isInputClosed()) {
                ws.abort();
            }
        }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Runs on the HTTP client's executor; never blocks. */
    private final class Listener implements WebSocket.Listener {
        private final TextMessageBuffer partial = new TextMessageBuffer(endpoint.maxMessageBytes());

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            keepAlive.heard();
            partial.append(data);
            if (!last) {
                webSocket.request(1);
                return null;
            }
            byte[] message = partial.finish();
            if (message == null) {
                long n = droppedMessages.incrementAndGet();
                LOG.warn("[{}] dropped an inbound message larger than {} bytes ({} so far)", endpoint.label(),
                        endpoint.maxMessageBytes(), n);
                webSocket.request(1);
                return null;
            }
            input.offer(message);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            keepAlive.heard();
            webSocket.request(1);   // the JDK answers the ping itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            keepAlive.heard();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            keepAlive.heard();
            if (last) {
                LOG.warn("[{}] ignored a binary message: codex sends JSON-RPC as text", endpoint.label());
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (!closed.get() && !input.ended()) {
                // 1006 is the JDK's word for "no close frame": the TCP connection just ended
                closeDetail = statusCode == ABNORMAL_CLOSURE
                        ? "the WebSocket connection dropped without a close frame (codex exited or the network failed)"
                        : "codex app-server closed the WebSocket (code " + statusCode
                        + (reason == null || reason.isEmpty() ? "" : ", " + UntrustedText.of(reason)) + ")";
            }
            keepAlive.stop();
            input.end(null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            if (!closed.get() && !input.ended()) {
                closeDetail = "the WebSocket connection dropped: " + CodexEndpoint.describe(error);
            }
            keepAlive.stop();
            input.end(null);
        }
    }
}
