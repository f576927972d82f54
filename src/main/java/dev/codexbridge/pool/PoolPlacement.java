package dev.codexbridge.pool;

import dev.codexbridge.FailureKind;
import dev.codexbridge.internal.Remembered;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.session.ThreadReplacement;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;

/**
 * Where a {@link CodexPool}'s sessions go: the choice of an endpoint (the preferred one, else the
 * healthy one with the fewest threads and room, ties to the one listed first), the placements under
 * way counted on it, and the affinity of each thread to the endpoint it lives on.
 */
final class PoolPlacement {
    /** The pool's logger: where a thread goes is the pool's business. */
    private static final Logger LOG = SafeLogger.getLogger(CodexPool.class);

    private final PoolMembers members;
    private final boolean sharedCodexHome;
    private final BooleanSupplier poolClosed;
    /** Guards every node's {@link PoolNode#placing}, so a choice and its count are one step. */
    private final Object lock;
    /** Each thread's endpoint, as far as the pool knows: at most {@code threadsRemembered}, the least recently used forgotten. */
    private final Remembered<String, PoolNode> affinity;

    PoolPlacement(PoolMembers members, boolean sharedCodexHome, Object lock, BooleanSupplier poolClosed, int threadsRemembered) {
        this.affinity = Remembered.atMost(threadsRemembered);
        this.members = members;
        this.sharedCodexHome = sharedCodexHome;
        this.lock = lock;
        this.poolClosed = poolClosed;
    }

    /** The pool's endpoints now. */
    List<PoolNode> members() {
        return members.all();
    }

    /**
     * Picks a node (the preferred one, or the least loaded) and counts the placement on it. A
     * preferred node that is full or down is left for another only on a shared home, and never
     * when it has the thread loaded ({@code owner}): resuming it elsewhere would make a second writer.
     */
    PoolNode reserve(PoolNode preferred, boolean owner, String threadId, List<String> refusals) {
        synchronized (lock) {
            if (poolClosed.getAsBoolean()) {
                throw new PoolException("the pool is closed");
            }
            if (preferred != null) {
                if (preferred.usable() && preferred.load() < preferred.spec.maxThreads()) {
                    preferred.placing++;
                    return preferred;
                }
                String why = preferred.usable() ? "it is full (" + preferred.load() + "/" + preferred.spec.maxThreads()
                        + " threads)" : "it is down (" + preferred.detail + ")";
                if (owner) {
                    throw new PoolException("thread " + UntrustedText.of(threadId) + " is loaded on endpoint " + preferred.spec.name()
                            + ", which cannot take it now: " + why + ". It is resumed there or not at all (elsewhere it would be "
                            + "a second writer); try again once " + preferred.spec.name() + " has room.", FailureKind.CAPACITY);
                }
                if (!sharedCodexHome) {
                    throw new PoolException("endpoint " + preferred.spec.name() + " cannot take the thread: " + why,
                            preferred.usable() ? FailureKind.CAPACITY : FailureKind.CODEX_UNAVAILABLE);
                }
            }
            PoolNode best = null;
            for (PoolNode n : members.all()) {
                if (n.usable() && !n.draining && n.load() < n.spec.maxThreads() && refusals.stream().noneMatch(r -> r.startsWith(n.spec.name() + ": "))
                        && (best == null || n.load() < best.load())) {
                    best = n;
                }
            }
            if (best == null) {
                throw new PoolException("no healthy endpoint has room for a session: " + summary()
                        + (refusals.isEmpty() ? "" : "; refused just now: " + String.join("; ", refusals)), FailureKind.CAPACITY);
            }
            best.placing++;
            return best;
        }
    }

    /**
     * {@code preferred} when it is healthy, not drained and has room, else the least-loaded
     * endpoint as {@link #reserve} picks it: for a conversation whose copy codex kept where it
     * slept (decision 0074), which saves an import there and costs nothing anywhere else.
     */
    PoolNode reservePreferring(PoolNode preferred, String threadId, List<String> refusals) {
        synchronized (lock) {
            if (preferred != null && !poolClosed.getAsBoolean() && preferred.usable() && !preferred.draining && !preferred.removed
                    && preferred.load() < preferred.spec.maxThreads()
                    && refusals.stream().noneMatch(r -> r.startsWith(preferred.spec.name() + ": "))) {
                preferred.placing++;
                return preferred;
            }
            return reserve(null, false, threadId, refusals);
        }
    }

    private String summary() {
        List<PoolNode> nodes = members.all();
        if (nodes.isEmpty()) {
            return "the pool has no endpoint now";
        }
        StringBuilder sb = new StringBuilder();
        for (PoolNode n : nodes) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(n.spec.name()).append(n.usable() ? " " + n.load() + "/" + n.spec.maxThreads() + " threads"
                    + (n.draining ? " (drained)" : "") : " down (" + n.detail + ")");
        }
        return sb.toString();
    }

    /**
     * The endpoint the pool has for {@code threadId}, or null. An endpoint removed and added again
     * under its name is the same app-server to the pool: the thread is on its disk.
     */
    PoolNode affinityOf(String threadId) {
        PoolNode n = affinity.get(threadId);
        if (n != null && n.removed) {
            PoolNode back = members.find(n.spec.name());
            if (back != null) {
                affinity.replace(threadId, n, back);
                return back;
            }
        }
        return n;
    }

    /** Records that {@code threadId} lives on {@code node}. */
    void remember(String threadId, PoolNode node) {
        affinity.put(threadId, node);
    }

    /** Records that {@code threadId} lives on the endpoint named {@code name}. */
    void remember(String threadId, String name) {
        affinity.put(threadId, members.node(name));
    }

    /** Forgets {@code threadId}'s endpoint, whichever it is. */
    void forget(String threadId) {
        affinity.remove(threadId);
    }

    /** Forgets {@code threadId}'s endpoint if it is still {@code node}. */
    void forget(String threadId, PoolNode node) {
        affinity.remove(threadId, node);
    }

    /** The name of the endpoint the pool has for {@code threadId}, if any. */
    Optional<String> endpointOf(String threadId) {
        PoolNode n = affinity.get(threadId);
        return n == null ? Optional.empty() : Optional.of(n.spec.name());
    }

    /** A session's thread was replaced by a fresh one (codex never stored it): the new id lives where the old one did. */
    void learn(ThreadReplacement replaced, PoolNode node) {
        affinity.remove(replaced.previousThreadId(), node);
        affinity.put(replaced.threadId(), node);
        LOG.info("thread {} was replaced by {} on endpoint {}", replaced.previousThreadId(), replaced.threadId(), node.spec.name());
    }

    /** How many threads the pool knows to live on {@code node}. */
    int threadsOn(PoolNode node) {
        return affinity.countValues(n -> n == node);
    }

    /** Forgets every thread of {@code node}: it left the pool, and the threads' next resume looks for them afresh. */
    void forgetAll(PoolNode node) {
        affinity.removeValuesIf(n -> n == node);
    }
}
