package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The JDK WebSocket client against a local fake server: headers, refusals, framing, closing. */
class JdkWebSocketConnectionTest {
    private static final String TOKEN = "unit-test-token-5d1f";

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
    void linesGoOutAsMessagesAndFragmentedMessagesComeInAsOneLine() throws Exception {
        try (FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
            JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()));
            try {
                c.output().write("{\"id\":1,\"method\":\"initialize\"}\n{\"method\":\"initialized\"}\n"
                        .getBytes(StandardCharsets.UTF_8));
                assertThat(server.nextMessage()).isEqualTo("{\"id\":1,\"method\":\"initialize\"}");
                assertThat(server.nextMessage()).isEqualTo("{\"method\":\"initialized\"}");

                FrameWriter frames = server.frames();
                frames.frame(FrameWriter.TEXT, false, "{\"id\":1,".getBytes(StandardCharsets.UTF_8));
                frames.frame(FrameWriter.PING, true, new byte[0]);
                frames.frame(FrameWriter.CONTINUATION, true, "\n\"result\":{}}".getBytes(StandardCharsets.UTF_8));
                frames.frame(FrameWriter.TEXT, true, "{\"method\":\"x\"}".getBytes(StandardCharsets.UTF_8));
                BufferedReader in = new BufferedReader(new InputStreamReader(c.input(), StandardCharsets.UTF_8));
                assertThat(in.readLine()).isEqualTo("{\"id\":1, \"result\":{}}");
                assertThat(in.readLine()).isEqualTo("{\"method\":\"x\"}");

                frames.frame(FrameWriter.CLOSE, true, new byte[] {0x03, (byte) 0xE9});
                assertThat(in.readLine()).isNull();
                assertThat(c.closeDetail()).isEqualTo("codex app-server closed the WebSocket (code 1001)");
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
                assertThat(c.input().read()).isEqualTo(-1);
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
                    .keepAlive(java.time.Duration.ofMillis(200)));
            try {
                long start = System.nanoTime();
                assertThat(c.input().read()).isEqualTo(-1);
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
                byte[] message = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);
                server.frames().text(message, message.length, message.length);
                byte[] line = new byte[9];
                assertThat(c.input().readNBytes(line, 0, 9)).isEqualTo(9);
                assertThat(new String(line, StandardCharsets.UTF_8)).isEqualTo("{\"id\":1}\n");
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
            assertThat(c.input().read()).isEqualTo(-1);
            assertThatThrownBy(() -> c.output().write("{}\n".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(java.io.IOException.class);
        }
    }
}
