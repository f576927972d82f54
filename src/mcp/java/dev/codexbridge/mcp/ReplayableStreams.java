package dev.codexbridge.mcp;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP server's replayable streams, by key, within {@link ReplayLimits}. A stream is found
 * again only by an event id it gave out, and only for the principal and MCP session that opened
 * it: for anyone else it does not exist, as for an unknown or expired id. Keys are 128 random
 * bits, so ids cannot be guessed either. Streams that ended more than {@code keptAfterEnd} ago
 * are dropped when the next one opens or is looked for.
 */
final class ReplayableStreams {
    private static final Pattern EVENT_ID = Pattern.compile("([0-9a-f]{32})-([0-9]{1,18})");

    private final ReplayLimits limits;
    private final LongSupplier nanos;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, ReplayableStream> byKey = new LinkedHashMap<>();

    /** Where a client resumes: the stream and the number of the last event it has. */
    record Position(ReplayableStream stream, long seq) {
    }

    ReplayableStreams(ReplayLimits limits, LongSupplier nanos) {
        this.limits = limits;
        this.nanos = nanos;
    }

    ReplayableStreams(ReplayLimits limits) {
        this(limits, System::nanoTime);
    }

    /** Whether {@code eventId} has the form of this server's ids (others are the SDK's, left to it). */
    static boolean isOurs(String eventId) {
        return EVENT_ID.matcher(eventId.trim()).matches();
    }

    synchronized ReplayableStream open(String principal, String session) {
        sweep();
        while (byKey.size() >= limits.streams()) {
            evictOne();
        }
        byte[] k = new byte[16];
        random.nextBytes(k);
        ReplayableStream s = new ReplayableStream(HexFormat.of().formatHex(k), principal, session, limits);
        byKey.put(s.key, s);
        return s;
    }

    /** The stream {@code eventId} belongs to, when it is {@code principal}'s on {@code session} and still kept. */
    synchronized Optional<Position> find(String eventId, String principal, String session) {
        sweep();
        Matcher m = EVENT_ID.matcher(eventId.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        ReplayableStream s = byKey.get(m.group(1));
        if (s == null || !s.principal.equals(principal) || !s.session.equals(session)) {
            return Optional.empty();
        }
        return Optional.of(new Position(s, Long.parseLong(m.group(2))));
    }

    /** The MCP session was deleted: its streams go with it. */
    synchronized void forget(String principal, String session) {
        byKey.values().removeIf(s -> s.principal.equals(principal) && s.session.equals(session));
    }

    /** Ends a stream (its response was completed), starting its time to live. */
    void end(ReplayableStream s) {
        s.end(nanos.getAsLong());
    }

    synchronized int size() {
        return byKey.size();
    }

    private void sweep() {
        long now = nanos.getAsLong();
        byKey.values().removeIf(s -> s.expired(now));
    }

    /** Makes room: the stream that ended longest ago, or, when none has ended, the oldest. */
    private void evictOne() {
        ReplayableStream victim = null;
        for (ReplayableStream s : byKey.values()) {
            if (s.ended() && (victim == null || s.endedNanos() - victim.endedNanos() < 0)) {
                victim = s;
            }
        }
        if (victim == null) {
            Iterator<ReplayableStream> it = byKey.values().iterator();
            victim = it.next();
        }
        byKey.remove(victim.key);
    }
}
