package dev.codexbridge.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.CodexException;
import dev.codexbridge.support.HostileText;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Redaction and escaping of text the library did not write, and safe stand-ins for throwables. */
class UntrustedTextTest {
    /** Letters that matter to the escaping: backslash, the escape letters, controls of each kind, surrogates. */
    private static final String ALPHABET = "\\nrtuxA0 é日\u001b\r\n\t\u0000\u007f\u0085\u009b\u2028\u2029\u202e\u2066\u200f"
            + "\u061c\u200b\ufeff\ud800\udc00\ud83d\ude00";

    @Test
    void everyKindOfControlIsShownVisibly() {
        assertThat(UntrustedText.escape("a\u001b[2Jb")).isEqualTo("a\\u001b[2Jb");
        assertThat(UntrustedText.escape("ok\rcodex-bridge: all good")).isEqualTo("ok\\rcodex-bridge: all good");
        assertThat(UntrustedText.escape("one\ntwo\tthree")).isEqualTo("one\\ntwo\\tthree");
        assertThat(UntrustedText.escape("\u0000\u007f\u0085\u009b")).isEqualTo("\\u0000\\u007f\\u0085\\u009b");
        assertThat(UntrustedText.escape("\u2028\u2029\u202e\u2066\u200e\u061c\u200b\ufeff"))
                .isEqualTo("\\u2028\\u2029\\u202e\\u2066\\u200e\\u061c\\u200b\\ufeff");
        assertThat(UntrustedText.escape("lone \ud800 half")).isEqualTo("lone \\ud800 half");
        assertThat(UntrustedText.escape("tag \udb40\udc41")).isEqualTo("tag \\udb40\\udc41"); // U+E0041, a format character
    }

    @Test
    void printableTextIsLeftAsItIs() {
        for (String text : new String[] {"plain ASCII: {} %s \"q\"", "héllo 日本語 😀 …", "C:\\path\\file", ""}) {
            assertThat(UntrustedText.escape(text)).isEqualTo(text);
        }
        assertThat(UntrustedText.escape(null)).isNull();
        assertThat(UntrustedText.of(null)).isEqualTo("null");
    }

    @Test
    void aBackslashIsDoubledOnlyWhereItCouldReadAsAnEscape() {
        assertThat(UntrustedText.escape("\\u001b")).isEqualTo("\\\\u001b");
        assertThat(UntrustedText.escape("\\n \\\\ \\")).isEqualTo("\\\\n \\\\\\ \\\\");
        assertThat(UntrustedText.escape("\\\u001b")).isEqualTo("\\\\\\u001b");
        assertThat(UntrustedText.escape("C:\\path")).isEqualTo("C:\\path");
    }

    /** Over seeded random texts: nothing raw comes out, and the text reads back, so no two texts look the same. */
    @Test
    void escapingIsVisibleAndInjective() {
        Random random = new Random(26);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(24);
            for (int k = 0; k < n; k++) {
                sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            String text = sb.toString();
            String out = UntrustedText.escape(text);
            for (int k = 0; k < out.length(); k++) {
                char c = out.charAt(k);
                assertThat(HostileText.isControl(c) || Character.isSurrogate(c) && !pairedAt(out, k))
                        .as("U+%04X left in %s (from %s)", (int) c, out, text).isFalse();
            }
            assertThat(decode(out)).as("%s escaped as %s", text, out).isEqualTo(text);
        }
    }

    private static boolean pairedAt(String s, int k) {
        char c = s.charAt(k);
        return Character.isHighSurrogate(c) ? k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1))
                : k > 0 && Character.isHighSurrogate(s.charAt(k - 1));
    }

    /** The reading the escaping promises: \\ \n \r \t \\uXXXX, any other backslash as itself. */
    private static String decode(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                sb.append(c);
                continue;
            }
            char next = s.charAt(i + 1);
            switch (next) {
                case '\\' -> sb.append('\\');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                    i += 4;
                }
                default -> {
                    sb.append(c);
                    continue;
                }
            }
            i++;
        }
        return sb.toString();
    }

    @Test
    void secretShapedValuesAreMasked() {
        assertThat(UntrustedText.redact("using key sk-proj-AbC123xyz789 now")).isEqualTo("using key sk-*** now");
        assertThat(UntrustedText.redact("Authorization: Bearer eyJhbGciOi.payload.sig")).isEqualTo("Authorization: Bearer ***");
        assertThat(UntrustedText.redact("gh token ghp_0123456789abcdefABCDEF")).isEqualTo("gh token ***");
        assertThat(UntrustedText.redact("pat github_pat_11ABCDEFG0123456789_abcdefXYZ")).isEqualTo("pat ***");
        assertThat(UntrustedText.of("\u001b[31mBearer abcdef123456\r")).isEqualTo("\\u001b[31mBearer ***\\r");
        // right after a colour, or what a parser left of one: the colour's letter is no word boundary
        assertThat(UntrustedText.redact("\u001b[36mghp_0123456789abcdefABCDEF")).isEqualTo("\u001b[36m***");
        assertThat(UntrustedText.redact("\"[36mghp_0123456789abcdefABCDEF")).isEqualTo("\"[36m***");
        assertThat(UntrustedText.redact("\u001bMsk-ABCDEFGH1234")).isEqualTo("\u001bMsk-***");
        // inside a word it is no secret
        assertThat(UntrustedText.redact("risk-assessment")).isEqualTo("risk-assessment");
    }

    @Test
    void aValueNeverHidesTheNextSecret() {
        assertThat(UntrustedText.redact("api_key= token: ABCDEFGH1234")).isEqualTo("api_key= token: ***");
        assertThat(UntrustedText.redact("Bearer Bearer ABCDEFGH1234")).isEqualTo("Bearer Bearer ***");
        assertThat(UntrustedText.redact("Authorization: Basic AAAA\u2066Authorization: Basic BBBB"))
                .isEqualTo("Authorization: ***\u2066Authorization: ***");
        assertThat(UntrustedText.redact("Authorization: Basic AAAA\"password\": \"BBBBBB\""))
                .isEqualTo("Authorization: ***\"password\": \"***\"");
        assertThat(UntrustedText.redact("password=mysecretpass")).isEqualTo("password=***");
    }

    /**
     * Masking is linear in the text's length: a megabyte of what its rules look for takes well under a few seconds of
     * this thread's CPU time, which other work on the machine does not add to (backtracking over the rest of the text at
     * each match would take minutes).
     */
    @Test
    void redactionIsLinear() {
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        assertThat(cpu.isCurrentThreadCpuTimeSupported()).as("this thread's CPU time can be read").isTrue();
        for (String text : new String[] {"token=".repeat(170_000), "Authorization: ".repeat(70_000), "a".repeat(1_000_000),
                "Bearer ".repeat(150_000), "[1m".repeat(300_000)}) {
            long t0 = cpu.getCurrentThreadCpuTime();
            UntrustedText.of(text);
            assertThat(Duration.ofNanos(cpu.getCurrentThreadCpuTime() - t0)).as(text.substring(0, 12)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void everyHostileTextComesOutSafe() {
        for (int seed = 0; seed < 2000; seed++) {
            HostileText h = new HostileText(seed);
            h.assertSafe("of", UntrustedText.of(h.next()));
            h.assertSafe("indented lines", UntrustedText.indentedLines(h.next() + "\n" + h.next()));
        }
    }

    @Test
    void aPreviewMasksASecretBeforeCuttingIt() {
        String text = "x".repeat(195) + " sk-ABCDEFGH12345678 and more";
        assertThat(UntrustedText.redactedPrefix(text, 200)).isEqualTo("x".repeat(195) + " sk-*…");
        assertThat(UntrustedText.redactedPrefix("short", 200)).isEqualTo("short");
    }

    @Test
    void linesKeepTheirBreaksIndentedAndEscapeTheRest() {
        assertThat(UntrustedText.indentedLines("npm ERR! one\r\nnpm ERR! \u001b[31mtwo\nWARN forged"))
                .isEqualTo("\n  npm ERR! one\n  npm ERR! \\u001b[31mtwo\n  WARN forged");
        assertThat(UntrustedText.indentedLines("")).isEmpty();
    }

    @Test
    void aLibraryMessageIsQuotedAsItIsAnyOtherMadeSafe() {
        assertThat(UntrustedText.messageOf(new CodexException("line one\n  line two"))).isEqualTo("line one\n  line two");
        assertThat(UntrustedText.messageOf(new IOException("bad\rline sk-ABCDEFGH1234"))).isEqualTo("bad\\rline sk-***");
        assertThat(UntrustedText.messageOf(null)).isEqualTo("null");
    }

    @Test
    void aThrowableWithSafeMessagesIsShownAsItIs() {
        IOException plain = new IOException("connection refused", new IllegalStateException("plain"));
        assertThat(UntrustedText.shown(plain)).isSameAs(plain);
        assertThat(UntrustedText.shown(null)).isNull();
    }

    @Test
    void aThrowableWithUnsafeMessagesIsShownByAStandInWithItsStackTrace() {
        IllegalStateException inner = new IllegalStateException("inner \u001b[2J token=SECRETVALUE1");
        IOException outer = new IOException("outer\rforged", inner);
        outer.addSuppressed(new RuntimeException("suppressed \u202e"));
        inner.initCause(outer); // a cycle must not loop

        Throwable shown = UntrustedText.shown(outer);
        assertThat(shown).isNotSameAs(outer);
        assertThat(shown.toString()).isEqualTo("java.io.IOException: outer\\rforged");
        assertThat(shown.getStackTrace()).isEqualTo(outer.getStackTrace());
        assertThat(shown.getCause().toString()).isEqualTo("java.lang.IllegalStateException: inner \\u001b[2J token=***");
        assertThat(shown.getCause().getCause()).isNull();
        assertThat(shown.getSuppressed()).singleElement().asString().isEqualTo("java.lang.RuntimeException: suppressed \\u202e");
        StringWriter printed = new StringWriter();
        shown.printStackTrace(new PrintWriter(printed));
        assertThat(printed.toString()).doesNotContain("\r", "\u001b", "\u202e", "SECRETVALUE1")
                .contains("Caused by: java.lang.IllegalStateException", "Suppressed: java.lang.RuntimeException", "\tat ");
    }
}
