package dev.codexbridge.session.internal.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.session.ThreadReplacement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything a session's inbox hands its running turn, one sealed type: codex's notifications
 * and requests and their withdrawal, the connection's end, and the session's own events.
 */
public sealed interface TurnEvent {
    /** Hands this event to the one {@code visitor} method for its kind. */
    <R> R accept(Visitor<R> visitor);

    /** One method per kind of event: a turn's transitions, checked for completeness by the compiler. */
    interface Visitor<R> {
        R notified(Notified event);

        R tick(Tick event);

        R interruptRequested(InterruptRequested event);

        R closed(Closed event);

        R resumed(Resumed event);

        R caughtUp(CaughtUp event);

        R overflowed(Overflowed event);

        R threadReplaced(ThreadReplaced event);

        R startAnswered(StartAnswered event);

        R asked(Asked event);

        R withdrawn(Withdrawn event);

        R answered(Answered event);
    }

    /** A notification codex sent about the session's thread (the only event from codex that is not a request). */
    record Notified(CodexEvent.Notification message) implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.notified(this);
        }
    }

    /** A deadline may be due. */
    TurnEvent TICK = new Tick();
    /** The host asked to interrupt the turn. */
    TurnEvent INTERRUPT_REQUESTED = new InterruptRequested();

    record Tick() implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.tick(this);
        }
    }

    record InterruptRequested() implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.interruptRequested(this);
        }
    }

    /**
     * The connection inbox {@code from} belongs to closed; {@code from} is null when the client
     * is done for good (every reconnect failed, or the host closed it) or the thread could not be
     * opened again: then a turn waiting to re-attach ends.
     */
    record Closed(ConnectionClosedException cause, SessionInbox from) implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.closed(this);
        }
    }

    /**
     * The session's thread was resumed on a new connection, whose inbox {@code box} now hands the
     * turn its messages; {@code afterDrop} is false for a turn a session attached to
     * ({@code CodexSession.attachTurn}). What was missed is fetched next.
     */
    record Resumed(SessionInbox box, boolean afterDrop) implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.resumed(this);
        }
    }

    /** Codex's record of the turn, fetched after a resume (or the failure to fetch it); {@code round} tells fetches apart. */
    record CaughtUp(TurnCatchUp.TurnRecord record, Throwable failure, int round) implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.caughtUp(this);
        }
    }

    /** The turn fell {@code limit} messages behind on a shared connection; later ones were dropped. */
    record Overflowed(int limit) implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.overflowed(this);
        }
    }

    /** The session's thread was replaced by a fresh one before this turn: the listener hears it first. */
    record ThreadReplaced(ThreadReplacement replacement) implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.threadReplaced(this);
        }
    }

    /** Codex answered the turn's {@code turn/start} (or {@code review/start}): a result or a failure. */
    record StartAnswered(JsonNode result, Throwable failure) implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.startAnswered(this);
        }
    }

    /**
     * A server request codex waits on. Whoever claims it first (the turn or the between-turns
     * path) answers it. It is settled once, by whichever comes first: the answer is written, or
     * codex withdraws the request ({@link PendingRequests}), which cancels the answer under way;
     * nothing is written after a withdrawal.
     */
    final class Asked implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.asked(this);
        }

        public final CodexEvent.ServerRequest request;
        private final PendingRequests pending;
        private final String turnId;
        private final String itemId;
        private final AtomicBoolean claimed = new AtomicBoolean();
        private final AtomicBoolean settled = new AtomicBoolean();
        private volatile boolean withdrawn;
        private volatile CompletableFuture<ServerRequestBridge.Answer> answering;
        private volatile ServerRequestBridge.Answer decided;
        private volatile int writtenOn;
        private volatile TurnRequests askedBy;
        private volatile ApprovalRequest shown;

        Asked(CodexEvent.ServerRequest request, PendingRequests pending) {
            this.request = request;
            this.pending = pending;
            this.turnId = request.turnId();
            this.itemId = itemOf(request.raw());
        }

        /** The item the request is about: its {@code itemId}, or a tool call's {@code callId}; null for none. */
        private static String itemOf(JsonNode params) {
            JsonNode id = params.get("itemId");
            if (id == null || !id.isTextual()) {
                id = params.get("callId");
            }
            return id != null && id.isTextual() ? id.asText() : null;
        }

        public boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        boolean isClaimed() {
            return claimed.get();
        }

        String turnId() {
            return turnId;
        }

        public String itemId() {
            return itemId;
        }

        /** The turn that put the request to the host, and the request as shown (null for tool calls). */
        void askedBy(TurnRequests by, ApprovalRequest shownAs) {
            askedBy = by;
            shown = shownAs;
        }

        TurnRequests askedBy() {
            return askedBy;
        }

        ApprovalRequest shown() {
            return shown;
        }

        /** The answer under way, or null before it was asked for. */
        public CompletableFuture<ServerRequestBridge.Answer> answering() {
            return answering;
        }

        /** The decision the host (or the policy) made, kept so it can be sent again if codex asks again after a drop. */
        void decided(ServerRequestBridge.Answer answer) {
            decided = answer;
        }

        ServerRequestBridge.Answer decided() {
            return decided;
        }

        /** The answer went out on the client's connection {@code generation}. */
        void writtenOn(int generation) {
            writtenOn = generation;
        }

        /** The connection the answer went out on, or 0 when none took it. */
        int writtenOn() {
            return writtenOn;
        }

        /** The answer under way; cancelled at once if codex withdrew the request meanwhile. */
        public void answering(CompletableFuture<ServerRequestBridge.Answer> answer) {
            answering = answer;
            if (withdrawn) {
                answer.cancel(false);
            }
        }

        /** True exactly once, for whoever may write the answer now; false once it was written or withdrawn. */
        public boolean settleByAnswer() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            pending.forget(this);
            return true;
        }

        /**
         * Codex no longer waits for an answer. True when nothing was written yet: then nothing
         * ever will be, and the answer under way (the host's handler, a tool) is cancelled.
         */
        boolean withdraw() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            withdrawn = true;
            pending.forget(this);
            CompletableFuture<?> under = answering;
            if (under != null) {
                under.cancel(false);
            }
            return true;
        }

        public boolean isWithdrawn() {
            return withdrawn;
        }

        boolean isSettled() {
            return settled.get();
        }
    }

    /**
     * Codex withdrew {@code asked} before the session's answer was written: another client on
     * the thread answered it, or codex dropped it. {@code turnInterrupted}: it went with its
     * turn's interruption (codex drops what an interrupted turn still waits on).
     */
    record Withdrawn(Asked asked, boolean turnInterrupted) implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.withdrawn(this);
        }
    }

    /**
     * A decision on {@code asked} is ready; {@link Asked#settleByAnswer} makes sure it goes to
     * codex at most once, whoever gets there first, and never after codex withdrew the request.
     * {@code from} is the requests of the turn that asked (a later turn may see it).
     */
    record Answered(TurnRequests from, Asked asked, ServerRequestBridge.Answer answer) implements TurnEvent {
        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.answered(this);
        }
    }

    /** How a running turn takes what its inbox hands it, one at a time, in arrival order. */
    interface Handler {
        void onEvent(TurnEvent event);
    }
}
