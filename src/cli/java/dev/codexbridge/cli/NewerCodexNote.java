package dev.codexbridge.cli;

import dev.codexbridge.process.NewerCodex;
import java.io.PrintStream;

/**
 * The line a command's error ends with when the codex the command ran is newer than the one
 * codex-bridge was tested on ({@link NewerCodex}): a newer codex may be why it failed, so the error
 * says which version was tested and where the compatibility matrix is, without assuming it.
 */
final class NewerCodexNote {
    /** {@link NewerCodex#seen} when the command began: only a newer codex this command ran is named. */
    private static volatile long mark;

    private NewerCodexNote() {
    }

    static void commandBegins() {
        mark = NewerCodex.seen();
    }

    /** Prints the line, in parentheses, when this command connected to a newer codex; nothing otherwise. */
    static void after(PrintStream err) {
        NewerCodex.noticeSince(mark).ifPresent(line -> err.println("(" + ApiText.escapeLines(line) + ")"));
    }
}
