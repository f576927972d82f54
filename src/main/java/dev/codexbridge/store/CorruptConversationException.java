package dev.codexbridge.store;

import dev.codexbridge.FailureKind;

/**
 * A stored conversation failed its check and is not handed out: a rollout's bytes do not match
 * its hash or size, a rollout or the record itself is missing or cut short, or the record is in a
 * format this library does not know. {@link #problem()} says which; nothing of it is returned for
 * a resume. Deleting it (under a lease) and putting it again from a codex that still holds the
 * thread is the way back.
 */
public class CorruptConversationException extends ConversationStoreException {
    private static final long serialVersionUID = 1L;

    private final String problem;

    public CorruptConversationException(String threadId, String problem) {
        this(threadId, problem, null);
    }

    public CorruptConversationException(String threadId, String problem, Throwable cause) {
        super(threadId, "stored conversation " + threadId + " is corrupt and is not returned: " + problem, cause, FailureKind.OTHER);
        this.problem = problem;
    }

    /** What is wrong, e.g. "rollout 2026/…/rollout-….jsonl: SHA-256 does not match". */
    public String problem() {
        return problem;
    }
}
