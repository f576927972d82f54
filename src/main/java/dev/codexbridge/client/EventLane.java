package dev.codexbridge.client;

import dev.codexbridge.CodexException;
import dev.codexbridge.internal.SafeLogger;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * One listener's ordered, bounded delivery: the reader thread offers without blocking, a shared
 * pool drains one batch at a time, so listeners never block each other or the reader.
 */
final class EventLane implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(EventLane.class);
    private static final int BATCH = 256;

    private final CodexEventListener listener;
    private final Executor executor;
    private final int capacity;
    /** The methods this listener wants; null for all. Checked before queueing, on the reader thread. */
    private final Set<String> methods;
    private final ConcurrentLinkedQueue<CodexEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile CodexException closedCause;
    private volatile boolean closedDelivered;
    private volatile boolean unsubscribed;

    EventLane(CodexEventListener listener, Executor executor, int capacity, Set<String> methods) {
        this.listener = listener;
        this.executor = executor;
        this.capacity = capacity;
        this.methods = methods == null ? null : Set.copyOf(methods);
    }

    void offer(CodexEvent event) {
        if (unsubscribed || closedCause != null || methods != null && !methods.contains(event.method())) {
            return;
        }
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
        } else {
            queue.add(event);
        }
        schedule();
    }

    void connectionClosed(CodexException cause) {
        closedCause = cause;
        schedule();
    }

    @Override
    public void close() {
        unsubscribed = true;
        queue.clear();
    }

    private void schedule() {
        if (draining.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RuntimeException rejected) {
                draining.set(false);
                LOG.warn("event delivery rejected by its executor", rejected);
            }
        }
    }

    private void drain() {
        try {
            for (int i = 0; i < BATCH && !unsubscribed; i++) {
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    safely(() -> listener.onOverflow(lost));
                }
                CodexEvent next = queue.poll();
                if (next == null) {
                    break;
                }
                queued.decrementAndGet();
                safely(() -> listener.onEvent(next));
            }
            CodexException cause = closedCause;
            if (cause != null && queue.isEmpty() && !closedDelivered && !unsubscribed) {
                closedDelivered = true;
                safely(() -> listener.onClosed(cause));
            }
        } finally {
            draining.set(false);
        }
        boolean more = !queue.isEmpty() || dropped.get() > 0 || closedCause != null && !closedDelivered;
        if (more && !unsubscribed) {
            schedule();
        }
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("event listener failed", e);
        }
    }
}
