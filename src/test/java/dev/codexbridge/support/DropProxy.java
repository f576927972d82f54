package dev.codexbridge.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
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

/**
 * A loopback proxy, over TCP or a unix socket, whose connections can be dropped for a while: a
 * network outage between a client and a running app-server, the server untouched. {@link #drop}
 * closes every open connection (both ways) and closes each new one at once until the outage
 * ends, so the client's reconnect attempts fail until then.
 */
public final class DropProxy implements AutoCloseable {
    private final ServerSocketChannel listener;
    private volatile SocketAddress target;
    private final Path socket;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile long refuseUntil;

    private DropProxy(ServerSocketChannel listener, SocketAddress target, Path socket) {
        this.listener = listener;
        this.target = target;
        this.socket = socket;
        Thread t = new Thread(this::acceptLoop, "drop-proxy");
        t.setDaemon(true);
        t.start();
    }

    /** Listens on a free loopback port and forwards to {@code host:port}. */
    public static DropProxy tcp(String host, int port) throws IOException {
        ServerSocketChannel l = ServerSocketChannel.open();
        l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new DropProxy(l, new InetSocketAddress(host, port), null);
    }

    /** Listens on the unix socket {@code listenAt} and forwards to the unix socket {@code target}. */
    public static DropProxy unix(Path listenAt, Path target) throws IOException {
        ServerSocketChannel l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        l.bind(UnixDomainSocketAddress.of(listenAt));
        return new DropProxy(l, UnixDomainSocketAddress.of(target), listenAt);
    }

    /** The TCP port listened on. */
    public int port() throws IOException {
        return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    /** How many connections were forwarded so far (refused ones not counted). */
    public int accepted() {
        return accepted.get();
    }

    /** How many connections were closed at once during an outage. */
    public int refused() {
        return refused.get();
    }

    /** Drops every open connection now, and refuses new ones for {@code outage}. */
    public void drop(Duration outage) {
        refuseUntil = System.nanoTime() + outage.toNanos();
        for (SocketChannel c : open) {
            closeQuietly(c);
        }
        open.clear();
    }

    /** Ends an outage now: new connections are forwarded again. */
    public void restore() {
        refuseUntil = 0;
    }

    /** Forwards new connections to {@code host:port} from now on (say, an app-server started again elsewhere). */
    public void retarget(String host, int port) {
        target = new InetSocketAddress(host, port);
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            try {
                SocketChannel client = listener.accept();
                if (System.nanoTime() < refuseUntil) {
                    refused.incrementAndGet();
                    client.close();
                    continue;
                }
                SocketChannel server = SocketChannel.open(target);
                accepted.incrementAndGet();
                open.add(client);
                open.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                if (!listener.isOpen()) {
                    return;
                }
            }
        }
    }

    private void pump(SocketChannel from, SocketChannel to) {
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buf) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        to.write(buf);
                    }
                    buf.clear();
                }
            } catch (IOException ignored) {
                // dropped, or the other side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "drop-proxy-pump");
        t.setDaemon(true);
        t.start();
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
        drop(Duration.ZERO);
        if (socket != null) {
            Files.deleteIfExists(socket);
        }
    }
}
