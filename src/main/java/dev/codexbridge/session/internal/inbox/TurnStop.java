package dev.codexbridge.session.internal.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.protocol.TurnInterruptParams;
import dev.codexbridge.session.StopReason;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * Whether and why one attempt of a turn is being stopped, and the one {@code turn/interrupt} that
 * asks codex to stop it: the host's interrupt (shared by the turn's attempts), a deadline, the step
 * budget, an inbox that overflowed. The interrupt waits while there is nothing to send it on: until
 * codex names the turn (the interrupt grace then bounds the wait), or while the turn's connection
 * is away. Codex's confirmation ends the turn ({@code TurnRun}). Touched only from the turn's
 * events, except {@link #request()}.
 */
public final class TurnStop {
    private static final Logger LOG = SafeLogger.getLogger(TurnStop.class);

    /** The host asked for the interrupt; shared by every attempt of one turn, so it reaches whichever is current. */
    private final AtomicBoolean requested;
    private final TurnPlace place;
    private final TurnClock clock;
    private final TurnFollow follow;
    private final Duration requestTimeout;
    /** Set when the session fell behind on a shared connection: the turn ends as failed. */
    private TurnEvent.Overflowed overflow;
    private boolean sent;
    private StopReason reason;

    public TurnStop(AtomicBoolean requested, TurnPlace place, TurnClock clock, TurnFollow follow, Duration requestTimeout) {
        this.requested = requested;
        this.place = place;
        this.clock = clock;
        this.follow = follow;
        this.requestTimeout = requestTimeout;
    }

    /** The host asks to interrupt the turn (any thread); true for the first ask only. */
    public boolean request() {
        return requested.compareAndSet(false, true);
    }

    /** Whether the host asked to interrupt the turn. */
    public boolean requested() {
        return requested.get();
    }

    /** The turn is to stop for {@code why} (unless it stops for another already). */
    public void stopFor(StopReason why) {
        if (reason == null) {
            reason = why;
        }
        send();
    }

    /** The session fell behind on a shared connection. */
    public void overflowed(TurnEvent.Overflowed overflowed) {
        overflow = overflowed;
        stopFor(StopReason.ERROR);
    }

    /** The turn ran out of steps. */
    public void stepBudgetReached() {
        if (!sent) {
            reason = StopReason.STEP_BUDGET;
            send();
        }
    }

    /** The turn's time is up. */
    public void timedOut() {
        reason = StopReason.TIMEOUT;
        send();
    }

    /** Why the turn is stopping, or null. */
    public StopReason reason() {
        return reason;
    }

    /** The inbox limit the session overflowed, or 0. */
    public int overflowLimit() {
        return overflow == null ? 0 : overflow.limit();
    }

    /** Whether something asked for the turn to stop. */
    public boolean asked() {
        return requested.get() || clock.timedOut() || reason == StopReason.STEP_BUDGET || overflow != null;
    }

    /** Whether this session sent codex an interrupt for the turn. */
    public boolean sent() {
        return sent;
    }

    /** Whether this session asked codex to stop the turn (the host, a deadline, the step budget). */
    public boolean byThisSession() {
        return sent || reason != null || requested.get();
    }

    /** Sends an interrupt asked for while nothing could be sent; {@code resend}: one sent on the dropped connection may be lost. */
    public void sendIfAsked(boolean resend) {
        if (resend) {
            sent = false;       // one sent on the connection that dropped may be lost: it goes again
        }
        if (asked()) {
            send();             // asked for in the gap, or before this session attached
        }
    }

    public void send() {
        if (sent || follow.detached()) {
            return;     // sent already; or nothing to send it on until the connection is back (see resumed)
        }
        if (place.turnId() == null) {
            clock.graceFromNowIfUnset(System.nanoTime());   // nothing to interrupt until turn/start answers; the grace bounds the wait
            return;
        }
        sent = true;
        clock.graceFromNow(System.nanoTime());
        interrupt(place.client(), place.threadId(), place.turnId(), requestTimeout);
    }

    /**
     * Sends {@code turn/interrupt} without waiting; codex refusing it (the turn is over already)
     * is only logged. Completes when codex has answered either way.
     */
    public static CompletableFuture<Void> interrupt(CodexClient client, String threadId, String turnId, Duration timeout) {
        return ClientPlumbing.of(client).request("turn/interrupt", new TurnInterruptParams(threadId, turnId), JsonNode.class, timeout)
                .handle((r, e) -> {
                    if (e != null) {
                        LOG.debug("turn/interrupt {}: {}", turnId, e.getMessage());
                    }
                    return null;
                });
    }
}
