package dev.codexbridge.session.internal.failure;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.internal.UntrustedText;

/**
 * Codex answered {@code thread/resume} of one thread with another: it resumes the thread its
 * rollout's first line ({@code session_meta}) names, whatever the file is called, so a rollout
 * put under one thread's name that is another's loads that other thread. The session follows
 * none of it, lets go of the thread codex loaded, and runs no turn.
 */
public final class OtherThreadResumedException extends CodexException {
    private static final long serialVersionUID = 1L;

    public OtherThreadResumedException(String asked, String resumed) {
        super("codex resumed thread " + UntrustedText.of(resumed) + " when asked for thread " + UntrustedText.of(asked)
                + ": the rollout under that thread's name is another thread's; the session left it and runs no turn on it", FailureKind.OTHER);
    }
}
