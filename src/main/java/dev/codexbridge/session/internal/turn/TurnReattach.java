package dev.codexbridge.session.internal.turn;

import static dev.codexbridge.session.internal.inbox.ListenerCalls.safely;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.internal.inbox.SessionInbox;
import dev.codexbridge.session.internal.inbox.TurnCatchUp;
import dev.codexbridge.session.internal.inbox.TurnClock;
import dev.codexbridge.session.internal.inbox.TurnEvent;
import dev.codexbridge.session.internal.inbox.TurnFollow;
import dev.codexbridge.session.internal.inbox.TurnPlace;
import dev.codexbridge.session.internal.inbox.TurnRequests;
import dev.codexbridge.session.internal.inbox.TurnStop;
import dev.codexbridge.session.internal.thread.ResumeWatch;
import dev.codexbridge.session.internal.thread.ThreadConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
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
public final class TurnReattach {
    private static final Logger LOG = SafeLogger.getLogger(TurnReattach.class);

    /** What following a turn needs of it: {@link TurnRun}, called only from the turn's events. */
    interface FollowedTurn {
        TurnListener listener();

        Duration requestTimeout();

        /** Sends an interrupt asked for while nothing could be sent; {@code resend}: one sent on the dropped connection may be lost. */
        void interruptIfAsked(boolean resend);

        /** Whether this session asked codex to stop the turn (the host, a deadline, the step budget). */
        boolean interruptedHere();

        /** A live message held back while catching up, handled now; a result when it ends the turn. */
        TurnResult handleHeld(CodexEvent.Notification message, long now);

        /** The turn ended as codex recorded it. */
        TurnResult endAs(Turn turn);

        /** Codex's record named the turn (its start's answer was lost). */
        void identify(String turnId);

        /** What arrived before the turn was named, handled now; a result when it ends the turn. */
        TurnResult releaseEarly(long now);
    }

    private final ThreadConnection thread;
    private final FollowedTurn turn;
    private final TurnPlace place;
    /** How the turn ends when following it ends it otherwise than as codex recorded it. */
    private final TurnEnding ending;
    private final TurnFollow follow;
    /** The turn's server requests: those open when the turn ends in the gap, or are settled by an item that completed in it, are withdrawn. */
    private final TurnRequests requests;
    /** Where what codex completed in the gap goes: the listener, the transcript, the step count, as if live. */
    private final TurnNotifications notifications;
    /** Counts the fetches of what was missed, so a late answer to an earlier one is told apart. */
    private int catchUpRound;
    /** Reads of codex's record since the thread came back that found no such turn (see caughtUp). */
    private int recordMisses;
    /**
     * How long after a first read that found no such turn codex's record is read again before the
     * turn counts as never received, or gone: a {@code turn/start} codex read just before the drop
     * may still be on its way to the thread, and a turn that ended in between is in the next read.
     */
    static final Duration KEY_RECHECK = Duration.ofSeconds(1);
    /**
     * Reads of codex's record while codex runs a turn on the thread (its status says active): a
     * turn codex has just begun, even one it named, may be missing from the record for seconds on
     * a loaded machine, so a miss then proves nothing; past this many reads the outcome is unknown.
     */
    static final int KEY_READS_WHILE_ACTIVE = 30;
    /** How the session's thread connection tells the turn that its thread is back after a drop. */
    private final ResumeWatch watch;

    TurnReattach(ThreadConnection thread, TurnRun run, TurnPlace place, TurnEnding ending, TurnFollow follow, TurnRequests requests,
                 TurnNotifications notifications) {
        this.thread = thread;
        this.turn = run;
        this.place = place;
        this.ending = ending;
        this.follow = follow;
        this.requests = requests;
        this.notifications = notifications;
        this.watch = new ResumeWatch() {
            @Override
            public void resumed(SessionInbox box) {
                // on the reader thread, before the messages that follow the resume: none reaches the box unclaimed
                box.turnStarted(run);
                box.post(new TurnEvent.Resumed(box, true));
            }

            @Override
            public void failed(Throwable why) {
                SessionInbox box = place.inbox();
                if (box != null) {
                    box.post(new TurnEvent.Closed(new ConnectionClosedException("the thread could not be resumed after the reconnect: "
                            + UntrustedText.messageOf(why), why), null));
                }
            }
        };
    }

    ResumeWatch watch() {
        return watch;
    }

    /**
     * A connection closed. The turn's own, while codex may still run the turn on a running
     * app-server: the turn waits for the reconnect within the window. Otherwise it ends.
     */
    TurnResult closed(TurnEvent.Closed closed, long now) {
        if (closed.from() != null && closed.from() != place.inbox()) {
            return null;        // an earlier connection's inbox, let go as the thread moved on
        }
        if (follow.detached()) {
            return closed.from() == null ? lost(closed.cause(), "") : null;
        }
        boolean findable = place.turnId() != null || place.messageId() != null;
        Duration window = !findable || closed.from() == null ? null : thread.reattachWindow();
        if (window == null && place.turnId() == null && place.startAwaited()) {
            return null;        // turn/start's failure follows the close and says whether it ever went out
        }
        if (window == null) {
            return ending.died(closed.cause(), "");
        }
        return detach(closed.cause(), now, window);
    }

    /**
     * The connection closed before codex answered {@code turn/start}: whether codex received it is
     * not known yet. The turn waits for the connection like a running one, then looks for its key
     * in codex's record (decision 0032).
     */
    TurnResult startLost(ConnectionClosedException cause, long now) {
        if (follow.detached()) {
            return null;        // the connection's end came first
        }
        return detach(cause, now, thread.reattachWindow());
    }

    private TurnResult detach(ConnectionClosedException cause, long now, Duration window) {
        String reason = UntrustedText.messageOf(cause);
        follow.detach(cause, reason, now, window);
        thread.watchResume(watch);
        SessionInbox box = place.inbox();
        place.client().closedFuture().thenAccept(gone -> box.post(new TurnEvent.Closed(gone, null)));   // every reconnect failed
        LOG.debug("turn {} lost its connection ({}); waiting up to {} for it", place.turnId() != null ? place.turnId() : place.messageId(),
                reason, TurnClock.seconds(window));
        safely(() -> turn.listener().onConnectionLost(reason));
        return null;
    }

    /** The window passed with the turn detached: its outcome is unknown (decision 0032). */
    TurnResult windowPassed() {
        String waited = TurnClock.seconds(Duration.ofNanos(follow.windowEnds() - follow.detachedAt()));
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
            place.moveTo(r.box());
            thread.watchResume(watch);
            LOG.debug("turn {} re-attached after {} ms", place.turnId(), gap.toMillis());
            safely(() -> turn.listener().onReattached(gap));
        }
        turn.interruptIfAsked(r.afterDrop());
        follow.catchingUp();
        recordMisses = 0;
        fetch(Duration.ZERO);
        return null;
    }

    /** Reads codex's record of the turn, by its id or, while codex has not named it, by its key; the answer comes as an event. */
    private void fetch(Duration after) {
        int round = ++catchUpRound;
        SessionInbox box = place.inbox();
        CodexClient client = place.client();
        String threadId = place.threadId();
        String turnId = place.turnId();
        String messageId = place.messageId();
        Runnable read = () -> (turnId != null ? TurnCatchUp.fetch(client, threadId, turnId) : TurnCatchUp.fetchByKey(client, threadId, messageId))
                .whenComplete((rec, e) -> box.post(new TurnEvent.CaughtUp(rec, e, round)));
        if (after.isZero()) {
            read.run();
        } else {
            RpcThreads.timer().schedule(() -> RpcThreads.callbacks().execute(read), after.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Codex's record of the turn arrived: its completed items the listener has not had go to it
     * in order, then the messages held back; a turn that ended meanwhile ends as codex recorded it.
     */
    TurnResult caughtUp(TurnEvent.CaughtUp c, long now) {
        if (c.round() != catchUpRound || follow.detached() || !follow.isCatchingUp()) {
            return null;        // an earlier fetch's late answer, or one the connection's end overtook
        }
        String turnId = place.turnId();
        if (c.failure() != null) {
            Throwable cause = c.failure() instanceof CompletionException && c.failure().getCause() != null ? c.failure().getCause() : c.failure();
            if (cause instanceof ConnectionClosedException || cause instanceof CodexException && !place.client().isOpen()) {
                return null;    // dropped again: the inbox's end follows
            }
            return gone("codex's record of turn " + UntrustedText.of(turnId) + " could not be read: " + UntrustedText.messageOf(cause));
        }
        TurnCatchUp.TurnRecord rec = c.record();
        if (rec.turn() == null && (++recordMisses < 2 || rec.threadActive() && recordMisses < KEY_READS_WHILE_ACTIVE)) {
            fetch(KEY_RECHECK);
            return null;
        }
        if (turnId == null) {
            if (rec.turn() == null) {
                requests.withdrawOpen();
                if (rec.threadActive()) {
                    return ending.unsettled("codex still runs a turn on thread " + UntrustedText.of(place.threadId()) + " that its record "
                            + "does not show, and no turn there carries this turn's key " + UntrustedText.of(place.messageId()) + " after "
                            + KEY_READS_WHILE_ACTIVE + " reads");
                }
                return ending.notReceived("codex never received this turn: its record of thread " + UntrustedText.of(place.threadId())
                        + " holds no turn with its key " + UntrustedText.of(place.messageId()) + " (the connection closed before codex "
                        + "read turn/start); nothing ran, so sending the input again duplicates nothing");
            }
            turnId = rec.turn().id();
            LOG.debug("turn {} found in codex's record by its key {}", turnId, place.messageId());
            turn.identify(turnId);
            turn.interruptIfAsked(false);       // asked for while codex had not named the turn
        }
        if (rec.turn() == null) {
            if (rec.threadActive()) {
                requests.withdrawOpen();
                interruptIfOpen();      // whatever codex runs of it stops: the host is told its outcome is unknown
                return ending.unsettled("codex still runs a turn on thread " + UntrustedText.of(place.threadId()) + " that its record "
                        + "does not show, and turn " + UntrustedText.of(turnId) + " is not in it after " + KEY_READS_WHILE_ACTIVE
                        + " reads");
            }
            return gone("codex has no record of turn " + UntrustedText.of(turnId) + " on thread " + UntrustedText.of(place.threadId())
                    + ": the app-server that ran it restarted, or kept no record of it across the dropped connection; it may "
                    + "have begun");
        }
        for (TurnCatchUp.Fetched f : rec.items()) {
            if (follow.completed(f.id())) {
                requests.withdrawAbout(f.id());
                notifications.deliverCompleted(f.item());
            }
        }
        List<CodexEvent.Notification> held = follow.caughtUp();
        TurnResult early = turn.releaseEarly(now);
        if (early != null) {
            return early;
        }
        if (!rec.running()) {
            requests.withdrawOpen();
            Turn recorded = rec.turn();
            if (recorded.status() == TurnStatus.INTERRUPTED && !turn.interruptedHere()) {
                // codex reads a turn it never finished as interrupted after a restart, and after unloading a thread its last
                // connection left while the turn did not show as running yet (bin/bench faults: 2 of 300); this session
                // interrupted nothing
                return gone("codex no longer runs turn " + UntrustedText.of(turnId) + ": it reads as interrupted, as after a restart "
                        + "of the app-server, or an unload of the thread as its connection dropped (or another client interrupted it)");
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

    /** The app-server that ran the turn is gone, or the turn could not be followed again: it ends with what it has. */
    private TurnResult gone(String message) {
        requests.withdrawOpen();
        interruptIfOpen();      // in case codex still runs it after all
        return ending.failed(TurnFailure.of(message, ErrorCategory.PROCESS_DIED, null));
    }

    /**
     * The connection did not come back in time (or the client gave up): codex's record could not
     * be read, so the outcome is unknown (decision 0032), never guessed as failed.
     */
    private TurnResult lost(ConnectionClosedException cause, String why) {
        requests.withdrawOpen();
        if (!why.isEmpty()) {
            interruptIfOpen();  // back, but too late: nothing goes on behind the host's back
        }
        return ending.unknown(cause != null ? cause : new ConnectionClosedException("the connection to codex was lost"), why);
    }

    private void interruptIfOpen() {
        CodexClient c = place.client();
        if (c.isOpen() && place.turnId() != null) {
            TurnStop.interrupt(c, place.threadId(), place.turnId(), turn.requestTimeout());
        }
    }
}
