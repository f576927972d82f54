package dev.codexbridge.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback proxy, over TCP or a unix socket, between a client and an app-server, whose
 * connections fail the ways a network fails while the server is untouched:
 * <ul>
 *   <li>{@link #cut()} closes them in order (FIN both ways): a peer that went away politely;</li>
 *   <li>{@link #reset()} aborts them (RST both ways; on a unix socket, a plain close): a peer that
 *       crashed, a NAT or firewall that forgot the connection, a load balancer that dropped it;</li>
 *   <li>{@link #stall()} stops forwarding for good while the sockets stay open (bytes read and
 *       dropped): a peer gone from the network, whose end never arrives;</li>
 *   <li>{@link #stallFor(Duration)} holds every byte for a while, then delivers it: a network that
 *       pauses (nothing lost, only late);</li>
 *   <li>{@link #refuseFor(Duration)} turns new connections away at once (accepted, then aborted):
 *       a server that is not back yet; {@link #drop(Duration)} is an outage, a cut and a refusal.</li>
 * </ul>
 * {@link #inject} applies one {@link Fault} for a duration; a {@link FaultSchedule} injects them at
 * random on a seeded schedule.
 */
public final class FaultProxy implements AutoCloseable {
    /** The kinds of fault {@link #inject} applies. */
    public enum Fault {
        /** Every open connection reset; new ones refused for the duration. */
        RESET,
        /** Every open connection closed in order; new ones refused for the duration. */
        CLOSE,
        /** Every open connection held silent for the duration, then forwarded again with nothing lost. */
        STALL
    }

    private final ServerSocketChannel listener;
    private final Path socket;
    private volatile SocketAddress target;
    private final List<Pair> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile long refuseUntil;

    /** One forwarded connection: the client's side and the server's. */
    private static final class Pair {
        final SocketChannel client;
        final SocketChannel server;
        /** Black hole: read and drop, for good. */
        volatile boolean stalled;
        /** Hold forwarding until this {@code nanoTime} (0: not held). */
        volatile long heldUntil;

        Pair(SocketChannel client, SocketChannel server) {
            this.client = client;
            this.server = server;
        }
    }

    private FaultProxy(ServerSocketChannel listener, SocketAddress target, Path socket) {
        this.listener = listener;
        this.target = target;
        this.socket = socket;
        Thread t = new Thread(this::acceptLoop, "fault-proxy");
        t.setDaemon(true);
        t.start();
    }

    /** Listens on a free loopback port and forwards to {@code host:port}. */
    public static FaultProxy tcp(String host, int port) throws IOException {
        ServerSocketChannel l = ServerSocketChannel.open();
        l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        return new FaultProxy(l, new InetSocketAddress(host, port), null);
    }

    /** Listens on the unix socket {@code listenAt} and forwards to the unix socket {@code target}. */
    public static FaultProxy unix(Path listenAt, Path target) throws IOException {
        ServerSocketChannel l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        l.bind(UnixDomainSocketAddress.of(listenAt));
        return new FaultProxy(l, UnixDomainSocketAddress.of(target), listenAt);
    }

    /** The TCP port listened on. */
    public int port() {
        try {
            return ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException("the proxy's listener is closed", e);
        }
    }

    /** How many connections were accepted and forwarded so far (refused ones not counted). */
    public int accepted() {
        return accepted.get();
    }

    /** How many connections were turned away by {@link #refuseFor} or {@link #drop}. */
    public int refused() {
        return refused.get();
    }

    /** Forwards new connections to {@code host:port} from now on (say, an app-server started again elsewhere). */
    public void retarget(String host, int port) {
        target = new InetSocketAddress(host, port);
    }

    /** Drops every connection now open, both ways, with FIN; new ones are still accepted. */
    public void cut() {
        List<Pair> pairs = List.copyOf(open);
        open.removeAll(pairs);
        for (Pair p : pairs) {
            closeQuietly(p.client);
            closeQuietly(p.server);
        }
    }

    /**
     * Aborts every connection now open with RST, both ways ({@code SO_LINGER} 0, then close): each
     * side's next read or write fails with "connection reset". New ones are still accepted.
     */
    public void reset() {
        List<Pair> pairs = List.copyOf(open);
        open.removeAll(pairs);
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
     * Stops forwarding on every connection now open, both ways, for good, while keeping its
     * sockets open: what either side sends is read and dropped, so neither hears anything again
     * and neither sees an end. New connections are forwarded as usual; {@link #cut()} or
     * {@link #reset()} end the stalled ones.
     */
    public void stall() {
        for (Pair p : open) {
            p.stalled = true;
        }
    }

    /**
     * Holds every connection now open silent for {@code duration}, both ways, then forwards again:
     * nothing is read meanwhile (the bytes wait in the sockets' buffers), so nothing is lost.
     */
    public void stallFor(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        for (Pair p : open) {
            p.heldUntil = until;
        }
    }

    /**
     * For {@code duration} from now, every new connection is accepted and aborted at once, never
     * forwarded (the client's connect or upgrade fails); open connections are not touched.
     */
    public void refuseFor(Duration duration) {
        refuseUntil = System.nanoTime() + duration.toNanos();
    }

    /** An outage: drops every open connection now (FIN), and refuses new ones for {@code outage}. */
    public void drop(Duration outage) {
        refuseFor(outage);
        cut();
    }

    /** Ends an outage now: new connections are forwarded again. */
    public void restore() {
        refuseUntil = System.nanoTime();
    }

    /** Applies one fault for {@code duration} (see {@link Fault}); returns at once. */
    public void inject(Fault fault, Duration duration) {
        switch (fault) {
            case RESET -> {
                refuseFor(duration);
                reset();
            }
            case CLOSE -> {
                refuseFor(duration);
                cut();
            }
            case STALL -> stallFor(duration);
        }
    }

    private boolean refusing() {
        return System.nanoTime() - refuseUntil < 0;
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!listener.isOpen()) {
                    return;
                }
                continue;
            }
            if (refusing()) {
                refused.incrementAndGet();
                abort(client);
                continue;
            }
            SocketChannel server;
            try {
                server = SocketChannel.open(target);
            } catch (IOException e) {
                abort(client);      // the server is down: so is the connection through the proxy
                continue;
            }
            accepted.incrementAndGet();
            Pair pair = new Pair(client, server);
            open.add(pair);
            pump(pair, client, server);
            pump(pair, server, client);
        }
    }

    private void pump(Pair pair, SocketChannel from, SocketChannel to) {
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            try {
                while (true) {
                    awaitRelease(pair);
                    if (from.read(buf) < 0) {
                        break;
                    }
                    buf.flip();
                    if (!pair.stalled) {
                        awaitRelease(pair);     // a stall that began while this read waited holds these bytes too
                        while (buf.hasRemaining()) {
                            to.write(buf);
                        }
                    }
                    buf.clear();
                }
            } catch (IOException ignored) {
                // cut, reset, or the other side closed
            } finally {
                // one side ended: the pair ends (a stalled or held pair too)
                open.remove(pair);
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "fault-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void awaitRelease(Pair pair) {
        long until;
        while ((until = pair.heldUntil) != 0 && System.nanoTime() - until < 0 && pair.client.isOpen()) {
            LockSupport.parkNanos(Math.min(until - System.nanoTime(), 5_000_000L));
        }
    }

    private static void abort(SocketChannel c) {
        lingerZero(c);
        closeQuietly(c);
    }

    /** With linger 0, close sends RST instead of FIN (TCP only; a unix socket just closes). */
    private static void lingerZero(SocketChannel c) {
        try {
            if (c.supportedOptions().contains(StandardSocketOptions.SO_LINGER)) {
                c.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException ignored) {
            // already closed: nothing left to reset
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cut();
        if (socket != null) {
            Files.deleteIfExists(socket);
        }
    }
}
