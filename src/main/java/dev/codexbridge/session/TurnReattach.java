package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.rpc.ConnectionClosedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;

/**
 * Follows one turn across a dropped connection, or from a session that did not start it
 * (decision 0022): the turn's connection closes while codex may still run it, so it waits for the
 * reconnect within the window; once its thread is resumed it moves to the new connection, reads
 * codex's record of the turn ({@link TurnCatchUp}) while holding the live messages back, and
 * hands over, once each, what it missed; a request codex asks again under the same id goes to the
 * host's decision already under way. Only the turn's events call it, one at a time; what it keeps
 * is a {@link TurnFollow}.
 */
final class TurnReattach {
    private static final Logger LOG = SafeLogger.getLogger(TurnReattach.class);

    /** What following a turn needs of it: {@link TurnRun}, called only from the turn's events. */
    interface FollowedTurn {
        String threadId();

        String turnId();

        CodexClient client();

        SessionInbox inbox();

        TurnListener listener();

        Duration requestTimeout();

        /** The turn's messages come from {@code box}, on the client's current connection, from now on. */
        void moveTo(SessionInbox box);

        /** Sends an interrupt asked for while nothing could be sent; {@code resend}: one sent on the dropped connection may be lost. */
        void interruptIfAsked(boolean resend);

        /** Whether this session asked codex to stop the turn (the host, a deadline, the step budget). */
        boolean interruptedHere();

        /** An item codex completed while nobody here listened: to the listener, transcript and step count like a live one. */
        void deliverCompleted(ThreadItem item);

        /** A live message held back while catching up, handled now; a result when it ends the turn. */
        TurnResult handleHeld(CodexEvent.Notification message, long now);

        /** The turn ended as codex recorded it. */
        TurnResult endAs(Turn turn);

        /** The turn ended with its connection; {@code later} is added to the explanation (why it was not waited for longer). */
        TurnResult died(ConnectionClosedException cause, String later);

        /** The turn ends failed with {@code failure} (the connection is fine). */
        TurnResult failedWith(TurnFailure failure);

        /** Codex no longer waits for {@code w}'s request: the transcript and the listener hear of it. */
        void withdrawn(TurnEvent.Withdrawn w);

        /** A decision on {@code asked} is ready: written once, the listener told. */
        void decided(TurnEvent.Asked asked, ServerRequestBridge.Answer answer);
    }

    private final ThreadConnection thread;
    private final FollowedTurn turn;
    private final TurnFollow follow = new TurnFollow();
    /** Counts the fetches of what was missed, so a late answer to an earlier one is told apart. */
    private int catchUpRound;
    /** How the session's thread connection tells the turn that its thread is back after a drop. */
    private final ThreadConnection.ResumeWatch watch;

    TurnReattach(ThreadConnection thread, TurnRun run) {
        this.thread = thread;
        this.turn = run;
        this.watch = new ThreadConnection.ResumeWatch() {
            @Override
            public void resumed(SessionInbox box) {
                // on the reader thread, before the messages that follow the resume: none reaches the box unclaimed
                box.turnStarted(run);
                box.post(new TurnEvent.Resumed(box, true));
            }

            @Override
            public void failed(Throwable why) {
                SessionInbox box = run.inbox();
                if (box != null) {
                    box.post(new TurnEvent.Closed(new ConnectionClosedException("the thread could not be resumed after the reconnect: "
                            + UntrustedText.messageOf(why), why), null));
                }
            }
        };
    }

    TurnFollow state() {
        return follow;
    }

    ThreadConnection.ResumeWatch watch() {
        return watch;
    }

    /**
     * A connection closed. The turn's own, while codex may still run the turn on a running
     * app-server: the turn waits for the reconnect within the window. Otherwise it ends.
     */
    TurnResult closed(TurnEvent.Closed closed, long now) {
        if (closed.from() != null && closed.from() != turn.inbox()) {
            return null;        // an earlier connection's inbox, let go as the thread moved on
        }
        if (follow.detached()) {
            return closed.from() == null ? lost(closed.cause(), "") : null;
        }
        Duration window = turn.turnId() == null || closed.from() == null ? null : thread.reattachWindow();
        if (window == null) {
            return turn.died(closed.cause(), "");
        }
        String reason = UntrustedText.messageOf(closed.cause());
        follow.detach(closed.cause(), reason, now, window);
        thread.watchResume(watch);
        SessionInbox box = turn.inbox();
        turn.client().closedFuture().thenAccept(gone -> box.post(new TurnEvent.Closed(gone, null)));   // every reconnect failed
        LOG.debug("turn {} lost its connection ({}); waiting up to {} for it", turn.turnId(), reason, TurnRun.seconds(window));
        safely(() -> turn.listener().onConnectionLost(reason));
        return null;
    }

    /** The window passed with the turn detached: it ends as it did before decision 0022. */
    TurnResult windowPassed() {
        String waited = TurnRun.seconds(Duration.ofNanos(follow.windowEnds() - follow.detachedAt()));
        return lost(follow.lostWith(), follow.extended()
                ? "; the connection came back, but the thread was not resumed within " + waited + " of the drop"
                : "; it did not come back within the re-attach window of " + waited);
    }

    /** The thread is back on a new connection (or, for an attached turn, open): fetch what was missed, hold the live messages back meanwhile. */
    TurnResult resumed(TurnEvent.Resumed r, long now) {
        if (r.afterDrop()) {
            if (!follow.detached()) {
                // the resume overtook the old connection's end, whose inbox is drained apart: the drop is noted now
                follow.detach(null, "the connection to codex was lost", now, Duration.ZERO);
                safely(() -> turn.listener().onConnectionLost(follow.lostReason()));
            }
            Duration gap = follow.reattach(now);
            turn.moveTo(r.box());
            thread.watchResume(watch);
            LOG.debug("turn {} re-attached after {} ms", turn.turnId(), gap.toMillis());
            safely(() -> turn.listener().onReattached(gap));
        }
        turn.interruptIfAsked(r.afterDrop());
        follow.catchingUp();
        int round = ++catchUpRound;
        SessionInbox box = turn.inbox();
        TurnCatchUp.fetch(turn.client(), turn.threadId(), turn.turnId())
                .whenComplete((rec, e) -> box.post(new TurnEvent.CaughtUp(rec, e, round)));
        return null;
    }

    /**
     * Codex's record of the turn arrived: its completed items the listener has not had go to it
     * in order, then the messages held back; a turn that ended meanwhile ends as codex recorded it.
     */
    TurnResult caughtUp(TurnEvent.CaughtUp c, long now) {
        if (c.round() != catchUpRound || follow.detached() || !follow.isCatchingUp()) {
            return null;        // an earlier fetch's late answer, or one the connection's end overtook
        }
        String turnId = turn.turnId();
        if (c.failure() != null) {
            Throwable cause = c.failure() instanceof CompletionException && c.failure().getCause() != null ? c.failure().getCause() : c.failure();
            if (cause instanceof ConnectionClosedException || cause instanceof CodexException && !turn.client().isOpen()) {
                return null;    // dropped again: the inbox's end follows
            }
            return gone("codex's record of turn " + UntrustedText.of(turnId) + " could not be read: " + UntrustedText.messageOf(cause));
        }
        TurnCatchUp.TurnRecord rec = c.record();
        if (rec.turn() == null) {
            return gone("codex has no record of turn " + UntrustedText.of(turnId) + " on thread " + UntrustedText.of(turn.threadId())
                    + ": the app-server that ran it is gone");
        }
        for (TurnCatchUp.Fetched f : rec.items()) {
            if (follow.completed(f.id())) {
                withdrawAbout(f.id());
                turn.deliverCompleted(f.item());
            }
        }
        List<CodexEvent.Notification> held = follow.caughtUp();
        if (!rec.running()) {
            withdrawOpen();
            Turn recorded = rec.turn();
            if (recorded.status() == TurnStatus.INTERRUPTED && !turn.interruptedHere()) {
                // codex reads a turn it never finished as interrupted after a restart; this session interrupted nothing
                return gone("codex no longer runs turn " + UntrustedText.of(turnId) + ": it reads as interrupted, as after a restart "
                        + "of the app-server (or another client interrupted it)");
            }
            return turn.endAs(recorded);
        }
        for (CodexEvent.Notification n : held) {
            TurnResult r = turn.handleHeld(n, now);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /**
     * Codex asked again, under the same id, for a request this turn already put to the host:
     * the host's answer (given, or still to come) goes to the request codex holds now, once.
     */
    void adopt(TurnEvent.Asked earlier, TurnEvent.Asked resent) {
        follow.replace(resent);
        resent.askedBy(earlier.askedBy(), earlier.shown());
        if (earlier.isSettled() && earlier.writtenOn() == turn.client().generation()) {
            resent.settleByAnswer();    // answered on this connection already, as codex asked again: codex has it
            return;
        }
        ServerRequestBridge.Answer decided = earlier.decided();
        earlier.settleByAnswer();       // whatever went out for it was lost with its connection
        if (decided != null) {
            turn.decided(resent, decided);
            return;
        }
        CompletableFuture<ServerRequestBridge.Answer> answering = earlier.answering();
        if (answering == null) {
            return;
        }
        resent.answering(answering);
        answering.whenComplete((ans, e) -> {
            if (!resent.isWithdrawn()) {
                turn.decided(resent, ans);
            }
        });
    }

    /** Codex no longer waits on the turn's open requests (the turn ended in the gap, or its app-server is gone). */
    private void withdrawOpen() {
        for (TurnEvent.Asked a : follow.open()) {
            if (a.withdraw()) {
                turn.withdrawn(new TurnEvent.Withdrawn(a, false));
            }
        }
        follow.forgetRequests();
    }

    /** An item that completed in the gap settled the requests about it. */
    private void withdrawAbout(String itemId) {
        for (TurnEvent.Asked a : follow.open()) {
            if (itemId.equals(a.itemId()) && a.withdraw()) {
                turn.withdrawn(new TurnEvent.Withdrawn(a, false));
            }
        }
    }

    /** The app-server that ran the turn is gone, or the turn could not be followed again: it ends with what it has. */
    private TurnResult gone(String message) {
        withdrawOpen();
        interruptIfOpen();      // in case codex still runs it after all
        return turn.failedWith(TurnFailure.of(message, ErrorCategory.PROCESS_DIED, null));
    }

    /** The connection did not come back in time (or the client gave up): the turn ends as before decision 0022. */
    private TurnResult lost(ConnectionClosedException cause, String why) {
        withdrawOpen();
        if (cause == null) {
            return gone("the connection to codex was lost" + why);
        }
        if (!why.isEmpty()) {
            interruptIfOpen();  // back, but too late: nothing goes on behind the host's back
        }
        return turn.died(cause, why);
    }

    private void interruptIfOpen() {
        CodexClient c = turn.client();
        if (c.isOpen()) {
            TurnRun.interrupt(c, turn.threadId(), turn.turnId(), turn.requestTimeout());
        }
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("turn listener failed", e);
        }
    }
}
