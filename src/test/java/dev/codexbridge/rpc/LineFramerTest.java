package dev.codexbridge.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineFramerTest {
    private static final Runnable NOTHING = () -> { };

    private static List<String> readAll(InputStream in, int max) throws IOException {
        LineFramer r = new LineFramer(in, max);
        List<String> out = new ArrayList<>();
        int n;
        while ((n = r.next(NOTHING)) != MessageSource.END) {
            out.add(n == MessageSource.OVERSIZED ? "<oversized>" : new String(r.buffer(), r.offset(), n, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Delivers one byte per read, the worst case for reassembly. */
    private static InputStream trickle(String s) {
        return chunked(s.getBytes(StandardCharsets.UTF_8), 1);
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

    @Test
    void splitsOnNewlinesDropsCarriageReturnsAndKeepsALastUnterminatedLine() throws IOException {
        assertThat(readAll(new ByteArrayInputStream("a\r\nb\n\nc".getBytes(StandardCharsets.UTF_8)), 100))
                .containsExactly("a", "b", "", "c");
    }

    @Test
    void reassemblesLinesDeliveredOneByteAtATime() throws IOException {
        assertThat(readAll(trickle("héllo\nwörld\n"), 100)).containsExactly("héllo", "wörld");
    }

    @Test
    void reportsOverLongLinesAndCarriesOn() throws IOException {
        String s = "ok\n" + "x".repeat(50) + "\nfine\n" + "y".repeat(11) + "\n" + "z".repeat(10) + "\n";
        assertThat(readAll(trickle(s), 10)).containsExactly("ok", "<oversized>", "fine", "<oversized>", "z".repeat(10));
    }

    @Test
    void anOverLongLastLineWithoutNewlineIsStillReportedOversized() throws IOException {
        assertThat(readAll(new ByteArrayInputStream("w".repeat(20).getBytes(StandardCharsets.UTF_8)), 10))
                .containsExactly("<oversized>");
    }

    @Test
    void handlesLinesLargerThanTheReadChunk() throws IOException {
        String big = "q".repeat(300_000);
        assertThat(readAll(new ByteArrayInputStream((big + "\nend\n").getBytes(StandardCharsets.UTF_8)), 1 << 20))
                .containsExactly(big, "end");
    }

    /** Lines of every length, with bytes that differ from a newline in one bit or are far from ASCII, read in reads of every size. */
    @Test
    void findsEveryNewlineWhateverTheBytesAroundItAndTheReadSizes() throws IOException {
        java.util.Random random = new java.util.Random(13);
        byte[] alphabet = {'a', '{', '"', (byte) 0x8a, (byte) 0x0b, (byte) 0x1a, (byte) 0xff, (byte) 0x80, (byte) 0x09, '\r'};
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        List<byte[]> expected = new ArrayList<>();
        for (int line = 0; line < 400; line++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                b[i] = alphabet[random.nextInt(alphabet.length - 1)];   // no \r: a trailing one would be dropped
            }
            expected.add(b);
            all.write(b, 0, b.length);
            all.write('\n');
        }
        byte[] input = all.toByteArray();
        for (int readSize : new int[] {1, 3, 7, 8, 9, 64, 1 << 16}) {
            LineFramer r = new LineFramer(chunked(input, readSize), 1 << 20);
            for (byte[] want : expected) {
                int n = r.next(NOTHING);
                assertThat(java.util.Arrays.copyOfRange(r.buffer(), r.offset(), r.offset() + n)).as("read size %d", readSize).isEqualTo(want);
            }
            assertThat(r.next(NOTHING)).isEqualTo(MessageSource.END);
        }
    }
}
