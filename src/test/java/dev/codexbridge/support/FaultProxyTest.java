package dev.codexbridge.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each failure the proxy makes is the one the live tests name: FIN, RST, silence, a pause, refusal, an outage, a schedule. */
class FaultProxyTest {
    private ServerSocket server;
    /** How each server-side connection ended, as its echo loop saw it: "eof" or the exception's message. */
    private final BlockingQueue<String> serverEnds = new LinkedBlockingQueue<>();
    private FaultProxy proxy;

    @BeforeEach
    void setUp() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    echo(s);
                } catch (IOException e) {
                    return;
                }
            }
        }, "echo-server");
        t.setDaemon(true);
        t.start();
        proxy = FaultProxy.tcp("127.0.0.1", server.getLocalPort());
    }

    @AfterEach
    void tearDown() throws IOException {
        proxy.close();
        server.close();
    }

    @Test
    void forwardsBothWays() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "hello")).isEqualTo("hello");
            assertThat(proxy.accepted()).isEqualTo(1);
        }
    }

    @Test
    void cutEndsTheConnectionInOrder() throws Exception {
        try (Socket s = connect()) {
            roundTrip(s, "a");
            proxy.cut();
            assertThat(s.getInputStream().read()).as("an orderly end of stream").isEqualTo(-1);
        }
    }

    @Test
    void resetAbortsBothSides() throws Exception {
        try (Socket s = connect()) {
            roundTrip(s, "a");
            proxy.reset();
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
            assertThat(serverEnds.poll(10, TimeUnit.SECONDS)).as("the server side was reset too").contains("reset");
        }
    }

    @Test
    void stallKeepsTheSocketOpenAndSilent() throws Exception {
        try (Socket s = connect()) {
            roundTrip(s, "a");
            proxy.stall();
            s.getOutputStream().write('b');
            s.setSoTimeout(500);
            assertThatThrownBy(() -> s.getInputStream().read()).as("no answer, no end")
                    .isInstanceOf(SocketTimeoutException.class);
            try (Socket fresh = connect()) {
                assertThat(roundTrip(fresh, "new")).as("new connections still go through").isEqualTo("new");
            }
        }
    }

    @Test
    void refuseForTurnsNewConnectionsAwayThenLetsThemIn() throws Exception {
        proxy.refuseFor(Duration.ofSeconds(30));
        try (Socket s = connect()) {
            assertThatThrownBy(() -> {
                s.getOutputStream().write('x');
                if (s.getInputStream().read() >= 0) {
                    throw new AssertionError("a refused connection answered");
                }
                throw new SocketException("end of stream");
            }).isInstanceOf(SocketException.class);
        }
        assertThat(proxy.refused()).isEqualTo(1);
        assertThat(proxy.accepted()).isZero();
        proxy.refuseFor(Duration.ZERO);
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "back")).isEqualTo("back");
        }
    }

    @Test
    void stallForHoldsTheBytesThenDeliversThemAll() throws Exception {
        try (Socket s = connect()) {
            roundTrip(s, "a");
            proxy.stallFor(Duration.ofMillis(800));
            long t0 = System.nanoTime();
            assertThat(roundTrip(s, "held")).as("nothing lost, only late").isEqualTo("held");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
            assertThat(roundTrip(s, "after")).isEqualTo("after");
        }
    }

    @Test
    void dropIsAnOutageUntilItEndsOrIsRestored() throws Exception {
        try (Socket s = connect()) {
            roundTrip(s, "a");
            proxy.drop(Duration.ofMinutes(5));
            assertThat(s.getInputStream().read()).as("the open connection ended").isEqualTo(-1);
        }
        try (Socket s = connect()) {
            assertThat(s.getInputStream().read()).as("refused during the outage").isEqualTo(-1);
        } catch (SocketException expected) {
            // reset rather than closed: refused either way
        }
        assertThat(proxy.refused()).isEqualTo(1);
        proxy.restore();
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "back")).isEqualTo("back");
        }
    }

    @Test
    void injectResetRefusesForItsLength() throws Exception {
        try (Socket s = connect()) {
            roundTrip(s, "a");
            proxy.inject(FaultProxy.Fault.RESET, Duration.ofMillis(300));
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketException.class);
        }
        Thread.sleep(400);
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "back")).as("the outage was over after its length").isEqualTo("back");
        }
    }

    @Test
    void retargetSendsNewConnectionsElsewhere() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            proxy.retarget("127.0.0.1", other.getLocalPort());
            try (Socket s = connect(); Socket there = other.accept()) {
                s.getOutputStream().write('z');
                assertThat(there.getInputStream().read()).isEqualTo('z');
            }
        }
    }

    @Test
    void forwardsBetweenUnixSockets(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("s.sock");
        try (ServerSocketChannel unixServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             FaultProxy unix = FaultProxy.unix(dir.resolve("p.sock"), target)) {
            unixServer.bind(UnixDomainSocketAddress.of(target));
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("p.sock")));
                 SocketChannel there = unixServer.accept()) {
                c.write(ByteBuffer.wrap(new byte[] {'u'}));
                ByteBuffer got = ByteBuffer.allocate(1);
                there.read(got);
                assertThat(got.array()[0]).isEqualTo((byte) 'u');
                unix.reset();
                assertThat(there.read(ByteBuffer.allocate(1))).as("a reset unix connection ends").isEqualTo(-1);
            }
        }
    }

    @Test
    void aScheduleWithTheSameSeedDrawsTheSameFaults() throws Exception {
        List<String> first = runSchedule(7);
        List<String> second = runSchedule(7);
        assertThat(first).hasSizeGreaterThanOrEqualTo(3);
        assertThat(second.subList(0, 3)).isEqualTo(first.subList(0, 3));
        assertThat(first).allMatch(e -> e.matches("(RESET|CLOSE|STALL) \\d+ms"));
    }

    private List<String> runSchedule(long seed) throws InterruptedException {
        List<String> events = new CopyOnWriteArrayList<>();
        try (FaultSchedule schedule = FaultSchedule.proxyFaults(proxy, new Random(seed), Duration.ofMillis(5),
                Duration.ofMillis(20), Duration.ofMillis(1), Duration.ofMillis(10), events::add)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (schedule.fired() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        return events;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(10_000);
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes());
        out.flush();
        byte[] buf = new byte[text.length()];
        InputStream in = s.getInputStream();
        int got = 0;
        while (got < buf.length) {
            int n = in.read(buf, got, buf.length - got);
            if (n < 0) {
                throw new IOException("ended");
            }
            got += n;
        }
        return new String(buf);
    }

    private void echo(Socket s) {
        Thread t = new Thread(() -> {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[1024];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
                serverEnds.add("eof");
            } catch (IOException e) {
                serverEnds.add(String.valueOf(e.getMessage()));
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
    }
}
