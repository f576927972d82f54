package dev.codexbridge.session.internal.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.JsonRpcId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one turn keeps so it can be followed across a dropped connection, or by a session that
 * did not start it (decision 0022): the ids of the items the listener has had as completed
 * (deduplication is by id, never by position), the requests the turn put to the host by codex's
 * id (codex sends a pending one again, under the same id, to a connection that resumes the
 * thread), whether it waits for its connection and until when, and the live messages held back
 * while what was missed is fetched. Touched only by the turn's events, one at a time.
 */
public final class TurnFollow {
    private static final String ITEM_STARTED = "item/started";
    private static final String ITEM_COMPLETED = "item/completed";

    private final Set<String> completed = new HashSet<>();
    private final Map<JsonRpcId, TurnEvent.Asked> asked = new HashMap<>();
    /** Requests whose answer the listener heard of ({@code onApprovalAnswered}): once each, however often codex asked. */
    private final Set<JsonRpcId> told = java.util.concurrent.ConcurrentHashMap.newKeySet();   // also after the turn's end, off its inbox
    private boolean detached;
    /** After a re-attach (or for an attached turn): live item messages are checked against {@link #completed}. */
    private boolean deduplicating;
    /** While detached: when the connection dropped, until when the turn waits, and why it dropped. */
    private long detachedAt;
    private long windowEnds;
    /** Windows added because the connection came back but the thread's resume had not come yet. */
    private int extensions;
    private ConnectionClosedException lostWith;
    private String lostReason;
    /** Non-null while what was missed is being fetched: the live messages that arrive meanwhile. */
    private List<CodexEvent.Notification> held;

    public boolean detached() {
        return detached;
    }

    /** The connection dropped at {@code now}; the turn waits for it until {@code window} has passed. */
    public void detach(ConnectionClosedException cause, String reason, long now, Duration window) {
        detached = true;
        held = null;        // what was held back before this drop is fetched again after it
        lostWith = cause;
        lostReason = reason;
        detachedAt = now;
        windowEnds = now + window.toNanos();
        extensions = 0;
    }

    /**
     * The window passed after the connection came back, with this thread's resume still waiting
     * behind the others a reconnect resumes ({@code ReconnectPolicy.concurrentResumes} at a time):
     * one more {@code window}, at most {@code most} windows in all. False when none is left.
     */
    public boolean extendWindow(Duration window, int most) {
        if (extensions + 1 >= most || window.isZero()) {
            return false;
        }
        extensions++;
        windowEnds += window.toNanos();
        return true;
    }

    /** Whether the window was extended because the connection came back before the thread was resumed. */
    public boolean extended() {
        return extensions > 0;
    }

    /** The turn is followed again: returns how long it was detached. */
    public Duration reattach(long now) {
        Duration gap = Duration.ofNanos(Math.max(0, now - detachedAt));
        detached = false;
        return gap;
    }

    public ConnectionClosedException lostWith() {
        return lostWith;
    }

    public String lostReason() {
        return lostReason;
    }

    public long detachedAt() {
        return detachedAt;
    }

    public long windowEnds() {
        return windowEnds;
    }

    /** From now until {@link #caughtUp}, live messages are held back, and item messages are deduplicated for good. */
    public void catchingUp() {
        held = new ArrayList<>();
        deduplicating = true;
    }

    public boolean isCatchingUp() {
        return held != null;
    }

    /** Holds {@code message} back while catching up; false when it is to be handled now. */
    public boolean hold(CodexEvent.Notification message) {
        if (held == null) {
            return false;
        }
        held.add(message);
        return true;
    }

    /** The messages held back, in arrival order; live messages are handled at once from now on. */
    public List<CodexEvent.Notification> caughtUp() {
        List<CodexEvent.Notification> out = held == null ? List.of() : held;
        held = null;
        return out;
    }

    /** Notes that the listener has had item {@code id} as completed: false when it had it already. */
    public boolean completed(String id) {
        return id == null || completed.add(id);
    }

    /**
     * Whether {@code message} is about an item the listener has had as completed (its
     * {@code item/started}, a delta, or its {@code item/completed} again): such a message came
     * both live and in what was fetched, and is dropped. Only after a re-attach: a turn never
     * detached pays nothing.
     */
    public boolean delivered(CodexEvent.Notification message) {
        if (!deduplicating || completed.isEmpty()) {
            return false;
        }
        JsonNode params = message.raw();
        String method = message.method();
        String id = ITEM_COMPLETED.equals(method) || ITEM_STARTED.equals(method) ? params.path("item").path("id").textValue()
                : params.path("itemId").textValue();
        return id != null && completed.contains(id);
    }

    /** The turn put {@code request} to the host (or is deciding it): kept by id until the turn ends. */
    void asked(TurnEvent.Asked request) {
        asked.putIfAbsent(request.request.id(), request);
    }

    /**
     * The request this turn already put to the host under {@code resent}'s id, or null: codex
     * sends a pending request again after a resume, and the host must see it once.
     */
    TurnEvent.Asked earlier(TurnEvent.Asked resent) {
        TurnEvent.Asked before = asked.get(resent.request.id());
        return before == resent || before == null || before.request.method() == null
                || !before.request.method().equals(resent.request.method()) ? null : before;
    }

    /** Makes {@code resent} the one the host's answer goes to from now on. */
    void replace(TurnEvent.Asked resent) {
        asked.put(resent.request.id(), resent);
    }

    /** The requests put to the host that are neither answered nor withdrawn. */
    List<TurnEvent.Asked> open() {
        List<TurnEvent.Asked> out = new ArrayList<>();
        for (TurnEvent.Asked a : asked.values()) {
            if (!a.isSettled()) {
                out.add(a);
            }
        }
        return out;
    }

    /** True the first time the listener is to hear of an answer to request {@code id}. */
    boolean firstAnswer(JsonRpcId id) {
        return told.add(id);
    }

    /** Forgets the requests: codex no longer runs the turn, or another app-server answers now (ids start again there). */
    void forgetRequests() {
        asked.clear();
    }
}
