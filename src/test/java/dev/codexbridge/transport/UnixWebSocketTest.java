package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the unix-socket client sends, and to whom, before the upgrade is answered. */
class UnixWebSocketTest {
    private static final String TOKEN = "unix-test-token-81c4";
    /** A user that is neither this one nor root, for the tests that run as root. */
    private static final int OTHER_UID = 65534;

    @TempDir
    Path tmp;

    private static WebSocketAuth own(String token) {
        return new WebSocketAuth() {
            @Override
            public String bearerToken() {
                return token;
            }

            @Override
            public String describe() {
                return "vault token";
            }
        };
    }

    /** What a listener on {@code socket} received from one connection (until it closed or went quiet). */
    private static byte[] received(ServerSocketChannel listener) throws Exception {
        try (SocketChannel c = listener.accept()) {
            ByteBuffer all = ByteBuffer.allocate(64 * 1024);
            c.configureBlocking(false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < deadline && all.hasRemaining()) {
                if (c.read(all) < 0) {
                    break;
                }
                Thread.sleep(20);
            }
            byte[] out = new byte[all.position()];
            all.flip().get(out);
            return out;
        }
    }

    @Test
    void aTokenWithALineBreakIsRefusedBeforeAnythingIsSent() throws Exception {
        Path socket = tmp.resolve("codex.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            listener.configureBlocking(false);
            CodexEndpoint ep = CodexEndpoint.unixSocket(socket).auth(own(TOKEN + "\r\nX-Injected: yes"))
                    .connectTimeout(Duration.ofSeconds(1));
            assertThatThrownBy(() -> UnixWebSocket.open(ep)).isExactlyInstanceOf(TransportException.class)
                    .hasMessage("the vault token holds a line break; a bearer token must be printable ASCII (the value is not shown)");
            assertThat(listener.accept()).as("no connection was made").isNull();
            assertThat(UnixWebSocket.probe(ep, Duration.ofSeconds(1)).detail()).contains("line break").doesNotContain(TOKEN);
        }
    }

    @Test
    void theUpgradeToThisUsersSocketCarriesTheTokenAndOffersNoCompression() throws Exception {
        Path socket = tmp.resolve("codex.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            CodexEndpoint ep = CodexEndpoint.unixSocket(socket).token(TOKEN::toCharArray).connectTimeout(Duration.ofSeconds(1));
            Thread client = new Thread(() -> {
                try {
                    UnixWebSocket.open(ep).close();
                } catch (TransportException unanswered) {
                    // the listener never answers the upgrade
                }
            });
            client.start();
            String request = new String(received(listener), StandardCharsets.ISO_8859_1);
            client.join(5_000);
            assertThat(request).startsWith("GET / HTTP/1.1\r\n").contains("Authorization: Bearer " + TOKEN + "\r\n")
                    .doesNotContainIgnoringCase("Sec-WebSocket-Extensions");
        }
    }

    @Test
    void onlyThisUserAndRootMayOwnASocketThatGetsCredentials() {
        long self = SocketOwner.ownUid();
        assertThat(SocketOwner.allowed(self, self)).isTrue();
        assertThat(SocketOwner.allowed(0, self)).isTrue();
        assertThat(SocketOwner.allowed(self + 1 == 0 ? 2 : self + 1, self)).isFalse();
    }

    @Test
    void noCredentialsAreSentToASocketAnotherUserOwns() throws Exception {
        Assumptions.assumeTrue(SocketOwner.ownUid() == 0, "only root can give a socket to another user");
        Path socket = tmp.resolve("codex.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            Files.setAttribute(socket, "unix:uid", OTHER_UID);
            CodexEndpoint ep = CodexEndpoint.unixSocket(socket).token(TOKEN::toCharArray).connectTimeout(Duration.ofSeconds(1));
            assertThatThrownBy(() -> UnixWebSocket.open(ep)).isExactlyInstanceOf(TransportException.class)
                    .hasMessageContaining("refusing to send credentials to " + ep.uri())
                    .hasMessageContaining("(uid " + OTHER_UID + "), not to this user (uid 0) or root")
                    .message().doesNotContain(TOKEN);
            assertThat(new String(received(listener), StandardCharsets.ISO_8859_1)).as("nothing was sent").isEmpty();
        }
    }

    /** The file looks right (root's), but the process listening on it is another user's. */
    @Test
    void noCredentialsAreSentWhenTheListenerIsNotTheSocketsOwner() throws Exception {
        Assumptions.assumeTrue(SocketOwner.ownUid() == 0, "only root can start a listener as another user");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/python3")),
                "setpriv and python3");
        Path dir = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path socket = dir.resolve("codex.sock");
        String listen = "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); print('ready', flush=True)\n"
                + "c,_=s.accept(); c.settimeout(5); n=0\n"
                + "try:\n"
                + "    while True:\n"
                + "        d=c.recv(4096)\n"
                + "        if not d: break\n"
                + "        n+=len(d)\n"
                + "except Exception: pass\n"
                + "print(n, flush=True)\n";
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=" + OTHER_UID, "--regid=" + OTHER_UID, "--clear-groups",
                "/usr/bin/python3", "-c", listen, socket.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("ready");
            Files.setAttribute(socket, "unix:uid", 0);
            CodexEndpoint ep = CodexEndpoint.unixSocket(socket).token(TOKEN::toCharArray).connectTimeout(Duration.ofSeconds(1));
            assertThatThrownBy(() -> UnixWebSocket.open(ep)).isExactlyInstanceOf(TransportException.class)
                    .hasMessageContaining("the process listening on it runs as nobody, not as the socket's owner root")
                    .message().doesNotContain(TOKEN);
            assertThat(out.readLine()).as("bytes the listener received").isEqualTo("0");
        } finally {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
