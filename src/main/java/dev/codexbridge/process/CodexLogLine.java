package dev.codexbridge.process;

import org.slf4j.event.Level;

/**
 * One line of codex's stderr as its logger (Rust {@code tracing}, the "full" format) wrote it:
 * {@code 2026-11-22T21:29:43.598715Z  WARN span{field=1}: codex_core::client: message key=value},
 * coloured with terminal escapes even into a pipe. {@code target} is the Rust module path
 * ({@code codex_core::client}), or null when the line names none; {@code text} is the message
 * with its fields, after the spans it was logged in (if any), the timestamp dropped (the host's
 * log has its own) and the colour escapes removed.
 *
 * <p>The parser reads each character a bounded number of times, with no regular expression, so
 * a hostile line costs no more than a plain one: it sits on the stderr drain's per-line path.
 */
record CodexLogLine(Level level, String target, String text) {
    /** How far into a line the spans and the target are looked for. */
    private static final int HEAD_CHARS = 1024;
    /** A longer target is not a Rust module path codex would use. */
    private static final int MAX_TARGET_CHARS = 200;

    /** {@code raw} parsed, or null when it is not a log line of codex's (a panic, a plain notice). */
    static CodexLogLine parse(String raw) {
        String s = stripColour(raw);
        int i = skipSpaces(s, 0);
        int end = tokenEnd(s, i);
        Level level = level(s, i, end);
        if (level == null) {
            if (!timestampLike(s, i, end)) {
                return null;
            }
            i = skipSpaces(s, end);
            end = tokenEnd(s, i);
            level = level(s, i, end);
            if (level == null) {
                return null;
            }
        }
        int rest = skipSpaces(s, end);
        int first = segmentEnd(s, rest);
        if (first < 0) {
            return new CodexLogLine(level, null, s.substring(rest));
        }
        int second = segmentEnd(s, first + 2);
        boolean firstIsPath = modulePath(s, rest, first);
        boolean secondIsPath = second >= 0 && modulePath(s, first + 2, second);
        // a span without fields prints as a bare name ("turn: codex_core::codex: …"): a qualified
        // path right after a bare one is the target, the bare one the span
        if (firstIsPath && !(secondIsPath && !qualified(s, rest, first) && qualified(s, first + 2, second))) {
            return new CodexLogLine(level, s.substring(rest, first), s.substring(first + 2));
        }
        if (secondIsPath) {
            return new CodexLogLine(level, s.substring(first + 2, second),
                    s.substring(rest, first) + ": " + s.substring(second + 2));
        }
        return new CodexLogLine(level, null, s.substring(rest));
    }

    /**
     * {@code raw} without its well-formed CSI sequences ({@code ESC [ params final}: colours,
     * styles). Any other escape is left in place, for the log line to show escaped.
     */
    static String stripColour(String raw) {
        int esc = raw.indexOf('\u001b');
        if (esc < 0) {
            return raw;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        int done = 0;
        while (esc >= 0) {
            int end = csiEnd(raw, esc);
            if (end > 0) {
                sb.append(raw, done, esc);
                done = end;
                esc = raw.indexOf('\u001b', end);
            } else {
                esc = raw.indexOf('\u001b', esc + 1);
            }
        }
        return sb.append(raw, done, raw.length()).toString();
    }

    /** Where the CSI sequence at {@code at} ends (exclusive), or -1 when there is none there. */
    private static int csiEnd(String s, int at) {
        int i = at + 1;
        if (i >= s.length() || s.charAt(i) != '[') {
            return -1;
        }
        i++;
        while (i < s.length() && s.charAt(i) >= 0x30 && s.charAt(i) <= 0x3f) {
            i++;
        }
        while (i < s.length() && s.charAt(i) >= 0x20 && s.charAt(i) <= 0x2f) {
            i++;
        }
        return i < s.length() && s.charAt(i) >= 0x40 && s.charAt(i) <= 0x7e ? i + 1 : -1;
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private static int tokenEnd(String s, int i) {
        while (i < s.length() && s.charAt(i) != ' ') {
            i++;
        }
        return i;
    }

    private static Level level(String s, int from, int to) {
        return switch (to - from) {
            case 4 -> s.startsWith("WARN", from) ? Level.WARN : s.startsWith("INFO", from) ? Level.INFO : null;
            case 5 -> s.startsWith("ERROR", from) ? Level.ERROR
                    : s.startsWith("DEBUG", from) ? Level.DEBUG
                    : s.startsWith("TRACE", from) ? Level.TRACE : null;
            default -> null;
        };
    }

    /** {@code 2026-11-22T21:29:43.598715Z} or the like: a digit first, a short token. */
    private static boolean timestampLike(String s, int from, int to) {
        return to - from >= 8 && to - from <= 40 && Character.isDigit(s.charAt(from));
    }

    /**
     * Where the segment starting at {@code from} ends: the next {@code ": "} outside braces (a
     * span's fields may hold one), within the line's head; -1 when there is none.
     */
    private static int segmentEnd(String s, int from) {
        int limit = Math.min(s.length() - 1, from + HEAD_CHARS);
        int depth = 0;
        for (int i = from; i < limit; i++) {
            char c = s.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth = Math.max(0, depth - 1);
            } else if (c == ':' && depth == 0 && s.charAt(i + 1) == ' ') {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code s[from, to)} is a Rust module path: identifiers joined by {@code ::}. */
    private static boolean modulePath(String s, int from, int to) {
        if (to <= from || to - from > MAX_TARGET_CHARS) {
            return false;
        }
        boolean identStart = true;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == ':') {
                if (identStart || i + 2 >= to || s.charAt(i + 1) != ':') {
                    return false;
                }
                i++;
                identStart = true;
            } else if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!identStart && c >= '0' && c <= '9')) {
                identStart = false;
            } else {
                return false;
            }
        }
        return !identStart;
    }

    private static boolean qualified(String s, int from, int to) {
        int at = s.indexOf("::", from);
        return at >= 0 && at < to;
    }
}
