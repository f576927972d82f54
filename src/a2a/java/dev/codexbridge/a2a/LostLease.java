package dev.codexbridge.a2a;

import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.LeaseLostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A call that failed over a conversation's lease rather than through a fault of the server's
 * (decision 0094): another host holds the conversation ({@link ConversationLeasedException}), or
 * this replica lost its lease on it ({@link LeaseLostException}, the store's refusal or the lease's
 * own deadline). Either way sending again works once the lease is free or the conversation is opened
 * anew from the store, so the caller is told so, with the code A2A's "busy" answers use, never
 * "internal error".
 */
final class LostLease {
    /** When to send again after this replica lost a lease: by then the conversation is opened anew from the store. */
    static final int RETRY_AFTER_SECONDS = 2;

    private LostLease() {
    }

    /** The answer for {@code failure} when a lease is in its causes, else null. */
    static @Nullable A2aError answer(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof ConversationLeasedException held) {
                long seconds = Math.max(1, Duration.between(Instant.now(), held.expiresAt()).toSeconds() + 1);
                return new A2aError(A2aError.UNSUPPORTED, "the conversation is held by another host of this agent: nothing was done; "
                        + "send again in " + seconds + " s at the latest (its hold then runs out)",
                        Map.of("retryAfterSeconds", Long.toString(seconds), "conversationHeld", "true"));
            }
            if (t instanceof LeaseLostException) {
                return new A2aError(A2aError.UNSUPPORTED, "this replica lost the conversation's lease (another host may have it now): "
                        + "nothing more was done here; send again in " + RETRY_AFTER_SECONDS + " s, and the conversation is opened "
                        + "anew from the store", Map.of("retryAfterSeconds", Integer.toString(RETRY_AFTER_SECONDS), "leaseLost", "true"));
            }
        }
        return null;
    }
}
