package dev.codexbridge;

/**
 * What kind of failure a {@link CodexException} reports, for a host to branch on instead of
 * matching message text. Stable: a value keeps its name and meaning across releases, and a new
 * kind is added only with a release note. {@link #httpStatus()} is what a web host usually answers
 * (docs/embedding.md, "Errors a host can branch on").
 */
public enum FailureKind {
    /** Codex has no record of the thread asked for (never written down, or in another CODEX_HOME). */
    UNKNOWN_THREAD(404),
    /** The thread is already open in another session on the same connection. */
    ALREADY_OPEN(409),
    /** A thread-access rule (the host's, a pool's or the tenants' scoping) refused the caller. */
    ACCESS_REFUSED(403),
    /** Codex cannot be reached: not found, would not start, died, or its connection is gone. */
    CODEX_UNAVAILABLE(503),
    /** The input or an option is refused before anything is sent (empty, too long, text codex cannot parse). */
    INVALID_INPUT(400),
    /** A cap is reached (a tenant's, the JVM's, a pool's room): try again later. */
    CAPACITY(429),
    /** Codex refused a setting the host chose (its own words are in the message). */
    SETTINGS_REJECTED(422),
    /** Anything else: the message says what. */
    OTHER(500);

    private final int httpStatus;

    FailureKind(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status a web host usually answers for this kind. */
    public int httpStatus() {
        return httpStatus;
    }
}
