package dev.codexbridge.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded source of what a misbehaving (or prompt-injected) codex might put in any string it
 * sends: terminal escape sequences, carriage returns that rewrite a line, newlines that forge
 * one, C0/DEL/C1 controls, bidi overrides and invisible characters, and secret-shaped values
 * ({@code sk-…}, {@code ghp_…}, {@code Bearer …}, credential assignments). Every secret it makes
 * is remembered, so {@link #assertSafe} can tell whether any of it came out.
 *
 * <p>Every raw newline and tab it makes is followed by {@link #MARK}: the library's own line
 * breaks (between log records, in stack traces, between stderr lines in a message) never are,
 * so {@code "\n" + MARK} in an output means codex's newline got through unescaped.
 */
public final class HostileText {
    public static final char MARK = '¤';

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String[] CONTROLS = {
        "\u001b[2J", "\u001b[31m", "\u001b[0m", "\u001b]0;pwned\u0007", "\u001b[1A\u001b[2K", "\u009b2J",
        "\r", "\rcodex-bridge: all good", "\r\n" + MARK + "codex-bridge: forged line", "\n" + MARK + "WARN forged",
        "\t" + MARK, "\u0000", "\u0007", "\u0008", "\u000b", "\u000c", "\u007f", "\u0085", "\u0090",
        "\u2028", "\u2029", "\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200e", "\u200f", "\u061c",
        "\u200b", "\ufeff", "\u00ad",
    };
    private static final String[] WORDS = {
        "Error:", "codex", "turn", "thread-1", "approve", "héllo", "日本語", "ok", "{}", "{0}", "%s", "\"quoted\"",
        "\\u001b[2J", "C:\\new\\table", "…",
    };

    private final Random random;
    private final List<String> secrets = new ArrayList<>();

    public HostileText(long seed) {
        this.random = new Random(seed);
    }

    /** A hostile text of a few pieces: words, controls and secrets, each secret set apart as a value is. */
    public String next() {
        StringBuilder sb = new StringBuilder();
        int pieces = 3 + random.nextInt(6);
        for (int i = 0; i < pieces; i++) {
            switch (random.nextInt(3)) {
                case 0 -> sb.append(control());
                case 1 -> sb.append(WORDS[random.nextInt(WORDS.length)]);
                default -> {
                    // a secret stands apart, as a value does: after a space, a quote, a control,
                    // or right after a colour (whose last letter is no word boundary)
                    char last = sb.length() == 0 ? ' ' : sb.charAt(sb.length() - 1);
                    if (random.nextInt(3) == 0) {
                        sb.append("\u001b[3").append(random.nextInt(8)).append('m');
                    } else if (Character.isLetterOrDigit(last) || last == '_') {
                        sb.append(' ');
                    }
                    sb.append(secret());
                }
            }
            sb.append(random.nextBoolean() ? " " : control());
        }
        return sb.toString();
    }

    /** A short hostile text for an id or a method name: at least one control and one secret. */
    public String name() {
        return "m/" + control() + " " + secret() + " " + control();
    }

    /** One control character or escape sequence. */
    public String control() {
        if (random.nextInt(4) == 0) {
            // any C0 but newline and tab (those carry the mark), or any C1
            int c = random.nextBoolean() ? random.nextInt(0x20) : 0x80 + random.nextInt(0x20);
            if (c == '\n' || c == '\t') {
                return (char) c + String.valueOf(MARK);
            }
            return String.valueOf((char) c);
        }
        return CONTROLS[random.nextInt(CONTROLS.length)];
    }

    /** A secret-shaped value; its random part is remembered. */
    public String secret() {
        String body = random(16 + random.nextInt(16));
        secrets.add(body);
        return switch (random.nextInt(10)) {
            case 0 -> "sk-" + body;
            case 1 -> "sk-proj-" + body;
            case 2 -> "ghp_" + body + random(4);
            case 3 -> "github_pat_" + body;
            case 4 -> "Bearer " + body;
            case 5 -> "Authorization: Basic " + body;
            case 6 -> "api_key=" + body;
            case 7 -> "\"password\": \"" + body + "\"";
            case 8 -> "xoxb-" + body;
            default -> "OPENAI_API_KEY=" + body;
        };
    }

    private String random(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(ALNUM.charAt(random.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    /** The random parts of every secret made so far. */
    public List<String> secrets() {
        return List.copyOf(secrets);
    }

    /**
     * Fails unless {@code output} (log text or an exception message) holds no control character
     * but the library's own newlines and tabs, no newline or tab of codex's (see {@link #MARK}),
     * and nothing of any secret made so far (not even its first eight characters).
     */
    public void assertSafe(String where, String output) {
        for (int i = 0; i < output.length(); i++) {
            char c = output.charAt(i);
            if (isControl(c) && c != '\n' && c != '\t') {
                throw new AssertionError(String.format("%s: U+%04X at %d in:%n%s", where, (int) c, i, visible(output)));
            }
        }
        if (output.contains("\n" + MARK) || output.contains("\t" + MARK)) {
            throw new AssertionError(where + ": a raw newline or tab of codex's in:\n" + visible(output));
        }
        for (String secret : secrets) {
            if (output.contains(secret.substring(0, 8))) {
                throw new AssertionError(where + ": secret " + secret + " shows in:\n" + visible(output));
            }
        }
    }

    /** Checks a throwable's whole chain as {@code printStackTrace} would show it. */
    public void assertSafe(String where, Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        assertSafe(where, w.toString());
    }

    /**
     * The characters no log line or message may hold raw, spelled out here rather than taken from
     * the code under test: C0, DEL, C1, the line and paragraph separators, the bidi marks,
     * embeddings, overrides and isolates, and the zero-width and soft-hyphen characters.
     */
    public static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                || c == '\u200e' || c == '\u200f' || c == '\u061c'
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')
                || c == '\u200b' || c == '\ufeff' || c == '\u00ad';
    }

    /** {@code text} with its controls shown as {@code <U+XXXX>}, for a readable failure. */
    private static String visible(String text) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(isControl(c) && c != '\n' ? String.format("<U+%04X>", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }
}
