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
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each failure the proxy makes is the one the live tests name: FIN, RST, silence, refusal. */
class CuttableProxyTest {
    private ServerSocket server;
    /** How each server-side connection ended, as its echo loop saw it: "eof" or the exception's message. */
    private final BlockingQueue<String> serverEnds = new LinkedBlockingQueue<>();
    private CuttableProxy proxy;

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
        proxy = CuttableProxy.to("127.0.0.1", server.getLocalPort());
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
