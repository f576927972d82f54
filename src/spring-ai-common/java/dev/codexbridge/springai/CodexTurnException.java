package dev.codexbridge.springai;

import dev.codexbridge.CodexException;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnResult;

/** A codex turn that did not complete (failed, interrupted, timed out); {@link #result()} says how. */
public class CodexTurnException extends CodexException {
    private final transient TurnResult result;

    public CodexTurnException(TurnResult result) {
        super(message(result));
        this.result = result;
    }

    public TurnResult result() {
        return result;
    }

    private static String message(TurnResult r) {
        TurnFailure f = r.error();
        return "codex turn " + r.status().wire() + (f == null ? "" : ": " + f.message() + " (" + f.remediation() + ")")
                + (r.threadId() == null ? "" : " [thread " + r.threadId() + "]");
    }
}
