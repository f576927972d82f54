package dev.codexbridge.internal;

import dev.codexbridge.CodexException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text the library did not write — codex's method names, ids, error messages, stderr, close
 * reasons, HTTP answers, parser complaints quoting codex's input — made safe for a log line or an
 * exception message: secret-shaped values are masked ({@link #redact}) and every control
 * character is made visible ({@link #escape}), so such text can neither forge, rewrite or clear a
 * line of the host's log or terminal nor leak a credential into it.
 *
 * <p>Escaping is injective (two different texts never look the same) and reads like Java or JSON:
 * {@code \n}, {@code \r}, {@code \t}, {@code \}{@code uXXXX}. Escaped are C0, DEL, C1, the line
 * and paragraph separators, every format character (the bidi marks, embeddings, overrides and
 * isolates among them; zero-width characters) and lone surrogates: the scheme of the CLI's
 * renderer for a terminal, over a wider set of characters.
 */
public final class UntrustedText {
    private static final String MASK = "***";
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /** How deep a throwable's causes and suppressed throwables are looked at and shown. */
    private static final int MAX_DEPTH = 32;

    /**
     * What may stand right before a secret's name besides a non-word character: a terminal escape
     * sequence, or what is left of one once a parser dropped its ESC ({@code [31m}), whose last
     * letter would otherwise hide the name ({@code ESC[31mBearer …}).
     */
    private static final String AFTER_SEQUENCE = "(?:[\\[\\x9b][0-?]{0,16}[ -/]{0,2}[@-~]|\\x1b[ -/]{0,2}[0-~])";
    /** Colours and other terminal sequences between a credential's name and its value. */
    private static final String SEQUENCES = "(?:\\x1b\\[[0-?]*[ -/]*[@-~])*";
    /** What ends a credential's value besides space and punctuation: a control or format character. */
    private static final String CONTROLS = "\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}";

    /** The names a credential assignment ends in: OPENAI_API_KEY=…, db_password: …, "token": "…". */
    private static final String ASSIGNED = "(?:api[_-]?key|secret|token|password|passwd)[\"']?\\s*[:=]";

    /**
     * Secret-shaped values: API keys, bearer tokens, credential headers and assignments, known
     * token formats. Group {@code v} is what is masked. Each starts with its literal name, which
     * the search looks for first, and checks what stands before the name only where it is found.
     * A value never takes in the start of another of its own kind ({@code Bearer Bearer x},
     * {@code key= token: x}): the search goes on from there and masks the second.
     */
    private static final List<Pattern> SECRETS = List.of(
            Pattern.compile("sk-" + startsAWord("sk-") + "(?<v>[A-Za-z0-9_\\-]{6,})"),
            Pattern.compile("(?i)bearer" + startsAWord("bearer") + "\\s+(?!bearer\\s)(?<v>[A-Za-z0-9._~+/=\\-]{6,})"),
            Pattern.compile("(?i)authorization" + startsAWord("authorization") + "\\s*[:=]\\s*(?!bearer\\b)"
                    + "(?<v>(?:(?:basic|digest|token)\\s+)?" + SEQUENCES
                    + "(?:(?!authorization\\s*[:=])[^\\s,;\"'" + CONTROLS + "])+)"),
            Pattern.compile("(?<v>gh[pousr]_" + startsAWord("gh[pousr]_") + "[A-Za-z0-9]{16,})"),
            Pattern.compile("(?<v>github_pat_" + startsAWord("github_pat_") + "[A-Za-z0-9_]{16,})"),
            Pattern.compile("(?<v>xox[abprs]-" + startsAWord("xox[abprs]-") + "[A-Za-z0-9\\-]{10,})"),
            Pattern.compile("(?<v>AKIA" + startsAWord("AKIA") + "[0-9A-Z]{16})\\b"),
            // a name that merely ends in one of these words counts too
            Pattern.compile("(?i)" + ASSIGNED + "\\s*[\"']?" + SEQUENCES
                    + "(?<v>(?:(?!" + ASSIGNED + ")[^\\s\"',;}" + CONTROLS + "]){4,})"));

    /** After {@code name} has matched: it starts a word, or follows a terminal sequence. */
    private static String startsAWord(String name) {
        return "(?:(?<![A-Za-z0-9_]" + name + ")|(?<=" + AFTER_SEQUENCE + name + "))";
    }

    private UntrustedText() {
    }

    /**
     * {@code value}'s text redacted, then escaped: what a log line or an exception message may
     * show of it. Null reads {@code null}, as string concatenation would.
     */
    public static String of(Object value) {
        return value == null ? "null" : escape(redact(value.toString()));
    }

    /**
     * The message of {@code failure} for another message to quote: a {@code CodexException}'s as
     * it is (the library builds those from safe pieces, and its line breaks are its own), any other
     * through {@link #of}.
     */
    public static String messageOf(Throwable failure) {
        if (failure == null) {
            return "null";
        }
        return failure instanceof CodexException ? String.valueOf(failure.getMessage()) : of(failure.getMessage());
    }

    /**
     * Like {@link #of} for text that is a list of lines (a process's output), to end a message
     * with: each line redacted, escaped and put on a line of its own, indented, so none can pass
     * for a line of the host's log (those start at the margin). Empty for empty text.
     */
    public static String indentedLines(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (String line : text.split("\r?\n", -1)) {
            sb.append("\n  ").append(of(line));
        }
        return sb.toString();
    }

    /**
     * At most {@code maxChars} characters of {@code text} with secrets masked, marked with "…"
     * when cut; not escaped (a {@link SafeLogger} line is escaped whole). The text is redacted
     * before it is cut, so a secret across the cut is masked, not shown in part.
     */
    public static String redactedPrefix(String text, int maxChars) {
        if (text == null) {
            return null;
        }
        String redacted = redact(text);
        if (redacted.length() <= maxChars) {
            return redacted;
        }
        int end = Math.max(0, maxChars);
        if (end > 0 && Character.isHighSurrogate(redacted.charAt(end - 1))) {
            end--;
        }
        return redacted.substring(0, end) + "…";
    }

    /**
     * {@code failure} itself when every message in it (causes and suppressed throwables included)
     * is safe to show, else a stand-in with the same stack trace that shows each of them made safe,
     * with the original's class name first. For a cause that quotes codex (a parser's complaint, a
     * server's answer) and for a logged throwable: a host printing the stack trace sees no raw text.
     */
    public static Throwable shown(Throwable failure) {
        if (failure == null || safe(failure, Collections.newSetFromMap(new IdentityHashMap<>()), 0)) {
            return failure;
        }
        return EscapedFailure.of(failure, Collections.newSetFromMap(new IdentityHashMap<>()), 0, MAX_DEPTH);
    }

    private static boolean safe(Throwable t, Set<Throwable> seen, int depth) {
        if (depth > MAX_DEPTH || !seen.add(t)) {
            return true;
        }
        String text = t.toString();
        if (!of(text).equals(text)) {
            return false;
        }
        if (t.getCause() != null && !safe(t.getCause(), seen, depth + 1)) {
            return false;
        }
        for (Throwable s : t.getSuppressed()) {
            if (!safe(s, seen, depth + 1)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code text} with secret-shaped values masked; null stays null. Every rule looks at the
     * text as it came, so no value one rule takes in hides a name another recognises
     * ({@code Authorization: Basic x"password": "y"}), and a value neither runs on past a control
     * character nor takes in the start of another secret of its kind; overlapping values are masked
     * as one. Linear in the text's length.
     */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        List<int[]> spans = new ArrayList<>();
        for (Pattern secret : SECRETS) {
            Matcher m = secret.matcher(text);
            int from = 0;
            while (from < text.length() && m.find(from)) {
                spans.add(new int[] {m.start("v"), m.end("v")});
                // the next search starts inside this match, not after it: a terminal sequence between a name and
                // its value may have taken in the first letter of the next name ("api_key= ESC[4 secret='x'")
                from = m.start() + 1;
            }
        }
        if (spans.isEmpty()) {
            return text;
        }
        spans.sort(Comparator.comparingInt(span -> span[0]));
        StringBuilder sb = new StringBuilder(text.length());
        int done = 0;
        for (int[] span : spans) {
            if (span[1] <= done) {
                continue;   // inside a value masked already
            }
            if (span[0] >= done) {
                sb.append(text, done, span[0]).append(MASK);
            }
            done = span[1];
        }
        return sb.append(text, done, text.length()).toString();
    }

    /**
     * {@code text} on one line with every control character visible: {@code \n}, {@code \r} and
     * {@code \t} keep their short forms, the rest become {@code \}{@code uXXXX} (a supplementary
     * character as its two surrogates). A backslash is doubled where it would otherwise read as
     * the start of such an escape (before {@code \ n r t u}, an escaped character or the end of the
     * text), so different texts never look the same. Text of printable ASCII without backslashes
     * comes back as it is; null stays null.
     */
    public static String escape(String text) {
        return escape(text, false);
    }

    /**
     * Like {@link #escape(String)} but for text shown over several lines (an answer, a message
     * streamed as it comes): newline and tab stay as they are; everything else is escaped.
     */
    public static String escapeLines(String text) {
        return escape(text, true);
    }

    private static String escape(String text, boolean lines) {
        if (text == null) {
            return null;
        }
        int plain = 0;
        while (plain < text.length()) {
            char c = text.charAt(plain);
            if (c < 0x20 || c >= 0x7f || c == '\\') {
                break;
            }
            plain++;
        }
        if (plain == text.length()) {
            return text;
        }
        // built only once something needs escaping: text with nothing to escape comes back as it is
        StringBuilder sb = null;
        for (int i = plain; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            String replaced = null;
            boolean escaped = false;
            if (cp == '\\') {
                replaced = backslashAmbiguous(text, i + 1, lines) ? "\\\\" : null;
            } else if (isControl(cp) && !(lines && (cp == '\n' || cp == '\t'))) {
                escaped = true;
            }
            if ((replaced != null || escaped) && sb == null) {
                sb = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (sb != null) {
                if (replaced != null) {
                    sb.append(replaced);
                } else if (escaped) {
                    appendEscaped(sb, text, i, width);
                } else {
                    sb.append(text, i, i + width);
                }
            }
            i += width;
        }
        return sb == null ? text : sb.toString();
    }

    /**
     * Whether {@code codePoint} is escaped: C0, DEL, C1 (all {@code Cc}), a format character
     * ({@code Cf}: bidi controls, zero-width characters, tags), the line or paragraph separator, or
     * a surrogate that is not half of a pair.
     */
    public static boolean isControl(int codePoint) {
        switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE:
                return true;
            default:
                return false;
        }
    }

    /** Whether a backslash before position {@code next} must be doubled to read as itself. */
    private static boolean backslashAmbiguous(String text, int next, boolean lines) {
        if (next >= text.length()) {
            return true;
        }
        char n = text.charAt(next);
        boolean shownAsIs = lines && (n == '\n' || n == '\t');
        return n == '\\' || n == 'n' || n == 'r' || n == 't' || n == 'u' || isControl(text.codePointAt(next)) && !shownAsIs;
    }

    private static void appendEscaped(StringBuilder sb, String text, int at, int width) {
        char c = text.charAt(at);
        switch (c) {
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            default -> {
                for (int k = at; k < at + width; k++) {
                    char unit = text.charAt(k);
                    sb.append("\\u").append(HEX[unit >> 12]).append(HEX[(unit >> 8) & 0xf])
                            .append(HEX[(unit >> 4) & 0xf]).append(HEX[unit & 0xf]);
                }
            }
        }
    }
}
