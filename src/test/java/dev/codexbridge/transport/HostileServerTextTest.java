package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.codexbridge.rpc.MessageSource;
import dev.codexbridge.support.HostileText;
import dev.codexbridge.support.LogCapture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What an app-server says in its own words — the body of a refused upgrade, the reason of a
 * close frame — over seeded hostile strings ({@link HostileText}): exceptions, close details and
 * log lines show it with control characters escaped and secrets masked.
 */
class HostileServerTextTest {
    private static final int ROUNDS = 10;

    /** A close reason fits in 123 bytes: a control, a secret, a control. */
    private static String reason(HostileText h) {
        String r = h.control() + " " + h.secret() + " " + h.control();
        while (r.getBytes(StandardCharsets.UTF_8).length > 123) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }

    private static byte[] closePayload(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        return payload;
    }

    @Test
    void aRefusedUpgradeShowsTheServersAnswerSafely() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            HostileText h = new HostileText(6000 + round);
            for (int status : new int[] {401, 500}) {
                String logged;
                Throwable refused;
                try (LogCapture log = LogCapture.start();
                     FakeWebSocketServer server = FakeWebSocketServer.refusing(status, h.next())) {
                    refused = catchThrowable(() -> JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri())));
                    logged = log.text();
                }
                assertThat(refused).isInstanceOf(TransportException.class).hasMessageContaining(status == 401 ? "refused" : "HTTP 500");
                h.assertSafe("HTTP " + status + " in round " + round, refused);
                h.assertSafe("log of HTTP " + status + " in round " + round, logged);
                if (refused instanceof AuthenticationException auth) {
                    h.assertSafe("the reason of round " + round, auth.reason().replaceAll("\\p{Cc}|\\p{Cf}|\\p{Zl}|\\p{Zp}", ""));
                }
            }
        }
    }

    @Test
    void aCloseFramesReasonIsShownSafely() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            HostileText h = new HostileText(7000 + round);
            String logged;
            String detail;
            try (LogCapture log = LogCapture.start(); FakeWebSocketServer server = FakeWebSocketServer.accepting()) {
                JdkWebSocketConnection c = JdkWebSocketConnection.open(CodexEndpoint.websocket(server.uri()));
                try {
                    server.frames().frame(FrameWriter.CLOSE, true, closePayload(4000, reason(h)));
                    while (c.input().next(() -> { }) != MessageSource.END) {
                        // nothing but the close is sent
                    }
                    detail = c.closeDetail();
                } finally {
                    c.close();
                }
                logged = log.text();
            }
            assertThat(detail).startsWith("codex app-server closed the WebSocket (code 4000, ");
            h.assertSafe("close detail of round " + round, detail);
            h.assertSafe("log of round " + round, logged);
        }
    }

    /** The unix-socket client reads frames itself: the same close, through its own reader. */
    @Test
    void aCloseFramesReasonReadByTheFrameReaderIsShownSafely() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            HostileText h = new HostileText(8000 + round);
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            new FrameWriter(wire, null).frame(FrameWriter.CLOSE, true, closePayload(4001, reason(h)));
            List<String> ends = new ArrayList<>();
            FrameReader reader = new FrameReader(new ByteArrayInputStream(wire.toByteArray()), null,
                    new FrameWriter(new ByteArrayOutputStream(), null), ends::add, Integer.MAX_VALUE);
            assertThat(reader.next(() -> { })).isEqualTo(MessageSource.END);
            assertThat(ends).singleElement().asString().startsWith("codex app-server closed the WebSocket (code 4001, ");
            h.assertSafe("close reason of round " + round, ends.get(0));
        }
    }
}
