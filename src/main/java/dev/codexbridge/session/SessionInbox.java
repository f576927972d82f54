package dev.codexbridge.session;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.client.ThreadInbox;
import dev.codexbridge.rpc.ConnectionClosedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The session's one ordered queue: its thread's messages as they arrive, and the session's own
 * events (a decision is ready, interrupt asked, turn/start answered). During a turn the turn is
 * its only consumer, so everything is handled in order; between turns a server request is answered
 * at once by {@code betweenTurns}, and notifications are kept only up to a bound.
 */
final class SessionInbox implements ThreadInbox {
    /** Notifications kept while no turn runs; a turn ignores them anyway, they only cost memory. */
    static final int MAX_BETWEEN_TURNS = 1_000;

    /** The connection this inbox belongs to closed. */
    record Closed(ConnectionClosedException cause) {
    }

    /** A server request; whoever claims it first (the turn or the between-turns path) answers it. */
    static final class Asked {
        final CodexEvent.ServerRequest request;
        private final AtomicBoolean claimed = new AtomicBoolean();

        Asked(CodexEvent.ServerRequest request) {
            this.request = request;
        }

        boolean claim() {
            return claimed.compareAndSet(false, true);
        }
    }

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger notificationsBetweenTurns = new AtomicInteger();
    private final Consumer<Asked> betweenTurns;
    private volatile boolean turnRunning;

    SessionInbox(Consumer<Asked> betweenTurns) {
        this.betweenTurns = betweenTurns;
    }

    @Override
    public void accept(CodexEvent event) {
        if (event instanceof CodexEvent.ServerRequest request) {
            Asked asked = new Asked(request);
            queue.add(asked);
            if (!turnRunning) {
                betweenTurns.accept(asked);
            }
            return;
        }
        if (!turnRunning && notificationsBetweenTurns.incrementAndGet() > MAX_BETWEEN_TURNS) {
            return;
        }
        queue.add(event);
    }

    @Override
    public void closed(ConnectionClosedException cause) {
        queue.add(new Closed(cause));
    }

    void post(Object event) {
        queue.add(event);
    }

    Object poll(Duration timeout) throws InterruptedException {
        return queue.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }

    /** A turn takes over: what arrived for earlier turns is dropped, unanswered requests stay. */
    void turnStarted() {
        turnRunning = true;
        queue.removeIf(o -> o instanceof CodexEvent.Notification || o instanceof Asked a && a.claimed.get());
        notificationsBetweenTurns.set(0);
    }

    /** The turn is over: requests it did not take are answered now. */
    void turnEnded() {
        turnRunning = false;
        List<Asked> left = new ArrayList<>();
        for (Object o : queue) {
            if (o instanceof Asked a && !a.claimed.get()) {
                left.add(a);
            }
        }
        left.forEach(betweenTurns);
    }
}
