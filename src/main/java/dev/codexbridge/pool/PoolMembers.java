package dev.codexbridge.pool;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The endpoints of a {@link CodexPool} as they come and go (a Deployment's pods): the members, in
 * the order they joined, and the endpoints removed while sessions still hold threads on them. The
 * members are a copy-on-write list, so placement, lookups, health checks and snapshots read it
 * without a lock and each sees one membership throughout; joining and leaving take the placement
 * lock, so a placement's choice and its count never straddle a change. A removed endpoint's
 * connection closes once no session holds a thread on it and no placement is under way there.
 */
final class PoolMembers {
    /** The pool's logger: who joins and leaves is the pool's business. */
    private static final Logger LOG = SafeLogger.getLogger(CodexPool.class);

    private final EndpointLink link;
    /** The pool's placement lock: membership changes under it, so a reservation sees a node in or out, never half. */
    private final Object placementLock;
    private final BooleanSupplier poolClosed;
    /** Told of a removed endpoint once its connection is closed (the pool forgets the threads it had there). */
    private final Consumer<PoolNode> retired;
    private final List<PoolNode> members = new CopyOnWriteArrayList<>();
    /** Removed endpoints whose connection may still be open; guarded by placementLock. */
    private final List<PoolNode> leaving = new ArrayList<>();

    PoolMembers(EndpointLink link, Object placementLock, BooleanSupplier poolClosed, Consumer<PoolNode> retired) {
        this.link = link;
        this.placementLock = placementLock;
        this.poolClosed = poolClosed;
        this.retired = retired;
    }

    /** The members now: a snapshot that later joins and removals leave as it is. */
    List<PoolNode> all() {
        return List.copyOf(members);
    }

    /** A new member, not probed yet (so not placed on until its first probe answers ready). */
    PoolNode add(PoolEndpoint spec) {
        synchronized (placementLock) {
            if (poolClosed.getAsBoolean()) {
                throw new PoolException("the pool is closed");
            }
            if (find(spec.name()) != null) {
                throw new IllegalArgumentException("the pool has an endpoint named " + spec.name() + " already");
            }
            PoolNode node = new PoolNode(spec, link, placementLock, poolClosed);
            members.add(node);
            return node;
        }
    }

    /** A snapshot of every member, in the order they joined. */
    List<EndpointState> states() {
        List<EndpointState> states = new ArrayList<>();
        for (PoolNode n : members) {
            CodexClient c = n.client;
            boolean connected = c != null && c.isOpen();
            states.add(new EndpointState(n.spec.name(), n.spec.endpoint().uri(), n.usable(), connected,
                    connected ? c.attachedThreads() : 0, n.spec.maxThreads(), n.lastProbe, n.detail, n.draining));
        }
        return states;
    }

    PoolNode node(String name) {
        PoolNode n = find(name);
        if (n == null) {
            throw new IllegalArgumentException("no endpoint named " + name);
        }
        return n;
    }

    /** The member named {@code name}, or null. */
    PoolNode find(String name) {
        for (PoolNode n : members) {
            if (n.spec.name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    /**
     * Takes {@code name} out of the pool: nothing is placed there or probed from now on, and its
     * connection closes once nothing holds a thread on it ({@link PoolNode#retired} completes then).
     * When its threads would not outlive it ({@code threadsOutliveIt} false) and sessions hold some,
     * nothing changes and an {@link IllegalStateException} says why.
     */
    PoolNode remove(String name, boolean threadsOutliveIt) {
        PoolNode node;
        synchronized (placementLock) {
            node = node(name);
            int held = node.load();
            if (!threadsOutliveIt && held > 0) {
                throw new IllegalStateException("endpoint " + name + " holds " + held + " thread(s) of open sessions, and this "
                        + "pool has no conversation store and no shared CODEX_HOME: those threads live only on " + name
                        + "'s disk, and removing it would strand them. Close their sessions first (drain(\"" + name
                        + "\") keeps new ones away), or give the pool a store (CodexPool.Builder.storage).");
            }
            node.draining = true;
            node.removed = true;
            members.remove(node);
            leaving.add(node);
        }
        LOG.info("endpoint {} left the pool: nothing is placed there any more, and its connection closes once no session "
                + "holds a thread on it", name);
        retire();
        return node;
    }

    /** Closes the connection of every removed endpoint that no session holds a thread on any more. */
    void retire() {
        List<PoolNode> done = new ArrayList<>();
        synchronized (placementLock) {
            leaving.removeIf(n -> n.load() == 0 && done.add(n));
        }
        for (PoolNode node : done) {
            node.disconnect("removed from the pool");
            LOG.info("endpoint {} removed: its connection is closed", node.spec.name());
            retired.accept(node);
            node.retired.complete(null);
        }
    }

    /** Closes every connection, the removed endpoints' too; called once the pool counts as closed. */
    void closeAll() {
        List<PoolNode> nodes;
        List<PoolNode> removed;
        synchronized (placementLock) {
            nodes = new ArrayList<>(members);
            removed = new ArrayList<>(leaving);
            leaving.clear();
        }
        for (PoolNode n : nodes) {
            n.disconnect("the pool is closed");
        }
        for (PoolNode n : removed) {
            n.disconnect("the pool is closed");
            n.retired.complete(null);
        }
    }
}
