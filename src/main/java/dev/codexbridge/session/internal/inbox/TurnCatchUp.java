package dev.codexbridge.session.internal.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ThreadItemsListCursor;
import dev.codexbridge.protocol.ThreadItemsListParams;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.protocol.ThreadStatus;
import dev.codexbridge.protocol.ThreadTurnsListParams;
import dev.codexbridge.protocol.TurnItemsView;
import dev.codexbridge.protocol.ThreadTurnsListResponse;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Reads codex's record of one turn without waiting on a thread: its status and error from
 * {@code thread/turns/list} (newest first) and its completed items, in order, from
 * {@code thread/items/list {threadId, turnId}}, following {@code nextCursor} through every page.
 * What a turn followed again after a drop, or by a new process, missed (decision 0022).
 */
public final class TurnCatchUp {
    /** Turns asked for per page: the turn followed is almost always the newest. */
    private static final long TURNS_PAGE = 10;
    /** Pages of turns looked through before the turn is taken as unknown to codex. */
    private static final int MAX_TURN_PAGES = 50;

    /**
     * Codex's record of a turn: {@code turn} is null when codex knows no such turn (a different
     * app-server, or one that never wrote it); {@code items} are the completed ones, in order.
     * {@code threadActive}, read only when the turn is not in the record: codex was running a turn
     * on the thread around the time its record was read.
     */
    public record TurnRecord(Turn turn, List<Fetched> items, boolean threadActive) {
        public TurnRecord(Turn turn, List<Fetched> items) {
            this(turn, items, false);
        }

        public boolean running() {
            return turn != null && turn.status() == TurnStatus.IN_PROGRESS;
        }
    }

    /** One completed item as listed, with its id (read from the JSON: the item union has no common accessor). */
    public record Fetched(String id, ThreadItem item) {
    }

    private TurnCatchUp() {
    }

    /**
     * {@code thread/turns/list} on the library's own path: its continuations run on the library's
     * threads, never behind host code that may block every thread of the host pool.
     */
    private static CompletableFuture<ThreadTurnsListResponse> turns(CodexClient client, ThreadTurnsListParams params) {
        return ClientPlumbing.of(client).request("thread/turns/list", params, ThreadTurnsListResponse.class, client.requestTimeout());
    }

    /**
     * {@link #turns} for a turn codex has named: its thread has a user message, so a "not
     * materialized yet" refusal is codex's projection lagging, and is asked again. Elsewhere that
     * refusal can be the truth (a fresh thread: no turn yet) and is answered at once.
     */
    private static CompletableFuture<ThreadTurnsListResponse> turnsOfANamedTurn(CodexClient client, ThreadTurnsListParams params) {
        return turns(client, params, System.nanoTime() + UNMATERIALIZED_WAIT.toNanos(), 50);
    }

    /**
     * How long a "not materialized yet" refusal is asked again. Codex 0.169.0 answers
     * {@code thread/turns/list} from a projection of the rollout that it builds on its own time: for a
     * moment after a turn starts, and after a resume of an imported copy (decision 0057), it
     * refuses although the thread has turns. Past this the refusal is passed on.
     */
    private static final Duration UNMATERIALIZED_WAIT = Duration.ofSeconds(10);

    private static CompletableFuture<ThreadTurnsListResponse> turns(CodexClient client, ThreadTurnsListParams params, long deadline,
                                                                   long pauseMs) {
        return turns(client, params).exceptionallyCompose(failure -> {
            if (!unmaterialized(failure) || System.nanoTime() + pauseMs * 1_000_000 > deadline) {
                return CompletableFuture.failedFuture(failure);
            }
            // asked again after a pause on the timer: no thread waits meanwhile
            Executor later = CompletableFuture.delayedExecutor(pauseMs, TimeUnit.MILLISECONDS, RpcThreads.callbacks());
            return CompletableFuture.supplyAsync(() -> null, later)
                    .thenCompose(x -> turns(client, params, deadline, Math.min(1_000, pauseMs * 2)));
        });
    }

    /** Codex's refusal to list the turns of a thread whose history it has not projected (yet). */
    static boolean unmaterialized(Throwable failure) {
        return Futures.unwrap(failure) instanceof RpcException r && r.error() != null
                && r.error().code() == RpcError.INVALID_REQUEST && String.valueOf(r.error().message()).contains("not materialized yet");
    }

    /**
     * The turn's status, then its items: an item that completes in between is in the list either
     * way. A turn not in the record comes with whether codex runs a turn on the thread: under load
     * a turn codex has named and runs can be missing from its record for seconds (seen with 300
     * turns re-attached at once), so the miss proves nothing while the thread is active.
     */
    public static CompletableFuture<TurnRecord> fetch(CodexClient client, String threadId, String turnId) {
        return findTurn(client, threadId, turnId, null, 0).thenCompose(turn -> turn == null
                ? threadActive(client, threadId).thenApply(active -> new TurnRecord(null, List.of(), active))
                : items(client, threadId, turnId, null, new ArrayList<>()).thenApply(items -> new TurnRecord(turn, items)));
    }

    /**
     * Codex's record of the turn whose user message carries {@code messageId} (sent as
     * {@code clientUserMessageId}), found among the newest turns: first their summaries (which show
     * a turn's first user message), then the newest few in full, where an input codex added to a
     * turn it was still running sits. A turn that is not there was never received.
     */
    public static CompletableFuture<TurnRecord> fetchByKey(CodexClient client, String threadId, String messageId) {
        // the thread's status first, its turns after: a turn codex runs may not be in its record yet (seen under load),
        // and one that ended before the status was read is
        return threadActive(client, threadId).thenCompose(active -> keyedTurn(client, threadId, messageId::equals).thenCompose(turn -> turn == null
                        ? CompletableFuture.completedFuture(new TurnRecord(null, List.of(), active))
                        : items(client, threadId, turn.id(), null, new ArrayList<>()).thenApply(items -> new TurnRecord(turn, items))));
    }

    /** Whether codex runs a turn on the thread now ({@code thread/read} without turns: its live status). */
    private static CompletableFuture<Boolean> threadActive(CodexClient client, String threadId) {
        return ClientPlumbing.of(client).request("thread/read", new ThreadReadParams(false, threadId), ThreadReadResponse.class,
                client.requestTimeout()).thenApply(r -> r.thread() != null && r.thread().status() instanceof ThreadStatus.Active);
    }

    /** The newest turns read in full when a key is not in their summaries: a folded input joins the running turn, the newest. */
    private static final long FULL_TURNS = 3;

    /** The newest of the newest turns with a user message whose {@code clientId} {@code wanted} accepts, or null. */
    public static CompletableFuture<Turn> keyedTurn(CodexClient client, String threadId, Predicate<String> wanted) {
        return keyedTurn(client, threadId, wanted, TurnItemsView.SUMMARY, TURNS_PAGE)
                .thenCompose(found -> found != null ? CompletableFuture.completedFuture(found)
                        : keyedTurn(client, threadId, wanted, TurnItemsView.FULL, FULL_TURNS));
    }

    private static CompletableFuture<Turn> keyedTurn(CodexClient client, String threadId, Predicate<String> wanted, TurnItemsView view,
                                                     long limit) {
        ThreadTurnsListParams params = ThreadTurnsListParams.builder().threadId(threadId).limit(limit).itemsView(view).build();
        return turns(client, params).thenApply(page -> {
            for (Turn t : page.data() == null ? List.<Turn>of() : page.data()) {
                if (t.id() != null && carries(t, wanted)) {
                    return t;
                }
            }
            return null;
        });
    }

    /** Whether one of {@code turn}'s user messages has a {@code clientId} {@code wanted} accepts. */
    private static boolean carries(Turn turn, Predicate<String> wanted) {
        for (ThreadItem item : turn.items() == null ? List.<ThreadItem>of() : turn.items()) {
            if (item instanceof ThreadItem.UserMessage u && u.clientId() != null && wanted.test(u.clientId())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The turn codex runs on the thread, if any: only the newest can be running (codex runs one
     * turn at a time on a thread and adds a new input to the one it runs). An older turn codex
     * still lists as in progress is one a killed codex never finished, not a running one.
     */
    public static CompletableFuture<Optional<String>> runningTurn(CodexClient client, String threadId) {
        ThreadTurnsListParams params = ThreadTurnsListParams.builder().threadId(threadId).limit(1L).build();
        return turns(client, params).thenApply(page -> {
            List<Turn> newestFirst = page.data() == null ? List.of() : page.data();
            Turn newest = newestFirst.isEmpty() ? null : newestFirst.get(0);
            return newest != null && newest.status() == TurnStatus.IN_PROGRESS && newest.id() != null
                    ? Optional.of(newest.id()) : Optional.empty();
        });
    }

    private static CompletableFuture<Turn> findTurn(CodexClient client, String threadId, String turnId, String cursor, int pages) {
        ThreadTurnsListParams params = ThreadTurnsListParams.builder().threadId(threadId).limit(TURNS_PAGE).cursor(cursor).build();
        return turnsOfANamedTurn(client, params).thenCompose((ThreadTurnsListResponse page) -> {
            for (Turn t : page.data() == null ? List.<Turn>of() : page.data()) {
                if (turnId.equals(t.id())) {
                    return CompletableFuture.completedFuture(t);
                }
            }
            String next = page.nextCursor();
            if (next == null || next.isEmpty() || pages + 1 >= MAX_TURN_PAGES) {
                return CompletableFuture.completedFuture(null);
            }
            return findTurn(client, threadId, turnId, next, pages + 1);
        });
    }

    private static CompletableFuture<List<Fetched>> items(CodexClient client, String threadId, String turnId, String cursor,
                                                         List<Fetched> into) {
        ThreadItemsListParams params = ThreadItemsListParams.builder().threadId(threadId).turnId(turnId)
                .cursor(cursor == null ? null : new ThreadItemsListCursor.StringValue(cursor)).build();
        return ClientPlumbing.of(client).request("thread/items/list", params, JsonNode.class, client.requestTimeout()).thenCompose(page -> {
            for (JsonNode e : page.path("data")) {
                JsonNode item = e.get("item");
                String owner = e.path("turnId").textValue();
                String id = item == null ? null : item.path("id").textValue();
                if (id != null && (owner == null || turnId.equals(owner))) {
                    into.add(new Fetched(id, Json.convert(item, ThreadItem.class)));
                }
            }
            String next = page.path("nextCursor").textValue();
            if (next == null || next.isEmpty() || next.equals(cursor)) {
                return CompletableFuture.completedFuture(into);
            }
            return items(client, threadId, turnId, next, into);
        });
    }
}
