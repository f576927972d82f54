package dev.codexbridge.transport;

import dev.codexbridge.rpc.MessageSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A one-connection WebSocket server on a loopback port for unit tests: it records the upgrade
 * request's headers, answers 101 or a refusal, then reads client messages (with the project's
 * own frame reader, which unmasks) and sends frames unmasked, as a server does.
 */
final class FakeWebSocketServer implements AutoCloseable {
    private final ServerSocket listener;
    private final int refuseStatus;
    private final String refuseBody;
    private final CompletableFuture<List<String>> requestHeaders = new CompletableFuture<>();
    private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<FrameWriter> writer = new CompletableFuture<>();
    private final List<String> ends = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Socket socket;

    /** Whether the server, once upgraded, reads and drops every byte and answers nothing (not even pings). */
    private final boolean mute;

    private FakeWebSocketServer(int refuseStatus, String refuseBody) throws IOException {
        this(refuseStatus, refuseBody, false);
    }

    private FakeWebSocketServer(int refuseStatus, String refuseBody, boolean mute) throws IOException {
        this.listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        this.refuseStatus = refuseStatus;
        this.refuseBody = refuseBody;
        this.mute = mute;
        Thread t = new Thread(this::serve, "fake-websocket-server");
        t.setDaemon(true);
        t.start();
    }

    /** Accepts the upgrade. */
    static FakeWebSocketServer accepting() throws IOException {
        return new FakeWebSocketServer(0, null);
    }

    /** Accepts the upgrade, then answers nothing, not even a ping: a server gone without its connection's end arriving. */
    static FakeWebSocketServer mute() throws IOException {
        return new FakeWebSocketServer(0, null, true);
    }

    /** Answers the upgrade with {@code status} and a text body, as codex does on 401. */
    static FakeWebSocketServer refusing(int status, String body) throws IOException {
        return new FakeWebSocketServer(status, body);
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + listener.getLocalPort() + "/");
    }

    /** The upgrade request's header lines, lower-cased names. */
    List<String> requestHeaders() throws Exception {
        return requestHeaders.get(60, TimeUnit.SECONDS);
    }

    /** The next message the client sent. */
    String nextMessage() throws InterruptedException {
        String m = received.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("the client sent nothing");
        }
        return m;
    }

    FrameWriter frames() throws Exception {
        return writer.get(60, TimeUnit.SECONDS);
    }

    /** Whether a client has connected. */
    boolean connected() {
        return socket != null;
    }

    /** Drops the TCP connection without a close frame. */
    void cut() throws IOException {
        socket.close();
    }

    private void serve() {
        try (Socket s = listener.accept()) {
            socket = s;
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String key = null;
            List<String> headers = new ArrayList<>();
            // byte by byte up to the blank line, so no frame byte after it is consumed here
            java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
            int last4 = 0;
            while (last4 != 0x0d0a0d0a) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.write(b);
                last4 = (last4 << 8) | b;
            }
            for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                    headers.add(name + ": " + line.substring(colon + 1).strip());
                    if (name.equals("sec-websocket-key")) {
                        key = line.substring(colon + 1).strip();
                    }
                }
            }
            requestHeaders.complete(headers);
            if (refuseStatus != 0) {
                byte[] body = refuseBody.getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 " + refuseStatus + " Refused\r\ncontent-type: text/plain; charset=utf-8\r\n"
                        + "content-length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                return;
            }
            out.write(("HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n"
                    + "sec-websocket-accept: " + UnixWebSocket.expectedAccept(key) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            FrameWriter frames = new FrameWriter(out, null);
            writer.complete(frames);
            if (mute) {
                while (in.read(new byte[4096]) >= 0) {
                    // swallowed
                }
                return;
            }
            FrameReader messages = new FrameReader(in, null, frames, ends::add, Integer.MAX_VALUE);
            int n;
            while ((n = messages.next(() -> { })) != MessageSource.END) {
                received.add(new String(messages.buffer(), messages.offset(), n, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the client went away: the test asserts what it saw
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        Socket s = socket;
        if (s != null) {
            s.close();
        }
    }
}
