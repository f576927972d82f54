package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.rpc.MessageSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The unix socket's WebSocket framing: the messages the peer reads, and what goes back to the server. */
class FrameCodecTest {
    private static final int MAX = 1 << 20;
    private final ByteArrayOutputStream fromServer = new ByteArrayOutputStream();
    private final FrameWriter server = new FrameWriter(fromServer, null);
    private final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
    private final FrameWriter client = new FrameWriter(toServer, new Random(7));
    private final List<String> ends = new ArrayList<>();

    private FrameReader reader(byte[] leftover) {
        return new FrameReader(new ByteArrayInputStream(fromServer.toByteArray()), leftover, client, ends::add, MAX);
    }

    /** Every message the reader hands over until the end, as text; an over-long one as {@code <oversized>}. */
    private static List<String> readAll(FrameReader in) throws IOException {
        List<String> messages = new ArrayList<>();
        int n;
        while ((n = in.next(() -> { })) != MessageSource.END) {
            messages.add(n == MessageSource.OVERSIZED ? "<oversized>"
                    : new String(in.buffer(), in.offset(), n, StandardCharsets.UTF_8));
        }
        return messages;
    }

    /** Delivers at most {@code readSize} bytes per read. */
    private static InputStream chunked(byte[] input, int readSize) {
        ByteArrayInputStream in = new ByteArrayInputStream(input);
        return new InputStream() {
            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return in.read(b, off, Math.min(readSize, len));
            }
        };
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void textMessagesArriveWholeOneEachAndFragmentsAreJoined() throws IOException {
        server.frame(FrameWriter.TEXT, true, utf8("{\"id\":1}"));
        server.frame(FrameWriter.TEXT, false, utf8("{\"method\":"));
        server.frame(FrameWriter.CONTINUATION, false, utf8("\"turn/"));
        server.frame(FrameWriter.CONTINUATION, true, utf8("started\"}"));
        assertThat(readAll(reader(null))).containsExactly("{\"id\":1}", "{\"method\":\"turn/started\"}");
        assertThat(ends).containsExactly("the connection dropped without a close frame");
    }

    @Test
    void rawNewlinesInsideAMessageBecomeSpacesSoAMessageIsAlwaysOneLine() throws IOException {
        server.frame(FrameWriter.TEXT, true, utf8("{\n  \"id\": 1,\r\n  \"result\": {}\n}"));
        server.frame(FrameWriter.TEXT, false, utf8("{\n\"id\":"));
        server.frame(FrameWriter.CONTINUATION, true, utf8("\r\n2}"));
        assertThat(readAll(reader(null))).containsExactly("{   \"id\": 1,    \"result\": {} }", "{ \"id\":  2}");
    }

    @Test
    void longPayloadsUseTheExtendedLengthForms() throws IOException {
        String mid = "x".repeat(300);
        String big = "y".repeat(70_000);
        server.frame(FrameWriter.TEXT, true, utf8(mid));
        server.frame(FrameWriter.TEXT, true, utf8(big));
        assertThat(readAll(reader(null))).containsExactly(mid, big);
    }

    /** Messages in one frame or in many, read whole or a few bytes at a time, come out the same. */
    @Test
    void messagesComeOutWholeHoweverTheBytesArrive() throws IOException {
        List<String> sent = new ArrayList<>();
        java.util.Random random = new java.util.Random(17);
        for (int i = 0; i < 60; i++) {
            String m = "{\"n\":" + i + ",\"t\":\"" + "é".repeat(random.nextInt(300)) + "\"}";
            byte[] b = utf8(m);
            int fragments = 1 + random.nextInt(3);
            int from = 0;
            for (int f = 1; f <= fragments; f++) {
                int to = f == fragments ? b.length : from + random.nextInt(b.length - from + 1);
                server.frame(f == 1 ? FrameWriter.TEXT : FrameWriter.CONTINUATION, f == fragments,
                        java.util.Arrays.copyOfRange(b, from, to));
                from = to;
            }
            if (i % 7 == 0) {
                server.frame(FrameWriter.PING, true, utf8("p" + i));
            }
            sent.add(m);
        }
        byte[] wire = fromServer.toByteArray();
        for (int readSize : new int[] {1, 2, 5, 64, 1000, 1 << 16}) {
            FrameReader r = new FrameReader(chunked(wire, readSize), null,
                    new FrameWriter(new ByteArrayOutputStream(), new Random(1)), ends::add, MAX);
            assertThat(readAll(r)).as("read size %d", readSize).isEqualTo(sent);
        }
    }

    @Test
    void aMessageOverTheLimitIsReportedAndTheNextOneArrives() throws IOException {
        server.frame(FrameWriter.TEXT, true, utf8("x".repeat(50)));
        server.frame(FrameWriter.TEXT, false, utf8("y".repeat(8)));
        server.frame(FrameWriter.CONTINUATION, true, utf8("y".repeat(8)));
        server.frame(FrameWriter.TEXT, false, utf8("w".repeat(10)));
        server.frame(FrameWriter.CONTINUATION, true, utf8("w".repeat(10)));
        server.frame(FrameWriter.TEXT, true, utf8("z".repeat(16)));
        server.frame(FrameWriter.TEXT, true, utf8("{}"));
        for (int readSize : new int[] {3, 1 << 16}) {
            FrameReader r = new FrameReader(chunked(fromServer.toByteArray(), readSize), null, client, ends::add, 16);
            assertThat(readAll(r)).containsExactly("<oversized>", "y".repeat(16), "<oversized>", "z".repeat(16), "{}");
        }
    }

    @Test
    void bytesReadPastTheUpgradeAnswerAreTheFirstFrames() throws IOException {
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        new FrameWriter(first, null).frame(FrameWriter.TEXT, true, utf8("{\"a\":1}"));
        server.frame(FrameWriter.TEXT, true, utf8("{\"b\":2}"));
        assertThat(readAll(reader(first.toByteArray()))).containsExactly("{\"a\":1}", "{\"b\":2}");
    }

    @Test
    void aPingIsAnsweredWithAPongCarryingItsPayloadAndBinaryMessagesAreSkipped() throws IOException {
        server.frame(FrameWriter.PING, true, utf8("are-you-there"));
        server.frame(0x2, false, new byte[] {1, 2, 3});
        server.frame(FrameWriter.CONTINUATION, true, new byte[] {4});
        server.frame(FrameWriter.TEXT, true, utf8("{}"));
        assertThat(readAll(reader(null))).containsExactly("{}");
        List<Frame> sent = decode(toServer.toByteArray());
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).opcode).isEqualTo(FrameWriter.PONG);
        assertThat(sent.get(0).masked).isTrue();
        assertThat(new String(sent.get(0).payload, StandardCharsets.UTF_8)).isEqualTo("are-you-there");
    }

    @Test
    void aCloseFrameEndsTheStreamAndIsAnsweredWithItsCode() throws IOException {
        server.frame(FrameWriter.TEXT, true, utf8("{\"last\":true}"));
        ByteArrayOutputStream close = new ByteArrayOutputStream();
        close.write(new byte[] {0x03, (byte) 0xE9});
        close.write(utf8("going away"));
        server.frame(FrameWriter.CLOSE, true, close.toByteArray());
        server.frame(FrameWriter.TEXT, true, utf8("{\"after\":\"close\"}"));
        assertThat(readAll(reader(null))).containsExactly("{\"last\":true}");
        assertThat(ends).containsExactly("codex app-server closed the WebSocket (code 1001, going away)");
        List<Frame> sent = decode(toServer.toByteArray());
        assertThat(sent).extracting(f -> f.opcode).containsExactly(FrameWriter.CLOSE);
        assertThat(sent.get(0).payload).containsExactly(0x03, 0xE9);
    }

    @Test
    void aConnectionCutInsideAMessageEndsTheStreamAndSaysSo() throws IOException {
        server.frame(FrameWriter.TEXT, true, utf8("{\"complete\":1}"));
        byte[] whole = fromServer.toByteArray();
        server.frame(FrameWriter.TEXT, true, utf8("{\"cut\":\"short\"}"));
        byte[] all = fromServer.toByteArray();
        byte[] truncated = java.util.Arrays.copyOf(all, whole.length + 6);
        FrameReader r = new FrameReader(new ByteArrayInputStream(truncated), null, client, ends::add, MAX);
        assertThat(readAll(r)).startsWith("{\"complete\":1}");
        assertThat(ends).containsExactly("the connection dropped in the middle of a message");
    }

    @Test
    void outgoingMessagesAreMaskedTextFramesFragmentedAtTheLimit() throws IOException {
        byte[] message = utf8("{\"method\":\"turn/start\",\"params\":{\"input\":\"héllo wörld\"}}");
        client.text(message, message.length, 16);
        List<Frame> sent = decode(toServer.toByteArray());
        assertThat(sent.get(0).opcode).isEqualTo(FrameWriter.TEXT);
        assertThat(sent.subList(1, sent.size())).allSatisfy(f -> assertThat(f.opcode).isEqualTo(FrameWriter.CONTINUATION));
        assertThat(sent).allSatisfy(f -> assertThat(f.masked).isTrue());
        assertThat(sent).extracting(f -> f.fin).containsOnly(false, true).last().isEqualTo(true);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        sent.forEach(f -> joined.writeBytes(f.payload));
        assertThat(joined.toByteArray()).isEqualTo(message);
        // and the reader, which unmasks as a test server would, sees the one message
        FrameReader asServer = new FrameReader(new ByteArrayInputStream(toServer.toByteArray()), null,
                new FrameWriter(new ByteArrayOutputStream(), null), ends::add, MAX);
        assertThat(readAll(asServer)).containsExactly(new String(message, StandardCharsets.UTF_8));
    }

    @Test
    void nothingIsSentAfterTheCloseFrame() throws IOException {
        client.close(1000);
        client.close(1000);
        client.pong(new byte[0]);
        assertThat(decode(toServer.toByteArray())).extracting(f -> f.opcode).containsExactly(FrameWriter.CLOSE);
    }

    private record Frame(int opcode, boolean fin, boolean masked, byte[] payload) {
    }

    /** A server's reading of client frames, written independently of {@link FrameReader}. */
    private static List<Frame> decode(byte[] bytes) {
        List<Frame> frames = new ArrayList<>();
        int i = 0;
        while (i < bytes.length) {
            int b0 = bytes[i++] & 0xff;
            int b1 = bytes[i++] & 0xff;
            long len = b1 & 0x7f;
            if (len == 126) {
                len = ((bytes[i++] & 0xff) << 8) | (bytes[i++] & 0xff);
            } else if (len == 127) {
                len = 0;
                for (int k = 0; k < 8; k++) {
                    len = (len << 8) | (bytes[i++] & 0xff);
                }
            }
            boolean masked = (b1 & 0x80) != 0;
            byte[] mask = new byte[4];
            if (masked) {
                System.arraycopy(bytes, i, mask, 0, 4);
                i += 4;
            }
            byte[] payload = new byte[(int) len];
            for (int k = 0; k < len; k++) {
                payload[k] = (byte) (bytes[i + k] ^ mask[k & 3]);
            }
            i += (int) len;
            frames.add(new Frame(b0 & 0x0f, (b0 & 0x80) != 0, masked, payload));
        }
        return frames;
    }
}
