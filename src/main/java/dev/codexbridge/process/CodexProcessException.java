package dev.codexbridge.process;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.internal.UntrustedText;
import java.util.List;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The codex process could not be started, exited early, or died. Carries the exit code (when
 * known) and the last lines codex wrote to stderr, with secrets redacted; the message shows the
 * lines that say something (backtraces, repeats and codex's usual start-up notices left out),
 * with control characters escaped too, one message line per stderr line.
 */
public class CodexProcessException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final Integer exitCode;
    private final List<String> stderrTail;

    public CodexProcessException(String message, @Nullable Integer exitCode, @Nullable List<String> stderrTail, @Nullable Throwable cause) {
        super(withTail(message, stderrTail), cause, FailureKind.CODEX_UNAVAILABLE);
        this.exitCode = exitCode;
        this.stderrTail = stderrTail == null ? List.of() : List.copyOf(stderrTail);
    }

    public CodexProcessException(String message, @Nullable Throwable cause) {
        this(message, null, List.of(), cause);
    }

    public CodexProcessException(String message) {
        this(message, null, List.of(), null);
    }

    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    /** The last stderr lines, oldest first, secrets redacted. */
    public List<String> stderrTail() {
        return stderrTail;
    }

    /** The message, then what of the tail says something (see {@link StderrDigest}). */
    private static String withTail(String message, List<String> tail) {
        List<String> shown = tail == null ? List.of() : StderrDigest.of(tail);
        if (shown.isEmpty()) {
            return message;
        }
        StringBuilder sb = new StringBuilder(message).append("\ncodex stderr (of its last ").append(tail.size())
                .append(tail.size() == 1 ? " line" : " lines").append("):");
        for (String line : shown) {
            sb.append("\n  ").append(UntrustedText.of(line));
        }
        return sb.toString();
    }
}
