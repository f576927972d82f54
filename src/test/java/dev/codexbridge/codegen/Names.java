package dev.codexbridge.codegen;

import java.util.ArrayList;
import java.util.List;
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
    /**
     * The public types of {@code java.lang}: Java 17's, and those Java 19 to 25 add (previews
     * included). A generated type of one of these names would shadow it wherever it is imported,
     * and make the name ambiguous in a file that imports the protocol package by wildcard. Fixed
     * here rather than read from the running JDK, so the output does not depend on which JDK
     * runs the generator; {@code NamingRulesTest} also checks against the running JDK's.
     */
    static final Set<String> JAVA_LANG = Set.of(
            "AbstractMethodError", "Appendable", "ArithmeticException", "ArrayIndexOutOfBoundsException",
            "ArrayStoreException", "AssertionError", "AutoCloseable", "Boolean", "BootstrapMethodError", "Byte",
            "CharSequence", "Character", "Class", "ClassCastException", "ClassCircularityError", "ClassFormatError",
            "ClassLoader", "ClassNotFoundException", "ClassValue", "CloneNotSupportedException", "Cloneable",
            "Comparable", "Compiler", "Deprecated", "Double", "Enum", "EnumConstantNotPresentException", "Error",
            "Exception", "ExceptionInInitializerError", "Float", "FunctionalInterface", "IO", "IllegalAccessError",
            "IllegalAccessException", "IllegalArgumentException", "IllegalCallerException",
            "IllegalMonitorStateException", "IllegalStateException", "IllegalThreadStateException",
            "IncompatibleClassChangeError", "IndexOutOfBoundsException", "InheritableThreadLocal",
            "InstantiationError", "InstantiationException", "Integer", "InternalError", "InterruptedException",
            "Iterable", "LayerInstantiationException", "LinkageError", "Long", "MatchException", "Math", "Module",
            "ModuleLayer", "NegativeArraySizeException", "NoClassDefFoundError", "NoSuchFieldError",
            "NoSuchFieldException", "NoSuchMethodError", "NoSuchMethodException", "NullPointerException", "Number",
            "NumberFormatException", "Object", "OutOfMemoryError", "Override", "Package", "Process",
            "ProcessBuilder", "ProcessHandle", "Readable", "Record", "ReflectiveOperationException", "Runnable",
            "Runtime", "RuntimeException", "RuntimePermission", "SafeVarargs", "ScopedValue", "SecurityException",
            "SecurityManager", "Short", "StableValue", "StackOverflowError", "StackTraceElement", "StackWalker",
            "StrictMath", "String", "StringBuffer", "StringBuilder", "StringIndexOutOfBoundsException",
            "StringTemplate", "SuppressWarnings", "System", "Thread", "ThreadDeath", "ThreadGroup", "ThreadLocal",
            "Throwable", "TypeNotPresentException", "UnknownError", "UnsatisfiedLinkError",
            "UnsupportedClassVersionError", "UnsupportedOperationException", "VerifyError", "VirtualMachineError",
            "Void", "WrongThreadException");
    /** Record components become accessors; these would clash with {@link Object}'s methods. */
    private static final Set<String> OBJECT_METHODS = Set.of(
            "getClass", "hashCode", "equals", "toString", "notify", "notifyAll", "wait", "clone", "finalize");

    private Names() {
    }

    /**
     * The Java name of a schema definition: the definition's own name, or {@code Codex} + it when
     * that is a {@code java.lang} type ({@code Thread} → {@code CodexThread}).
     */
    static String type(String definition) {
        return JAVA_LANG.contains(definition) ? "Codex" + definition : definition;
    }

    /**
     * Splits on any non-alphanumeric character and on case boundaries: lower→upper, digit→upper,
     * and before the last capital of a run that a lower-case letter follows ({@code URLPath} →
     * {@code URL}, {@code Path}). A case boundary never leaves a single letter as a word of its own:
     * the letter stays with what follows, so a mixed-case acronym stays whole ({@code gatewayOAuth}
     * → {@code gateway}, {@code OAuth}; {@code oAuth} → {@code oAuth}).
     */
    static List<String> words(String wire) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < wire.length(); i++) {
            char c = wire.charAt(i);
            if (!Character.isLetterOrDigit(c)) {
                flush(words, current);
                continue;
            }
            boolean boundary = Character.isUpperCase(c) && current.length() > 0 && !singleLetter(current)
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

    private static boolean singleLetter(StringBuilder word) {
        return word.length() == 1 && Character.isLetter(word.charAt(0));
    }

    private static void flush(List<String> words, StringBuilder current) {
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
