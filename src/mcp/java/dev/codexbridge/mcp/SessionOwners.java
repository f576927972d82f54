package dev.codexbridge.mcp;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Which principal opened each MCP session (the SDK's {@code Mcp-Session-Id}), how many each holds,
 * and how long each has been idle. A session is used, read ({@code GET}) and ended
 * ({@code DELETE}) by its principal only; to another it does not exist. A principal holds at most
 * {@code perPrincipal} sessions at once. A session is idle while none of its requests is in
 * flight (a call, a GET stream); idle for {@code lifetimeNanos}, it is over: {@link #expired}
 * hands it out once to be ended in the SDK, and until {@link #ended} it is refused like another's.
 */
final class SessionOwners {
    /** What a request naming a session may do. */
    enum Use {
        /** The principal's own session: go on, and call {@link #left} when the request is over. */
        ENTERED,
        /** Never given out here (the SDK answers that). */
        UNKNOWN,
        /** Another principal's, or over: answered as a session that does not exist. */
        REFUSED
    }

    private static final class Entry {
        final String principal;
        long lastUsed;
        int inFlight;
        boolean ending;

        Entry(String principal, long now) {
            this.principal = principal;
            this.lastUsed = now;
        }
    }

    private final int perPrincipal;
    private final long lifetimeNanos;
    private final LongSupplier clock;
    private final Consumer<String> onEnded;
    private final Map<String, Entry> bySession = new HashMap<>();

    SessionOwners(int perPrincipal, long lifetimeNanos, LongSupplier clock) {
        this(perPrincipal, lifetimeNanos, clock, session -> { });
    }

    /** With {@code onEnded} told of every session that ended (deleted, unknown to the SDK, or idle past its lifetime). */
    SessionOwners(int perPrincipal, long lifetimeNanos, LongSupplier clock, Consumer<String> onEnded) {
        this.perPrincipal = perPrincipal;
        this.lifetimeNanos = lifetimeNanos;
        this.clock = clock;
        this.onEnded = onEnded;
    }

    /** A request of {@code principal} naming {@code sessionId} begins. */
    synchronized Use use(String principal, String sessionId) {
        Entry e = bySession.get(sessionId);
        if (e == null) {
            return Use.UNKNOWN;
        }
        if (!e.principal.equals(principal) || e.ending || over(e, clock.getAsLong())) {
            return Use.REFUSED;
        }
        e.inFlight++;
        e.lastUsed = clock.getAsLong();
        return Use.ENTERED;
    }

    /** A request that {@link #use} let in is over (its answer written, its stream closed). */
    synchronized void left(String sessionId) {
        Entry e = bySession.get(sessionId);
        if (e != null) {
            e.inFlight = Math.max(0, e.inFlight - 1);
            e.lastUsed = clock.getAsLong();
        }
    }

    /** Whether {@code principal} may open one more session (sessions over but not yet ended do not count). */
    synchronized boolean mayOpen(String principal) {
        long now = clock.getAsLong();
        return bySession.values().stream().filter(e -> e.principal.equals(principal) && !e.ending && !over(e, now)).count() < perPrincipal;
    }

    synchronized void opened(String principal, String sessionId) {
        bySession.put(sessionId, new Entry(principal, clock.getAsLong()));
    }

    /**
     * The sessions idle for their lifetime, each with its principal, handed out once: they are
     * refused from now on, and each is to be ended in the SDK, then {@link #ended}.
     */
    synchronized Map<String, String> expired() {
        long now = clock.getAsLong();
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, Entry>> it = bySession.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> e = it.next();
            if (!e.getValue().ending && over(e.getValue(), now)) {
                e.getValue().ending = true;
                out.put(e.getKey(), e.getValue().principal);
            }
        }
        return out;
    }

    /** A session {@link #expired} handed out that could not be ended: handed out again at the next look (and refused meanwhile). */
    synchronized void stillOpen(String sessionId) {
        Entry e = bySession.get(sessionId);
        if (e != null) {
            e.ending = false;
        }
    }

    void ended(String sessionId) {
        boolean known;
        synchronized (this) {
            known = bySession.remove(sessionId) != null;
        }
        if (known) {
            onEnded.accept(sessionId);
        }
    }

    synchronized int size() {
        return bySession.size();
    }

    private boolean over(Entry e, long now) {
        return e.inFlight == 0 && now - e.lastUsed >= lifetimeNanos;
    }
}
