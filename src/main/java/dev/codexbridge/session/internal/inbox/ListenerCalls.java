package dev.codexbridge.session.internal.inbox;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.session.TurnListener;
import org.slf4j.Logger;

/** Calls into the host's {@link TurnListener}: a listener that throws is logged, and the turn goes on. */
public final class ListenerCalls {
    private static final Logger LOG = SafeLogger.getLogger(ListenerCalls.class);

    private ListenerCalls() {
    }

    public static void safely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("turn listener failed", e);
        }
    }
}
