package dev.codexbridge.springai;

import dev.codexbridge.CodexException;
import dev.codexbridge.session.TurnResult;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What reaches the application when a prompt does not get an answer: a {@link CodexException}, the cause kept. */
final class Failures {
    private Failures() {
    }

    static RuntimeException of(TurnResult r) {
        return new CodexTurnException(r);
    }

    static RuntimeException of(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException e) {
            return e;           // the library's own CodexExceptions, a refused prompt, an IllegalStateException of the relay
        }
        return new CodexException("codex: " + t.getMessage(), t);
    }
}
