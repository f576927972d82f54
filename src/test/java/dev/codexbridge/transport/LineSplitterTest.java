package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {
    private final List<String> sent = new ArrayList<>();
    private int closes;
    private final LineSplitter out = new LineSplitter(
            (message, length) -> sent.add(new String(message, 0, length, StandardCharsets.UTF_8)), () -> closes++);

    @Test
    void everyCompleteLineLeavesAsOneMessageHoweverTheBytesArrive() throws IOException {
        byte[] a = "{\"id\":1}\n{\"id\"".getBytes(StandardCharsets.UTF_8);
        byte[] b = ":2}\n\n{\"id\":3".getBytes(StandardCharsets.UTF_8);
        out.write(a, 0, a.length);
        out.write(b, 0, b.length);
        assertThat(sent).containsExactly("{\"id\":1}", "{\"id\":2}");
        out.write('}');
        out.write('\n');
        assertThat(sent).containsExactly("{\"id\":1}", "{\"id\":2}", "{\"id\":3}");
    }

    @Test
    void aLargeLineGrowsTheBufferAndArrivesWhole() throws IOException {
        String big = "{\"text\":\"" + "z".repeat(3_000_000) + "\"}";
        byte[] bytes = (big + "\n").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 16 * 1024) {
            out.write(bytes, i, Math.min(16 * 1024, bytes.length - i));
        }
        assertThat(sent).containsExactly(big);
    }

    @Test
    void closingClosesTheConnectionOnceAndRefusesLaterWrites() {
        out.close();
        out.close();
        assertThat(closes).isEqualTo(1);
        assertThatThrownBy(() -> out.write('x')).isInstanceOf(IOException.class);
    }
}
