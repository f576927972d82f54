package dev.codexbridge.session.internal.inbox;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.RequestId;
import dev.codexbridge.protocol.ServerRequestResolvedNotification;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnCompletedNotification;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.rpc.JsonRpcId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The server requests a session's connection holds unanswered, by id, and what tells that codex
 * withdrew one. Read on the connection's reader thread, before the message that withdraws a
 * request is queued, so a decision the host makes after that moment is never written.
 *
 * <p>What codex 0.169 sends when a request is settled without this session's answer (checked on
 * the binary, {@code ServerRequestResolvedLiveTest}):
 * <ul>
 *   <li>an approval another client on the thread answered first: {@code serverRequest/resolved}
 *       with its id, before the item's {@code item/completed};</li>
 *   <li>an approval pending when its turn is interrupted: {@code turn/completed} (interrupted),
 *       then {@code serverRequest/resolved}; the item never completes;</li>
 *   <li>a dynamic tool call ({@code item/tool/call}, sent to every subscriber of the thread) that
 *       another client answered, or that an interrupt cancelled: no {@code serverRequest/resolved}
 *       at all, only the call's {@code item/completed}.</li>
 * </ul>
 * So a request is withdrawn by whichever comes first: {@code serverRequest/resolved} with its id,
 * {@code item/completed} of the item it is about, or {@code turn/completed} of its turn as
 * interrupted (read so the turn can report the withdrawal before it ends; the resolution follows
 * it). A turn that ends otherwise with a request open leaves that request to
 * {@code serverRequest/resolved}: while codex waits, a late decision is still written. After the
 * session's own answer codex sends {@code serverRequest/resolved} too; by then the request is no
 * longer here, and nothing happens.
 *
 * <p>Each connection has its own map. After a drop codex sends a request still pending again, under
 * the same id, to the connection that resumes the thread (decision 0022): it lands here as a new
 * request, and the turn that put the first one to the host matches it by id ({@link TurnFollow},
 * {@link TurnRequests}), so the host sees it once.
 */
public final class PendingRequests {
    private static final String RESOLVED = "serverRequest/resolved";
    private static final String ITEM_COMPLETED = "item/completed";
    private static final String TURN_COMPLETED = "turn/completed";

    private final Map<JsonRpcId, TurnEvent.Asked> byId = new ConcurrentHashMap<>();

    /** A request codex sent: pending until answered or withdrawn. */
    public TurnEvent.Asked add(CodexEvent.ServerRequest request) {
        TurnEvent.Asked asked = new TurnEvent.Asked(request, this);
        byId.put(request.id(), asked);
        return asked;
    }

    /** {@code asked} was answered or withdrawn. */
    void forget(TurnEvent.Asked asked) {
        byId.remove(asked.request.id(), asked);
    }

    public boolean isEmpty() {
        return byId.isEmpty();
    }

    /**
     * Withdraws the requests {@code message} says codex no longer waits for, and returns them (in
     * no particular order); almost always none. Cheap while nothing is pending.
     */
    public List<TurnEvent.Withdrawn> withdrawnBy(CodexEvent.Notification message) {
        if (byId.isEmpty()) {
            return List.of();
        }
        String method = message.method();
        if (RESOLVED.equals(method)) {
            ServerRequestResolvedNotification resolved = message.paramsAs(ServerRequestResolvedNotification.class);
            JsonRpcId id = resolved == null ? null : idOf(resolved.requestId());
            TurnEvent.Asked asked = id == null ? null : byId.get(id);
            return asked != null && sameThread(asked, message) && asked.withdraw()
                    ? List.of(new TurnEvent.Withdrawn(asked, false)) : List.of();
        }
        if (ITEM_COMPLETED.equals(method)) {
            String item = completedItemId(message);
            return item == null ? List.of() : withdrawAll(message, asked -> item.equals(asked.itemId()), false);
        }
        if (TURN_COMPLETED.equals(method)) {
            TurnCompletedNotification completed = message.paramsAs(TurnCompletedNotification.class);
            Turn turn = completed == null ? null : completed.turn();
            if (turn == null || turn.id() == null || turn.status() != TurnStatus.INTERRUPTED) {
                return List.of();
            }
            return withdrawAll(message, asked -> turn.id().equals(asked.turnId()), true);
        }
        return List.of();
    }

    private List<TurnEvent.Withdrawn> withdrawAll(CodexEvent.Notification message,
            Predicate<TurnEvent.Asked> about, boolean turnInterrupted) {
        List<TurnEvent.Withdrawn> out = new ArrayList<>(1);
        for (TurnEvent.Asked asked : byId.values()) {
            if (about.test(asked) && sameThread(asked, message) && asked.withdraw()) {
                out.add(new TurnEvent.Withdrawn(asked, turnInterrupted));
            }
        }
        return out;
    }

    /** The completed item's id, from the typed item (a command's output can be large; its JSON form is not built for this). */
    private static String completedItemId(CodexEvent.Notification message) {
        ItemCompletedNotification completed = message.paramsAs(ItemCompletedNotification.class);
        return completed == null || completed.item() == null ? null : completed.item().id();
    }

    /** A connection of the session's own also hands it messages of no thread; those withdraw nothing of a thread's. */
    private static boolean sameThread(TurnEvent.Asked asked, CodexEvent.Notification message) {
        String requestThread = asked.request.threadId();
        return requestThread == null || requestThread.equals(message.threadId());
    }

    private static JsonRpcId idOf(RequestId id) {
        if (id instanceof RequestId.IntegerValue n && n.value() != null) {
            return JsonRpcId.of(n.value());
        }
        if (id instanceof RequestId.StringValue s && s.value() != null) {
            return JsonRpcId.of(s.value());
        }
        return null;
    }
}
