package dev.codexbridge.session.internal.thread;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.session.internal.custody.ThreadCustody;
import dev.codexbridge.session.internal.custody.UnloadWait;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;

/**
 * A session letting go of its connection with a store configured: {@link ThreadCustody#sleep}
 * over the connection {@code from}, which the session has already detached from, then the
 * connection let go of. A connection of the session's own is closed once the conversation is stored
 * (the export reads through it), a shared one only left. What went wrong is logged here, once, at
 * the level it deserves, and a closing session's {@link ThreadCustody#closed} tells it.
 */
public final class CustodyLetGo {
    private static final Logger LOG = SafeLogger.getLogger(ThreadCustody.class);

    private CustodyLetGo() {
    }

    public static void sleepThenLetGo(ThreadCustody custody, CodexClient from, String threadId, ThreadLink link, boolean closing) {
        Duration window = link.reattachWindow();
        CompletableFuture<Void> letGo = new CompletableFuture<>();
        if (closing) {
            custody.closing(letGo);
        }
        custody.sleep(from, threadId, window == null ? Duration.ZERO : window, link.unsubscribes(), !closing).whenComplete((x, failure) -> {
            Throwable cause = failure == null ? null : Futures.unwrap(failure);
            if (cause instanceof UnloadWait.StillLoaded) {
                LOG.info("conversation {} is stored {}; {}", threadId, custody.lastStoredTurn(), cause.getMessage());
            } else if (cause != null && !from.isOpen()) {
                // the host closed the connection right after the session: usual at shutdown, not a fault
                LOG.info("conversation {} was not stored as the session let go of it: its connection closed first; "
                        + "the store keeps it {}", threadId, custody.lastStoredTurn());
            } else if (cause != null) {
                LOG.warn("conversation {} could not be stored as the session let go of it; the store keeps it {}",
                        threadId, custody.lastStoredTurn(), cause);
            }
            if (cause != null && closing) {
                // the session will not wake it again: whoever asks next may, from what the store has
                custody.giveBackLease();
            }
            link.letGo(from);
            custody.settled().whenComplete((y, z) -> {
                if (cause == null || cause instanceof UnloadWait.StillLoaded) {
                    letGo.complete(null);
                } else {
                    letGo.completeExceptionally(cause);
                }
            });
        });
    }
}
