package dev.codexbridge.codegen;

import java.util.Locale;
import java.util.Set;

/** Turns wire names (camelCase, snake_case, kebab-case, slashes) into Java identifiers. */
final class Names {
    private static final Set<String> KEYWORDS = Set.of(
            "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
            "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float",
            "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long", "native",
            "new", "package", "private", "protected", "public", "return", "short", "static", "strictfp",
            "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try", "void",
            "volatile", "while", "true", "false", "null", "var", "yield", "record", "sealed", "permits",
            "_");
    /** Record components become accessors; these would clash with {@link Object}'s methods. */
    private static final Set<String> OBJECT_METHODS = Set.of(
            "getClass", "hashCode", "equals", "toString", "notify", "notifyAll", "wait", "clone", "finalize");

    private Names() {
    }

    /** Splits on any non-alphanumeric character and on lower→upper case boundaries. */
    static java.util.List<String> words(String wire) {
        java.util.List<String> words = new java.util.ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < wire.length(); i++) {
            char c = wire.charAt(i);
            if (!Character.isLetterOrDigit(c)) {
                flush(words, current);
                continue;
            }
            boolean boundary = Character.isUpperCase(c) && current.length() > 0
                    && (Character.isLowerCase(current.charAt(current.length() - 1))
                    || Character.isDigit(current.charAt(current.length() - 1))
                    || (i + 1 < wire.length() && Character.isLowerCase(wire.charAt(i + 1))
                    && Character.isUpperCase(current.charAt(current.length() - 1))));
            if (boundary) {
                flush(words, current);
            }
            current.append(c);
        }
        flush(words, current);
        return words;
    }

    private static void flush(java.util.List<String> words, StringBuilder current) {
        if (current.length() > 0) {
            words.add(current.toString());
            current.setLength(0);
        }
    }

    static String pascal(String wire) {
        StringBuilder out = new StringBuilder();
        for (String w : words(wire)) {
            out.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
        String s = out.length() == 0 ? "Empty" : out.toString();
        return Character.isDigit(s.charAt(0)) ? "V" + s : s;
    }

    static String camel(String wire) {
        String p = pascal(wire);
        int upper = 0;
        while (upper < p.length() && Character.isUpperCase(p.charAt(upper))) {
            upper++;
        }
        // "URL" -> "url", "URLPath" -> "urlPath"
        int lower = upper <= 1 || upper == p.length() ? upper : upper - 1;
        return p.substring(0, lower).toLowerCase(Locale.ROOT) + p.substring(lower);
    }

    /** A record component / method name: camelCase, never a keyword or an {@link Object} method. */
    static String member(String wire) {
        String c = camel(wire);
        if (Character.isDigit(c.charAt(0))) {
            c = "v" + c;
        }
        return KEYWORDS.contains(c) || OBJECT_METHODS.contains(c) ? c + "_" : c;
    }

    /** An enum or static constant: UPPER_SNAKE. */
    static String constant(String wire) {
        String s = String.join("_", words(wire)).toUpperCase(Locale.ROOT);
        if (s.isEmpty()) {
            return "EMPTY";
        }
        return Character.isDigit(s.charAt(0)) ? "V" + s : s;
    }
}
