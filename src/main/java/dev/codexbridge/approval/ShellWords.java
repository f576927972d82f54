package dev.codexbridge.approval;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a command line the way a POSIX shell would, only as far as it is safe to decide on it:
 * the words of one simple command, or why it is not one. Anything the shell would do besides
 * running one program with literal arguments — a list ({@code ;}, {@code &&}, {@code ||},
 * {@code &}), a pipe, a redirection, a substitution or expansion ({@code $}, backquotes), a glob,
 * a subshell, braces, a tilde, a comment, a leading assignment, a control character — makes the
 * line "not simple", so a rule over the words can never be walked around by what it cannot see.
 */
final class ShellWords {
    /** Shells codex wraps a command in ({@code /bin/bash -c …}, {@code bash -lc …}). */
    private static final Set<String> SHELLS = Set.of("bash", "sh", "zsh", "dash");
    private static final Set<String> SCRIPT_FLAGS = Set.of("-c", "-lc");

    /** The words of a simple command ({@code words} non-null), or why it is not one ({@code refusal}). */
    record Parsed(List<String> words, String refusal) {
        static Parsed refused(String why) {
            return new Parsed(null, why);
        }

        boolean simple() {
            return words != null;
        }
    }

    private ShellWords() {
    }

    /**
     * The argv a command line runs: for {@code <shell> -c|-lc <script>} the words of the script
     * when it is one simple command, else the words of the line itself (a program run without a
     * shell).
     */
    static Parsed argvOf(String commandLine) {
        if (commandLine == null || commandLine.isBlank()) {
            return Parsed.refused("no command");
        }
        Parsed outer = split(commandLine);
        return outer.simple() ? unwrap(outer.words()) : outer;
    }

    /** The same for a command codex gives as an argv (the legacy request). */
    static Parsed argvOf(List<String> argv) {
        if (argv == null || argv.isEmpty()) {
            return Parsed.refused("no command");
        }
        for (String word : argv) {
            if (word == null || hasControl(word)) {
                return Parsed.refused("a control character in the command");
            }
        }
        return unwrap(List.copyOf(argv));
    }

    private static Parsed unwrap(List<String> words) {
        if (!SHELLS.contains(baseName(words.get(0)))) {
            return new Parsed(words, null);
        }
        if (words.size() != 3 || !SCRIPT_FLAGS.contains(words.get(1))) {
            return Parsed.refused("a shell run other than as '" + baseName(words.get(0)) + " -c <command>'");
        }
        return split(words.get(2));
    }

    private static String baseName(String program) {
        int slash = program.lastIndexOf('/');
        return slash < 0 ? program : program.substring(slash + 1);
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** The words of one simple command line, quotes and backslashes removed, or the refusal. */
    static Parsed split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        boolean quotedFirstWord = false;
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '\t' || c == ' ') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
                continue;
            }
            if (c < 0x20 || c == 0x7f) {
                return Parsed.refused(c == '\n' || c == '\r' ? "more than one line" : "a control character in the command");
            }
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    return Parsed.refused("an unterminated quote");
                }
                String quoted = line.substring(i + 1, end);
                if (hasControl(quoted)) {
                    return Parsed.refused("a control character in the command");
                }
                word.append(quoted);
                quotedFirstWord |= words.isEmpty();
                inWord = true;
                i = end + 1;
                continue;
            }
            if (c == '"') {
                int j = i + 1;
                for (; j < line.length() && line.charAt(j) != '"'; j++) {
                    char d = line.charAt(j);
                    if (d == '$' || d == '`') {
                        return Parsed.refused("a substitution or expansion (" + d + ")");
                    }
                    if (d < 0x20 || d == 0x7f) {
                        return Parsed.refused("a control character in the command");
                    }
                    if (d == '\\' && j + 1 < line.length() && "\"\\".indexOf(line.charAt(j + 1)) >= 0) {
                        j++;
                        d = line.charAt(j);
                    }
                    word.append(d);
                }
                if (j >= line.length()) {
                    return Parsed.refused("an unterminated quote");
                }
                quotedFirstWord |= words.isEmpty();
                inWord = true;
                i = j + 1;
                continue;
            }
            if (c == '\\') {
                if (i + 1 >= line.length()) {
                    return Parsed.refused("a trailing backslash");
                }
                char next = line.charAt(i + 1);
                if (next < 0x20 || next == 0x7f) {
                    return Parsed.refused(next == '\n' ? "more than one line" : "a control character in the command");
                }
                word.append(next);
                quotedFirstWord |= words.isEmpty();
                inWord = true;
                i += 2;
                continue;
            }
            String special = special(c);
            if (special != null) {
                return Parsed.refused(special);
            }
            if (c == '=' && words.isEmpty() && !quotedFirstWord) {
                return Parsed.refused("a variable assignment before the command");
            }
            word.append(c);
            inWord = true;
            i++;
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words.isEmpty() ? Parsed.refused("no command") : new Parsed(List.copyOf(words), null);
    }

    /** What an unquoted character makes of the line, or null for an ordinary one. */
    private static String special(char c) {
        return switch (c) {
            case ';' -> "a list of commands (;)";
            case '&' -> "a list or background command (&)";
            case '|' -> "a pipe (|)";
            case '<', '>' -> "a redirection (" + c + ")";
            case '$', '`' -> "a substitution or expansion (" + c + ")";
            case '(', ')' -> "a subshell (" + c + ")";
            case '{', '}' -> "braces (" + c + ")";
            case '*', '?', '[', ']' -> "a glob (" + c + ")";
            case '~' -> "a tilde expansion (~)";
            case '#' -> "a comment (#)";
            case '!' -> "a negation or history expansion (!)";
            default -> null;
        };
    }
}
