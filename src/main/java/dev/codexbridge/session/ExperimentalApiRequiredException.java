package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;

/**
 * A session's settings need codex's experimental API (its dynamic tools do) and the shared client
 * it would run on was opened without it. Refused at {@code build()}, before codex is asked; it
 * will be refused the same way every time until the host opens that client with
 * {@code CodexClient.builder().experimentalApi(true)} (the starters:
 * {@code codex-bridge.experimental-api=true}), so a front door tells its caller so instead of
 * "try again". Kind {@link FailureKind#OTHER}: the host's setup, not the caller's input.
 */
public final class ExperimentalApiRequiredException extends CodexException {
    private static final long serialVersionUID = 1L;

    public ExperimentalApiRequiredException(String message) {
        super(message, FailureKind.OTHER);
    }
}
