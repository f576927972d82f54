package dev.codexbridge.cli;

/** The CLI's terminal renderer ({@link ApiText#escape}) for the fuzz target in another package. */
public final class TerminalTextAccess {
    private TerminalTextAccess() {
    }

    public static String escape(String text) {
        return ApiText.escape(text);
    }

    public static String escapeLines(String text) {
        return ApiText.escapeLines(text);
    }

    public static String json(String compactJson) {
        return ApiText.json(compactJson);
    }

    public static boolean isControl(char c) {
        return ApiText.isControl(c);
    }
}
