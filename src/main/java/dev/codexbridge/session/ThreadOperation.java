package dev.codexbridge.session;

/** What a caller wants to do with a thread it did not start in this session, as a {@link ThreadAccess} rule is asked. */
public enum ThreadOperation {
    /** Open it with its history ({@code thread/resume}): {@code resumeSession}, {@code resumeThread}. */
    RESUME,
    /** Read its history or a turn of it ({@code thread/read}): {@code read}, {@code recoverTurn}, {@code fork}. */
    READ,
    /** Follow a turn it runs ({@code attachTurn}), seeing its events. */
    FOLLOW,
    /** Answer the requests that turn waits on (approvals, questions) through the attaching session. */
    ANSWER
}
