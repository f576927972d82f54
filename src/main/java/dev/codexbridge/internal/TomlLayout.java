package dev.codexbridge.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Line-level facts about a TOML document that tomlj does not expose: where the first table header
 * is. Works on lines with their terminators kept, so slicing and joining reproduces the input
 * byte for byte. Only called on text tomlj has accepted, so it need not diagnose bad TOML; it does
 * track multi-line strings and open arrays/inline tables, whose lines may start with {@code [}.
 * Shared by the migrator's managed block and the tenants' template block, which both go before
 * the first table.
 */
public final class TomlLayout {
    private TomlLayout() {
    }

    /** Splits after each {@code \n}; the last element may lack one. Empty text gives no lines. */
    public static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    /** A line without its terminator. */
    public static String content(String line) {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\n') {
            end--;
        }
        if (end > 0 && line.charAt(end - 1) == '\r') {
            end--;
        }
        return line.substring(0, end);
    }

    /** Index of the first {@code [table]} or {@code [[array]]} header line, or -1 if there is none. */
    public static int firstTableHeader(List<String> lines) {
        Scanner s = new Scanner();
        for (int i = 0; i < lines.size(); i++) {
            String line = content(lines.get(i));
            if (s.atTopLevel() && line.stripLeading().startsWith("[")) {
                return i;
            }
            s.scan(line);
        }
        return -1;
    }

    /**
     * Where a block of root keys and tables goes: before the first table header, and before the
     * blank and comment lines directly above it (a comment above a table belongs to that table).
     * At the end when there is no table.
     */
    public static int insertionLine(List<String> lines) {
        int header = firstTableHeader(lines);
        if (header < 0) {
            return lines.size();
        }
        int at = header;
        while (at > 0) {
            String above = content(lines.get(at - 1)).strip();
            if (above.isEmpty() || above.startsWith("#")) {
                at--;
            } else {
                break;
            }
        }
        return at;
    }

    /** Tracks strings and bracket depth across lines. */
    private static final class Scanner {
        private enum State { NORMAL, MULTI_BASIC, MULTI_LITERAL }

        private State state = State.NORMAL;
        private int depth;

        boolean atTopLevel() {
            return state == State.NORMAL && depth == 0;
        }

        void scan(String line) {
            int i = 0;
            int n = line.length();
            while (i < n) {
                char c = line.charAt(i);
                switch (state) {
                    case MULTI_BASIC -> {
                        if (c == '\\') {
                            i += 2;
                            continue;
                        }
                        if (line.startsWith("\"\"\"", i)) {
                            state = State.NORMAL;
                            i += 3;
                            while (i < n && line.charAt(i) == '"') {
                                i++;
                            }
                            continue;
                        }
                        i++;
                    }
                    case MULTI_LITERAL -> {
                        if (line.startsWith("'''", i)) {
                            state = State.NORMAL;
                            i += 3;
                            while (i < n && line.charAt(i) == '\'') {
                                i++;
                            }
                            continue;
                        }
                        i++;
                    }
                    case NORMAL -> {
                        if (c == '#') {
                            return;
                        }
                        if (line.startsWith("\"\"\"", i)) {
                            state = State.MULTI_BASIC;
                            i += 3;
                        } else if (line.startsWith("'''", i)) {
                            state = State.MULTI_LITERAL;
                            i += 3;
                        } else if (c == '"') {
                            i = skipBasic(line, i + 1);
                        } else if (c == '\'') {
                            int close = line.indexOf('\'', i + 1);
                            i = close < 0 ? n : close + 1;
                        } else {
                            if (c == '[' || c == '{') {
                                depth++;
                            } else if ((c == ']' || c == '}') && depth > 0) {
                                depth--;
                            }
                            i++;
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
        }

        private static int skipBasic(String line, int i) {
            while (i < line.length()) {
                char c = line.charAt(i);
                if (c == '\\') {
                    i += 2;
                } else if (c == '"') {
                    return i + 1;
                } else {
                    i++;
                }
            }
            return i;
        }
    }
}
