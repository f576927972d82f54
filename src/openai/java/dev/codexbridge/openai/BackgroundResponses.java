package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The responses created with {@code background: true} (docs/openai.md, "Background responses"):
 * those whose turn still runs — read in their state now, cancelled by interrupting codex's turn —
 * and the events of each, kept so that a caller whose stream ended early picks it up again by
 * {@code GET /v1/responses/{id}?stream=true&starting_after=N}. The events are kept while the turn
 * runs and for {@link #KEEP_ENDED} after it ended, bounded per response and in all; the response
 * itself is kept as every other response is.
 */
final class BackgroundResponses implements AutoCloseable {
    /** The most events kept of one response; past it the stream goes on to those following it, and cannot be replayed. */
    static final int MAX_EVENTS = 10_000;
    /** The most events kept of every ended response together: the oldest ended response's are let go first. */
    static final int MAX_ENDED_EVENTS = 50_000;
    /** How long an ended response's events are kept for a stream picked up again. */
    static final Duration KEEP_ENDED = Duration.ofMinutes(10);

    /** One background response whose turn runs: its turn, its conversation (to interrupt), its events, its end. */
    static final class Live {
        final String id;
        final String principal;
        final ResponseTurn turn;
        final EventLog events;
        final CompletableFuture<ObjectNode> ended = new CompletableFuture<>();
        volatile @Nullable Conversation conversation;

        Live(String id, String principal, ResponseTurn turn, EventLog events) {
            this.id = id;
            this.principal = principal;
            this.turn = turn;
            this.events = events;
        }

        /** Cancels it: codex's turn is interrupted, and if it now ends interrupted the response is {@code cancelled}. */
        void cancel() {
            turn.cancelling();
            Conversation c = conversation;
            if (c != null) {
                c.session.interrupt();
            }
        }
    }

    private final Map<String, Live> running = new HashMap<>();
    /** Ended responses' events, oldest first. */
    private final LinkedHashMap<String, Ended> ended = new LinkedHashMap<>();
    private int endedEvents;

    private record Ended(String principal, EventLog events, long atNanos) {
    }

    synchronized void start(Live live) {
        running.put(live.id, live);
    }

    /** {@code principal}'s running background response {@code id}; null for none, or another's. */
    synchronized @Nullable Live live(String principal, String id) {
        Live l = running.get(id);
        return l == null || !l.principal.equals(principal) ? null : l;
    }

    /** The response's turn ended with {@code response} (or never began: {@code response} null): its events are kept a while. */
    void end(Live live, @Nullable ObjectNode response) {
        synchronized (this) {
            running.remove(live.id);
            if (response != null && live.events.replayable()) {
                ended.put(live.id, new Ended(live.principal, live.events, System.nanoTime()));
                endedEvents += live.events.size();
                expire();
            }
        }
        live.events.end();
        if (response != null) {
            live.ended.complete(response);
        } else {
            live.ended.cancel(false);
        }
    }

    /** The events of {@code principal}'s background response {@code id}, running or ended lately; null when none are kept. */
    synchronized @Nullable EventLog events(String principal, String id) {
        Live l = live(principal, id);
        if (l != null) {
            return l.events;
        }
        expire();
        Ended e = ended.get(id);
        return e == null || !e.principal().equals(principal) ? null : e.events();
    }

    private void expire() {
        long now = System.nanoTime();
        for (Iterator<Ended> i = ended.values().iterator(); i.hasNext();) {
            Ended e = i.next();
            if (endedEvents <= MAX_ENDED_EVENTS && now - e.atNanos() < KEEP_ENDED.toNanos()) {
                break;
            }
            endedEvents -= e.events().size();
            i.remove();
        }
    }

    /** Ends every stream still following a response: the door closes. */
    @Override
    public void close() {
        List<Live> all;
        synchronized (this) {
            all = new ArrayList<>(running.values());
        }
        all.forEach(l -> l.events.end());
    }

    /**
     * One response's stream events in order, and the streams following it: a stream that follows
     * from {@code starting_after} gets what was kept after it, then each event as it comes.
     */
    static final class EventLog {
        private @Nullable List<ObjectNode> kept = new ArrayList<>();
        private final List<SseStream> followers = new ArrayList<>();
        private boolean ended;

        synchronized void add(ObjectNode event) {
            if (kept != null) {
                if (kept.size() < MAX_EVENTS) {
                    kept.add(event);
                } else {
                    // too long to keep: what follows still reaches the streams following it, but none can start again
                    kept = null;
                }
            }
            for (SseStream s : followers) {
                s.add(event);
            }
        }

        /**
         * {@code stream} gets every kept event numbered after {@code startingAfter} (all with -1),
         * then the rest as they come, and its end; false, and nothing given, when the events were
         * too many to keep.
         */
        synchronized boolean follow(long startingAfter, SseStream stream) {
            if (kept == null) {
                return false;
            }
            for (ObjectNode e : kept) {
                if (e.path("sequence_number").asLong() > startingAfter) {
                    stream.add(e);
                }
            }
            if (ended) {
                stream.end();
            } else {
                followers.add(stream);
            }
            return true;
        }

        synchronized void unfollow(SseStream stream) {
            followers.remove(stream);
        }

        synchronized void end() {
            if (!ended) {
                ended = true;
                followers.forEach(SseStream::end);
                followers.clear();
            }
        }

        synchronized boolean replayable() {
            return kept != null;
        }

        synchronized int size() {
            return kept == null ? 0 : kept.size();
        }
    }
}
