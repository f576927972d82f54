package dev.codexbridge.transcript;

/**
 * Truncation limits of the projector, in characters. Truncated text keeps its head and tail and
 * says how much was cut, so a 64 KiB command output does not bloat a host's history.
 *
 * @param maxToolOutputChars tool results (command output, MCP and dynamic tool content, web search
 *                           results, sub-agent states)
 * @param maxErrorChars      error messages inside tool results (an MCP tool's error)
 * @param maxNoteChars       opaque notes for items without a chat equivalent
 */
public record ProjectorOptions(int maxToolOutputChars, int maxErrorChars, int maxNoteChars) {
    public static final ProjectorOptions DEFAULT = new ProjectorOptions(16_000, 2_000, 1_500);

    public ProjectorOptions {
        if (maxToolOutputChars < 64 || maxErrorChars < 64 || maxNoteChars < 64) {
            throw new IllegalArgumentException("limits must be at least 64 characters");
        }
    }

    /** {@code text} cut to {@code max} characters: head, a marker naming the cut, tail. */
    static String truncate(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int cut = text.length() - max;
        String marker = "\n…[" + cut + " characters truncated]…\n";
        int keep = Math.max(0, max - marker.length());
        int head = keep * 2 / 3;
        int tail = keep - head;
        head = safeEnd(text, head);
        int tailStart = safeStart(text, text.length() - tail);
        return text.substring(0, head) + marker + text.substring(tailStart);
    }

    /** Never split a surrogate pair. */
    private static int safeEnd(String s, int end) {
        return end > 0 && end < s.length() && Character.isLowSurrogate(s.charAt(end)) ? end - 1 : end;
    }

    private static int safeStart(String s, int start) {
        return start > 0 && start < s.length() && Character.isLowSurrogate(s.charAt(start)) ? start + 1 : start;
    }
}
