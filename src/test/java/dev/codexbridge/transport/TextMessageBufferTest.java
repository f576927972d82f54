package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextMessageBufferTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void partsBecomeOneUtf8MessageWithRawNewlinesAsSpaces() {
        TextMessageBuffer b = new TextMessageBuffer(1024);
        b.append("{\"a\":\n");
        b.append("\"é€\",\r\"b\":1}");
        assertThat(b.finish()).isEqualTo(utf8("{\"a\": \"é€\", \"b\":1}"));
        b.append("{}");
        assertThat(b.finish()).as("the buffer starts afresh").isEqualTo(utf8("{}"));
    }

    @Test
    void aSurrogatePairSplitBetweenPartsIsJoinedAndALoneOneIsAQuestionMark() {
        TextMessageBuffer b = new TextMessageBuffer(1024);
        b.append("a\uD83D");
        b.append("\uDE00b");
        assertThat(b.finish()).isEqualTo(utf8("a\uD83D\uDE00b"));
        for (String lone : new String[] {"x\uD83Dy", "x\uDE00y", "x\uD83D"}) {
            b.append(lone);
            assertThat(b.finish()).as(lone).isEqualTo(utf8(lone));
        }
    }

    @Test
    void theLimitIsInBytesAndAMessageOverItIsDroppedWithoutBeingHeld() {
        TextMessageBuffer b = new TextMessageBuffer(10);
        b.append("ééééé");                 // 5 chars, 10 bytes: fits exactly
        assertThat(b.finish()).isEqualTo(utf8("ééééé"));
        b.append("éééé");
        b.append("éé");                     // 6 chars, 12 bytes
        assertThat(b.length()).isZero();
        b.append("more that is not kept");
        assertThat(b.length()).isZero();
        assertThat(b.finish()).isNull();
        b.append("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00");   // 3 code points, 12 bytes
        assertThat(b.finish()).isNull();
        b.append("ok");
        assertThat(b.finish()).isEqualTo(utf8("ok"));
    }

    @Test
    void aLargeMessageGrowsTheBufferOnlyUpToTheLimit() {
        TextMessageBuffer b = new TextMessageBuffer(100_000);
        String part = "€".repeat(1000);   // 3,000 bytes a part
        for (int i = 0; i < 33; i++) {
            b.append(part);
        }
        assertThat(b.length()).isEqualTo(99_000);
        assertThat(b.finish()).hasSize(99_000);
    }
}
