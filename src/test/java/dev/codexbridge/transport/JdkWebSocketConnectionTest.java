package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.rpc.MessageSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The JDK WebSocket client against a local fake server: headers, refusals, framing, closing. */
class JdkWebSocketConnectionTest {
    private static final String TOKEN = "unit-test-token-5d1f";

    /** The next message the connection hands the peer, as text; null at the end. */
    private static String next(JdkWebSocketConnection c) throws IOException {
        int n = c.input().next(() -> { });
        return n == MessageSource.END ? null : new String(c.input().buffer(), c.input().offset(), n, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theUpgradeCarriesTheBearerTokenAndNoOrigin() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri())
                    .token(TOKEN::toCharArray));
            try {
                assertThat(server.requestHeaders()).contains("authorization: Bearer " + TOKEN)
                        .noneMatch(h -> h.startsWith("origin:"));
            } finally {
                c.close();
            }
        }
    }

    @Test
    void aRefusedTokenIsAnAuthenticationErrorWithCodexsReasonAndWithoutTheToken() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.refusing(401, "invalid websocket bearer token")) {
            assertThatThrownBy(() -> JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()).token(TOKEN::toCharArray)))
                    .isInstanceOfSatisfying(AuthenticationException.class, e -> {
                        assertThat(e.reason()).isEqualTo("invalid websocket bearer token");
                        assertThat(e.endpoint()).isEqualTo(server.uri().toString());
                        assertThat(e.getMessage()).doesNotContain(TOKEN);
                    });
        }
    }

    @Test
    void aTokenWithAControlCharacterIsRefusedBeforeConnectingAndNeverEchoed() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            for (String token : new String[] {"SUPERSECRET-tok\u0001en", "SUPERSECRET-tok\ren", "SUPERSECRET\r\nX-Injected: yes"}) {
                assertThatThrownBy(() -> JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()).token(token::toCharArray)))
                        .isExactlyInstanceOf(TransportException.class).hasMessageContaining("printable ASCII")
                        .hasNoCause().message().doesNotContain("SUPERSECRET").doesNotContain("Injected");
            }
            assertThat(server.connected()).as("nothing was sent").isFalse();
        }
    }

    @Test
    void anOriginRefusalAndOtherAnswersAreTransportErrorsThatSaySo() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.refusing(403, "")) {
            assertThatThrownBy(() -> JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri())))
                    .isExactlyInstanceOf(TransportException.class).hasMessageContaining("Origin");
        }
        try (FakeWebSocketServer server = FakeWebSocketServer.refusing(404, "no such path")) {
            assertThatThrownBy(() -> JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri())))
                    .isExactlyInstanceOf(TransportException.class).hasMessageContaining("HTTP 404");
        }
    }

    /** TLS is the JDK's default (certificate and host name checked), no redirect is followed, no compression offered. */
    @Test
    void tlsIsNeverWeakenedAndNeitherRedirectsNorCompressionAreUsed() throws Exception {
        java.net.http.HttpClient client = JdkWebSocketConnection.httpClient();
        assertThat(client.sslContext()).isSameAs(javax.net.ssl.SSLContext.getDefault());
        assertThat(client.followRedirects()).isEqualTo(java.net.http.HttpClient.Redirect.NEVER);
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()));
            try {
                assertThat(server.requestHeaders()).noneMatch(h -> h.startsWith("sec-websocket-extensions:"));
            } finally {
                c.close();
            }
        }
        try (FakeWebSocketServer server = FakeWebSocketServer.refusing(302, "")) {
            assertThatThrownBy(() -> JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri())))
                    .isExactlyInstanceOf(TransportException.class).hasMessageContaining("HTTP 302");
        }
    }

    @Test
    void nothingListeningIsAConnectionRefusedThatNamesTheEndpoint() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        CodexEndpoint ep = CodexEndpoint.parse("ws://127.0.0.1:" + port);
        assertThatThrownBy(() -> JdkWebSocketConnection.open(ep)).isInstanceOf(TransportException.class)
                .hasMessageContaining("cannot connect to codex app-server at ws://127.0.0.1:" + port);
    }

    @Test
    void messagesGoOutWholeAndFragmentedMessagesComeInAsOne() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()));
            try {
                c.send(utf8("{\"id\":1,\"method\":\"initialize\"}"));
                c.send(utf8("{\"method\":\"initialized\"}"));
                assertThat(server.nextMessage()).isEqualTo("{\"id\":1,\"method\":\"initialize\"}");
                assertThat(server.nextMessage()).isEqualTo("{\"method\":\"initialized\"}");

                FrameWriter frames = server.frames();
                frames.frame(FrameWriter.TEXT, false, "{\"id\":1,".getBytes(StandardCharsets.UTF_8));
                frames.frame(FrameWriter.PING, true, new byte[0]);
                frames.frame(FrameWriter.CONTINUATION, true, "\n\"result\":{}}".getBytes(StandardCharsets.UTF_8));
                frames.frame(FrameWriter.TEXT, true, "{\"method\":\"x\"}".getBytes(StandardCharsets.UTF_8));
                assertThat(next(c)).isEqualTo("{\"id\":1, \"result\":{}}");
                assertThat(next(c)).isEqualTo("{\"method\":\"x\"}");

                frames.frame(FrameWriter.CLOSE, true, new byte[] {0x03, (byte) 0xE9});
                assertThat(next(c)).isNull();
                assertThat(c.closeDetail()).isEqualTo("codex app-server closed the WebSocket (code 1001)");
            } finally {
                c.close();
            }
        }
    }

    /** The limit is in bytes, as the peer counts them: a message of two-byte letters is twice its chars. */
    @Test
    void theMessageLimitCountsBytesNotChars() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()).maxMessageBytes(4096));
            try {
                FrameWriter frames = server.frames();
                byte[] wide = utf8("{\"t\":\"" + "é".repeat(3000) + "\"}");    // 3,008 chars, 6,008 bytes
                frames.frame(FrameWriter.TEXT, false, java.util.Arrays.copyOfRange(wide, 0, 3001));
                frames.frame(FrameWriter.CONTINUATION, true, java.util.Arrays.copyOfRange(wide, 3001, wide.length));
                String fits = "{\"t\":\"" + "é".repeat(2000) + "\"}";        // 4,008 bytes
                frames.frame(FrameWriter.TEXT, true, utf8(fits));
                assertThat(next(c)).isEqualTo(fits);
                assertThat(c.closeDetail()).contains("1 oversized message(s) dropped");
            } finally {
                c.close();
            }
        }
    }

    @Test
    void aLocalhostEndpointConnectsToTheLoopbackAddressItChecked() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.net.InetAddress.getAllByName("localhost")[0].getHostAddress().equals("127.0.0.1"), "localhost is 127.0.0.1 first");
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            int port = server.uri().getPort();
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.parse("ws://localhost:" + port));
            try {
                assertThat(server.requestHeaders()).contains("host: 127.0.0.1:" + port);
            } finally {
                c.close();
            }
        }
    }

    /** Each message leaves as one WebSocket message however large (the JDK client sends it in fragments). */
    @Test
    void aLargeMessageGoesOutAsOneMessage() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()));
            try {
                String big = "{\"text\":\"" + "z".repeat(3_000_000) + "\"}";
                c.send(utf8(big));
                c.send(utf8("{\"id\":3}"));
                assertThat(server.nextMessage()).isEqualTo(big);
                assertThat(server.nextMessage()).isEqualTo("{\"id\":3}");
            } finally {
                c.close();
            }
        }
    }

    @Test
    void aDroppedConnectionEndsTheInputAndIsExplained() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()));
            try {
                server.frames();
                server.cut();
                assertThat(next(c)).isNull();
                assertThat(c.closeDetail()).startsWith("the WebSocket connection dropped");
            } finally {
                c.close();
            }
            assertThat(c.closeDetail()).startsWith("the WebSocket connection dropped");
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aServerThatAnswersNoPingEndsTheConnectionAndIsExplained() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.mute()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri())
                    .keepAlive(java.time.Duration.ofMillis(200)).keepAliveTimeout(java.time.Duration.ofMillis(300)));
            try {
                long start = System.nanoTime();
                assertThat(next(c)).isNull();
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(10));
                assertThat(c.closeDetail()).contains("answered nothing, not even a WebSocket ping");
            } finally {
                c.close();
            }
        }
    }

    @Test
    void aServerThatAnswersPingsKeepsAQuietConnectionOpen() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri())
                    .keepAlive(java.time.Duration.ofMillis(100)));
            try {
                server.frames();
                Thread.sleep(1_000);    // ten keep-alive intervals without a message either way
                assertThat(c.closeDetail()).isEqualTo("the connection is open");
                byte[] message = utf8("{\"id\":1}");
                server.frames().text(message, message.length, message.length);
                assertThat(next(c)).isEqualTo("{\"id\":1}");
            } finally {
                c.close();
            }
        }
    }

    @Test
    void closingByTheClientSendsACloseFrameAndIsSaidSo() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()));
            server.frames();
            c.close();
            assertThat(c.closeDetail()).isEqualTo("closed by the client");
            assertThat(next(c)).isNull();
            assertThatThrownBy(() -> c.send(utf8("{}"))).isInstanceOf(IOException.class);
            c.close();
            assertThat(c.closeDetail()).isEqualTo("closed by the client");
        }
    }
}
