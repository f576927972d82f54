package dev.codexbridge.a2a;

import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.spi.JdbcTransactions;
import java.sql.SQLTransientException;
import java.util.Map;

/**
 * A call that failed because a store did not answer — the database of the contexts and tasks, or
 * the conversation store — rather than through a fault of the server's: the caller is told so and
 * to send again (decision 0087), with the code A2A's "busy" answers use, never "internal error".
 */
final class StoreOutage {
    /** When to send again: by then a replica cut from its store is out of rotation, or the store is back. */
    static final int RETRY_AFTER_SECONDS = 2;

    private StoreOutage() {
    }

    /**
     * Whether {@code failure} is a store that did not answer: the database unreachable or its
     * connection ended ({@link JdbcTransactions#unreachable}: a pool's timeout, SQL state class 08, a
     * session the server ended at a restart, {@code 57P01} – {@code 57P03}), or the conversation
     * store's own failure to read or write (its base exception; a corrupt record, a lease held
     * elsewhere or a conflict are its subclasses, not this).
     */
    static boolean in(Throwable failure) {
        if (JdbcTransactions.unreachable(failure)) {
            return true;
        }
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof SQLTransientException || t.getClass() == ConversationStoreException.class) {
                return true;
            }
        }
        return false;
    }

    /** The answer: retryable, saying what did not answer and when to send again. */
    static A2aError error() {
        return new A2aError(A2aError.UNSUPPORTED, "the store did not answer: nothing was done; send again in "
                + RETRY_AFTER_SECONDS + " s (another replica, or this one once its store answers)",
                Map.of("retryAfterSeconds", Integer.toString(RETRY_AFTER_SECONDS), "storeUnavailable", "true"));
    }
}
