package dev.codexbridge.session.internal.turn;

import dev.codexbridge.session.internal.inbox.TurnEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * What came for a thread between sending {@code turn/start} and codex's answer, in codex's order:
 * notifications (their turn is not known yet) and the server requests among them, which wait too,
 * so the listener hears both in the order codex sent them. Touched only by the turn's events.
 */
public final class StartHold {
    private final List<TurnEvent> held = new ArrayList<>();

    void notification(TurnEvent.Notified n) {
        held.add(n);
    }

    void request(TurnEvent.Asked asked) {
        held.add(asked);
    }

    /** What was held, in arrival order; the hold is over. */
    List<TurnEvent> release() {
        List<TurnEvent> all = new ArrayList<>(held);
        held.clear();
        return all;
    }

    /** The held requests, in order; the notifications stay held (until codex's record names the turn they may belong to). */
    List<TurnEvent.Asked> releaseRequests() {
        List<TurnEvent.Asked> requests = new ArrayList<>();
        held.removeIf(e -> {
            if (e instanceof TurnEvent.Asked a) {
                requests.add(a);
                return true;
            }
            return false;
        });
        return requests;
    }
}
