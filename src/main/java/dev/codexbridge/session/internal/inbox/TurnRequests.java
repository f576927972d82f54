package dev.codexbridge.session.internal.inbox;

import static dev.codexbridge.session.internal.inbox.ListenerCalls.safely;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.transcript.ItemProjector;
import java.util.concurrent.CompletableFuture;

/**
 * The server requests of one turn: each put to the host once (one codex asks again after a
 * resume goes to the decision already under way), the decision written once on the connection
 * it came from, never after codex withdrew the request, and the listener and transcript told of
 * both. A decision that comes after the turn ended is still written: codex must not wait for the
 * next turn. Called from the turn's events, one at a time; decisions arrive on any thread and are
 * posted into the turn's inbox.
 */
public final class TurnRequests {
    /** Before the result of an item whose request codex withdrew as the turn was interrupted. */
    public static final String WITHDRAWN_BY_INTERRUPT = "[withdrawn: the turn was interrupted before this session answered]";
    /** Before the result of an item whose request was settled without this session: another client answered it. */
    public static final String RESOLVED_ELSEWHERE = "[resolved elsewhere: codex did not wait for this session's answer]";

    /** What the requests need of their turn. */
    public interface Owner {
        /** Whether this session sent codex an interrupt for the turn. */
        boolean interruptSent();

        /** Whether the turn has ended (its result is being or has been handed out). */
        boolean isFinished();
    }

    /** Where the turn runs: its bridge, inbox and client. */
    private final TurnPlace place;
    private final Owner turn;
    private final TurnListener listener;
    private final TurnFollow follow;
    private final ItemProjector projector;

    public TurnRequests(TurnPlace place, Owner turn, TurnListener listener, TurnFollow follow, ItemProjector projector) {
        this.place = place;
        this.turn = turn;
        this.listener = listener;
        this.follow = follow;
        this.projector = projector;
    }

    /** Puts a request codex sent during this turn to the host (once: one asked again after a resume is matched). */
    public void ask(TurnEvent.Asked pending) {
        if (pending.isWithdrawn()) {
            return;
        }
        TurnEvent.Asked earlier = follow.earlier(pending);
        if (earlier != null && !earlier.isWithdrawn()) {
            adopt(earlier, pending);   // asked again after a resume, under the same id: the host sees it once
            return;
        }
        follow.asked(pending);
        CodexEvent.ServerRequest r = pending.request;
        ServerRequestBridge bridge = place.bridge();
        ApprovalRequest asked = bridge.describe(r.method(), r.params());
        pending.askedBy(this, asked);
        if (asked != null) {
            safely(() -> listener.onApprovalRequested(asked));
        }
        CompletableFuture<ServerRequestBridge.Answer> answering = bridge.answer(r.method(), r.params());
        pending.answering(answering);
        answering.whenComplete((ans, e) -> {
            if (!pending.isWithdrawn()) {
                decided(pending, ans);      // else codex no longer waits for it: nothing to write
            }
        });
    }

    /**
     * Codex asked again, under the same id, for a request this turn already put to the host:
     * the host's answer (given, or still to come) goes to the request codex holds now, once.
     */
    private void adopt(TurnEvent.Asked earlier, TurnEvent.Asked resent) {
        follow.replace(resent);
        resent.askedBy(earlier.askedBy(), earlier.shown());
        if (earlier.isSettled() && earlier.writtenOn() == place.client().generation()) {
            resent.settleByAnswer();    // answered on this connection already, as codex asked again: codex has it
            return;
        }
        ServerRequestBridge.Answer decided = earlier.decided();
        earlier.settleByAnswer();       // whatever went out for it was lost with its connection
        if (decided != null) {
            decided(resent, decided);
            return;
        }
        CompletableFuture<ServerRequestBridge.Answer> answering = earlier.answering();
        if (answering == null) {
            return;
        }
        resent.answering(answering);
        answering.whenComplete((ans, e) -> {
            if (!resent.isWithdrawn()) {
                decided(resent, ans);
            }
        });
    }

    /** Codex no longer waits on the turn's open requests (the turn ended in the gap, or its app-server is gone). */
    public void withdrawOpen() {
        for (TurnEvent.Asked a : follow.open()) {
            if (a.withdraw()) {
                withdrawn(new TurnEvent.Withdrawn(a, false));
            }
        }
        follow.forgetRequests();
    }

    /** An item that completed in the gap settled the requests about it. */
    public void withdrawAbout(String itemId) {
        for (TurnEvent.Asked a : follow.open()) {
            if (itemId.equals(a.itemId()) && a.withdraw()) {
                withdrawn(new TurnEvent.Withdrawn(a, false));
            }
        }
    }

    /** A decision on {@code asked} is ready: it goes through the turn's inbox, or out at once when the turn is over. */
    void decided(TurnEvent.Asked asked, ServerRequestBridge.Answer answer) {
        asked.decided(answer);
        TurnEvent.Answered answered = new TurnEvent.Answered(this, asked, answer);
        place.inbox().post(answered);
        if (turn.isFinished() && write(answered)) {
            // decided after the turn ended: codex must not wait for the next turn, and the listener hears of it here,
            // for the inbox finds it written already
            heard(answered);
        }
    }

    /** A decision reached the turn: written (once), and the listener hears of it once per request. */
    public void respond(TurnEvent.Answered a) {
        if (write(a)) {
            heard(a);
        }
    }

    /** The decisions ready but not yet handled when the turn ended go out now, and the listener hears of them. */
    public void writeQueued() {
        place.inbox().forEachQueuedEvent(o -> {
            if (o instanceof TurnEvent.Answered a && a.from() == this && write(a)) {
                heard(a);
            }
        });
    }

    /** The listener hears of a decision written on this turn's request, once per request whichever path wrote it. */
    private void heard(TurnEvent.Answered a) {
        ServerRequestBridge.Answer ans = a.answer();
        if (a.from() == this && ans != null && ans.request() != null && ans.decision() != null && follow.firstAnswer(a.asked().request.id())) {
            ApprovalDecision d = ans.decision();
            safely(() -> listener.onApprovalAnswered(ans.request(), d));
        }
    }

    /**
     * Writes a decision once, on the connection its request came from; false if it was written
     * already or codex withdrew the request.
     */
    private static boolean write(TurnEvent.Answered a) {
        if (!a.asked().settleByAnswer()) {
            return false;
        }
        CodexClient c = a.from().place.client();
        ServerRequestBridge.Answer ans = a.answer();
        CodexEvent.ServerRequest request = a.asked().request;
        int on = c.generation();
        boolean written;
        if (ans == null) {
            written = c.respondError(request.id(), new RpcError(RpcError.INTERNAL_ERROR, "no answer"));
        } else if (ans.error() != null) {
            written = c.respondError(request.id(), ans.error());
        } else {
            written = c.respond(request.id(), ans.result());
        }
        if (written) {
            a.asked().writtenOn(on);    // a request codex asks again after a resume on a later connection is answered again
        }
        return true;
    }

    /**
     * Codex withdrew a request before the session answered it: the transcript says so beside the
     * item it was about, and the listener hears of it if this turn showed it to the host.
     */
    public void withdrawn(TurnEvent.Withdrawn w) {
        TurnEvent.Asked asked = w.asked();
        String item = asked.itemId();
        String turnId = place.turnId();
        if (item != null && (asked.turnId() == null || turnId == null || asked.turnId().equals(turnId))) {
            projector.noteResult(item, w.turnInterrupted() || turn.interruptSent() ? WITHDRAWN_BY_INTERRUPT : RESOLVED_ELSEWHERE);
        }
        ApprovalRequest shown = asked.shown();
        if (asked.askedBy() == this && shown != null) {
            safely(() -> listener.onApprovalWithdrawn(shown));
        }
    }
}
