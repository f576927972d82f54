package dev.codexbridge.session.internal.custody;

import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.VersionConflictException;
import dev.codexbridge.store.spi.JdbcTransactions;
import java.util.function.Supplier;

/**
 * The store's version of a conversation as this session last wrote or read it, and how many puts
 * since failed without the store's answer. A put whose connection broke as it committed (a database
 * restarting under it) may have been stored all the same: the store then holds a newer version than
 * the session knows, written under this session's own lease, and the next put conflicts with it.
 * Seen in the replicas' chaos run at 48 conversations: every later put of the conversation refused,
 * its turns answered but never stored, until another replica woke it without them (decision 0139).
 */
public final class StoredVersion {
    private volatile long version;
    /** Puts since {@link #version} that failed with the store's plain failure, whose outcome is unknown. */
    private volatile int unanswered;

    /** 0: not stored. */
    public long get() {
        return version;
    }

    /** The store wrote, or this session read, {@code stored}: every put before it is settled. */
    public void known(long stored) {
        version = stored;
        unanswered = 0;
    }

    /**
     * {@code put}'s outcome; a failure that does not say the put was refused (the store's plain
     * {@link ConversationStoreException}: no answer, a broken connection) counted as a put that may
     * have been stored. A subclass is the store's own refusal, which stored nothing.
     */
    public <T> T putting(Supplier<T> put) {
        try {
            return put.get();
        } catch (ConversationStoreException failed) {
            if (failed.getClass() == ConversationStoreException.class) {
                unanswered++;
            }
            throw failed;
        }
    }

    /** How many puts since the version known may have been stored unanswered. */
    public int unanswered() {
        return unanswered;
    }

    /**
     * Whether the version the store holds in {@code conflict} is this lease holder's own, to be put
     * over from codex's copy: older than the one put (the store lost acknowledged versions: a
     * database restarted without its last commits), or newer by no more than the puts whose answer
     * was lost ({@code unanswered}): the lease was in force when the conflict was found (a store
     * checks it first), a lease's token is never granted again, so no other host wrote since this
     * session read or wrote the version it knows. Newer by more is a writer this session cannot
     * account for, and stays a conflict.
     */
    static boolean ours(VersionConflictException conflict, int unanswered) {
        return conflict.actual() < conflict.expected()
                || conflict.actual() - conflict.expected() <= unanswered + (endedFirst(conflict) ? 1 : 0);
    }

    /**
     * Whether the conflict was found by the put's second run, its first having lost its connection
     * (the store runs a transaction once more on a fresh connection when the database ended the
     * first under it, and keeps the first's failure with the second's): ended as it committed, that
     * first run may have stored the put, and the conflict is with it. Seen at 48 conversations: a
     * commit met by a fast restart's "terminating connection", then "at version 43, not 42".
     */
    private static boolean endedFirst(VersionConflictException conflict) {
        for (Throwable first : conflict.getSuppressed()) {
            if (first instanceof java.sql.SQLException sql && JdbcTransactions.connectionEnded(sql)) {
                return true;
            }
        }
        return false;
    }
}
