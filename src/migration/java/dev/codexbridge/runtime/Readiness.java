package dev.codexbridge.runtime;

import com.fasterxml.jackson.annotation.JsonValue;

/** What the readiness probe of {@link RuntimeSwitch#status} found; JSON and the summary show {@link #wire()}. */
public enum Readiness {
    /** A one-word turn on the probed model completed. */
    READY("ready"),
    /** Codex needs a login (an OpenAI account without one, or a turn refused as unauthenticated). */
    LOGGED_OUT("loggedOut"),
    /** The probed model is not in codex's list for the account, or the provider refused it. */
    MODEL_UNAVAILABLE("modelUnavailable"),
    /** Anything else: no usable codex, a codex that would not answer, a turn that failed otherwise. */
    ERROR("error");

    private final String wire;

    Readiness(String wire) {
        this.wire = wire;
    }

    /** The name shown: {@code ready}, {@code loggedOut}, {@code modelUnavailable}, {@code error}. */
    @JsonValue
    public String wire() {
        return wire;
    }
}
