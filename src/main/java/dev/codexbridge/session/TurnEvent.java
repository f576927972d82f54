package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.rpc.ConnectionClosedException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a session's inbox hands its running turn besides codex's notifications (those arrive as
 * they are, {@link CodexEvent.Notification}, so a stream of them costs no wrapper each): codex's
 * requests, the connection's end, and the session's own events.
 */
sealed interface TurnEvent {
    /** A deadline may be due. */
    TurnEvent TICK = new Tick();
    /** The host asked to interrupt the turn. */
    TurnEvent INTERRUPT_REQUESTED = new InterruptRequested();

    record Tick() implements TurnEvent {
    }

    record InterruptRequested() implements TurnEvent {
    }

    /** The connection this inbox belongs to closed. */
    record Closed(ConnectionClosedException cause) implements TurnEvent {
    }

    /** The turn fell {@code limit} messages behind on a shared connection; later ones were dropped. */
    record Overflowed(int limit) implements TurnEvent {
    }

    /** The session's thread was replaced by a fresh one before this turn: the listener hears it first. */
    record ThreadReplaced(ThreadReplacement replacement) implements TurnEvent {
    }

    /** Codex answered the turn's {@code turn/start} (or {@code review/start}): a result or a failure. */
    record StartAnswered(JsonNode result, Throwable failure) implements TurnEvent {
    }

    /** A server request; whoever claims it first (the turn or the between-turns path) answers it. */
    final class Asked implements TurnEvent {
        final CodexEvent.ServerRequest request;
        private final AtomicBoolean claimed = new AtomicBoolean();

        Asked(CodexEvent.ServerRequest request) {
            this.request = request;
        }

        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        boolean isClaimed() {
            return claimed.get();
        }
    }

    /**
     * A decision on {@code request} is ready; {@code written} makes sure it goes to codex exactly
     * once, whoever gets there first. {@code run} is the turn that asked (a later turn may see it).
     */
    record Answered(TurnRun run, CodexEvent.ServerRequest request, ServerRequestBridge.Answer answer, AtomicBoolean written)
            implements TurnEvent {
    }

    /** How a running turn takes what its inbox hands it, one at a time, in arrival order. */
    interface Handler {
        void onMessage(CodexEvent.Notification message);

        void onEvent(TurnEvent event);
    }
}
