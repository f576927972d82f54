package dev.codexbridge.a2a;

import java.util.HashMap;
import java.util.Map;

/**
 * The server threads callers hold: each SSE stream and each blocking send while it waits holds
 * one. Counted per principal ({@link A2aLimits#streamsPerPrincipal()},
 * {@link A2aLimits#blockingSendsPerPrincipal()}) and for the server ({@link A2aLimits#streams()}),
 * so one caller holding all it may does not stop another's call. A refusal names the limit it met.
 */
final class CallerSlots {
    enum Kind { STREAM, BLOCKING_SEND }

    private final A2aLimits limits;
    /** Per principal: open streams, waiting blocking sends; an entry leaves when both are zero, so the map holds active callers only. */
    private final Map<String, int[]> held = new HashMap<>();
    private int total;

    CallerSlots(A2aLimits limits) {
        this.limits = limits;
    }

    /** Takes a slot, or throws the refusal (an {@code UnsupportedOperationError} naming the limit, per principal or server-wide). */
    synchronized void acquire(String principal, Kind kind) {
        int[] mine = held.computeIfAbsent(principal, k -> new int[2]);
        int i = kind.ordinal();
        int max = kind == Kind.STREAM ? limits.streamsPerPrincipal() : limits.blockingSendsPerPrincipal();
        String what = kind == Kind.STREAM ? "open streams" : "waiting blocking sends";
        if (mine[i] >= max) {
            dropIfIdle(principal, mine);
            throw refusal("per-principal limit: this caller has " + mine[i] + " " + what + ", its most ("
                    + (kind == Kind.STREAM ? "streamsPerPrincipal" : "blockingSendsPerPrincipal") + " " + max + ")",
                    kind == Kind.STREAM ? "streamsPerPrincipal" : "blockingSendsPerPrincipal", "principal", max);
        }
        if (total >= limits.streams()) {
            dropIfIdle(principal, mine);
            throw refusal("server-wide limit: " + total + " streams and blocking sends are open across all callers (streams "
                    + limits.streams() + ")", "streams", "server", limits.streams());
        }
        mine[i]++;
        total++;
    }

    synchronized void release(String principal, Kind kind) {
        int[] mine = held.get(principal);
        if (mine != null && mine[kind.ordinal()] > 0) {
            mine[kind.ordinal()]--;
            total--;
            dropIfIdle(principal, mine);
        }
    }

    synchronized int held(String principal, Kind kind) {
        int[] mine = held.get(principal);
        return mine == null ? 0 : mine[kind.ordinal()];
    }

    synchronized int total() {
        return total;
    }

    private void dropIfIdle(String principal, int[] mine) {
        if (mine[0] == 0 && mine[1] == 0) {
            held.remove(principal);
        }
    }

    private static A2aError refusal(String message, String limit, String scope, int max) {
        return new A2aError(A2aError.UNSUPPORTED, message + "; send without waiting (0.3: configuration.blocking false; "
                + "1.0: returnImmediately) and poll the task, or close a stream", Map.of("limit", limit, "scope", scope, "max", String.valueOf(max)));
    }
}
