package dev.codexbridge.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy between a client and a WebSocket app-server whose live connections can be
 * made to fail the ways a network fails, without touching the server:
 * <ul>
 *   <li>{@link #cut()} closes them in order (FIN both ways): a peer that went away politely;</li>
 *   <li>{@link #reset()} aborts them (RST both ways): a peer that crashed, a NAT or firewall that
 *       forgot the connection, a load balancer that dropped it;</li>
 *   <li>{@link #stall()} stops forwarding while the sockets stay open (bytes read and dropped):
 *       a peer gone from the network, whose end never arrives;</li>
 *   <li>{@link #refuseFor(Duration)} turns new connections away at once (accepted, then reset)
 *       for a while: a server that is not back yet.</li>
 * </ul>
 */
public final class CuttableProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Pair> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile long refuseUntil;

    /** One forwarded connection: the client's side and the server's. */
    private static final class Pair {
        final Socket client;
        final Socket server;
        volatile boolean stalled;

        Pair(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }
    }

    private CuttableProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "cuttable-proxy");
        t.setDaemon(true);
        t.start();
    }

    public static CuttableProxy to(String host, int port) throws IOException {
        return new CuttableProxy(new InetSocketAddress(host, port));
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** How many connections were accepted and forwarded so far (refused ones not counted). */
    public int accepted() {
        return accepted.get();
    }

    /** How many connections were turned away by {@link #refuseFor(Duration)}. */
    public int refused() {
        return refused.get();
    }

    /** Drops every connection now open, both ways, with FIN; new ones are still accepted. */
    public void cut() {
        for (Pair p : open) {
            closeQuietly(p.client);
            closeQuietly(p.server);
        }
        open.clear();
    }

    /**
     * Aborts every connection now open with RST, both ways ({@code SO_LINGER} 0, then close): each
     * side's next read or write fails with "connection reset". New ones are still accepted.
     */
    public void reset() {
        List<Pair> pairs = List.copyOf(open);
        open.clear();
        // both ends armed before either closes: a pump woken by the first close must not end the other with FIN
        for (Pair p : pairs) {
            lingerZero(p.client);
            lingerZero(p.server);
        }
        for (Pair p : pairs) {
            closeQuietly(p.client);
            closeQuietly(p.server);
        }
    }

    /**
     * Stops forwarding on every connection now open, both ways, while keeping its sockets open:
     * what either side sends is read and dropped, so neither hears anything again and neither
     * sees an end. New connections are forwarded as usual; {@link #cut()} or {@link #reset()}
     * end the stalled ones.
     */
    public void stall() {
        for (Pair p : open) {
            p.stalled = true;
        }
    }

    /**
     * For {@code duration} from now, every new connection is accepted and reset at once, never
     * forwarded (the client's connect or upgrade fails); open connections are not touched.
     */
    public void refuseFor(Duration duration) {
        refuseUntil = System.nanoTime() + duration.toNanos();
    }

    private boolean refusing() {
        return System.nanoTime() - refuseUntil < 0;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (refusing()) {
                    refused.incrementAndGet();
                    abort(client);
                    continue;
                }
                Socket server;
                try {
                    server = new Socket(target.getAddress(), target.getPort());
                } catch (IOException e) {
                    abort(client);      // the server is down: so is the connection through the proxy
                    continue;
                }
                accepted.incrementAndGet();
                Pair pair = new Pair(client, server);
                open.add(pair);
                pump(pair, client, server);
                pump(pair, server, client);
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    private void pump(Pair pair, Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (!pair.stalled) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException ignored) {
                // cut, reset, or the other side closed
            } finally {
                // one side ended: the pair ends, as before (a stalled pair too)
                open.remove(pair);
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "cuttable-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void abort(Socket s) {
        lingerZero(s);
        closeQuietly(s);
    }

    /** With linger 0, close sends RST instead of FIN. */
    private static void lingerZero(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // already closed: nothing left to reset
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cut();
    }
}
