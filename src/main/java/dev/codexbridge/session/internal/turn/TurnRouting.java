package dev.codexbridge.session.internal.turn;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.internal.inbox.TurnClock;
import dev.codexbridge.session.internal.inbox.TurnEvent;
import dev.codexbridge.session.internal.inbox.TurnFollow;
import dev.codexbridge.session.internal.inbox.TurnPlace;
import dev.codexbridge.session.internal.inbox.TurnRequests;
import dev.codexbridge.session.internal.inbox.TurnStop;

/**
 * Which of the thread's messages are the turn's, and when they are handled: a message of another
 * thread or turn is dropped; one that names a turn before codex has named this one waits, with the
 * server requests that came among them, in the {@link StartHold} until {@code turn/start} is
 * answered; one the catch-up after a dropped connection handed over already, or that comes while
 * it runs, is left to {@link TurnFollow}. The rest go to {@link TurnNotifications}, requests to
 * {@link TurnRequests}. Touched only from the turn's events.
 */
public final class TurnRouting {
    private final TurnPlace place;
    private final TurnClock clock;
    private final TurnFollow follow;
    private final TurnNotifications notifications;
    private final TurnRequests requests;
    private final TurnEnding ending;
    private final TurnStop stop;
    /** What came between sending {@code turn/start} and its answer. */
    private final StartHold early = new StartHold();

    TurnRouting(TurnPlace place, TurnClock clock, TurnFollow follow, TurnNotifications notifications, TurnRequests requests,
                TurnEnding ending, TurnStop stop) {
        this.place = place;
        this.clock = clock;
        this.follow = follow;
        this.notifications = notifications;
        this.requests = requests;
        this.ending = ending;
        this.stop = stop;
    }

    /** A message of the session's inbox that arrived at {@code now}; the turn's result when it ends the turn. */
    TurnResult message(CodexEvent.Notification n, long now) {
        if (n.threadId() != null && !n.threadId().equals(place.threadId())) {
            return null;
        }
        String turnId = place.turnId();
        String scope = n.turnId();
        if (turnId == null && scope != null) {
            early.notification(new TurnEvent.Notified(n));
            return null;
        }
        if (scope != null && !scope.equals(turnId)) {
            return null;
        }
        clock.progress(now);
        if (follow.hold(n) || follow.delivered(n)) {
            return null;    // held back while what was missed is fetched; or had already, fetched or live
        }
        return notification(n);
    }

    private TurnResult notification(CodexEvent.Notification n) {
        Turn ended = notifications.handle(n);
        return ended == null ? null : recorded(ended);
    }

    /** The turn ended as codex recorded it. */
    TurnResult recorded(Turn turn) {
        return ending.recorded(turn, stop.overflowLimit(), stop.reason());
    }

    /** A server request of this turn: held while {@code turn/start} is unanswered (after the notifications held before it), else put to the host. */
    void asked(TurnEvent.Asked pending, long now) {
        if (place.wasSent() && place.turnId() == null) {
            early.request(pending);
            return;
        }
        askNow(pending, now);
    }

    private void askNow(TurnEvent.Asked pending, long now) {
        requests.ask(pending);
        clock.progress(now);
    }

    /** The requests held for the start's answer go to the host: the host decides, and the turn's end settles them. */
    void askHeld(long now) {
        early.releaseRequests().forEach(pending -> askNow(pending, now));
    }

    /** The turn ended: requests held for a turn/start answer that never came are put to the host, as they were before the hold. */
    void askHeldAtEnd() {
        early.releaseRequests().forEach(requests::ask);
    }

    /**
     * What arrived before the turn was named, handled now in arrival order: its requests go to the
     * host, its notifications are handled when they are this turn's (an earlier turn's last words
     * are not, say one interrupted as the thread came back). {@code deduplicated}: through the
     * check against what codex's record handed over already.
     */
    TurnResult releaseEarly(long now, boolean deduplicated) {
        for (TurnEvent held : early.release()) {
            if (held instanceof TurnEvent.Asked pending) {
                askNow(pending, now);
            } else if (held instanceof TurnEvent.Notified n && place.turnId() != null && place.turnId().equals(n.message().turnId())) {
                TurnResult r = deduplicated ? message(n.message(), now) : notification(n.message());
                if (r != null) {
                    return r;
                }
            }
        }
        return null;
    }
}
