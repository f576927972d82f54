package dev.codexbridge.session;

import dev.codexbridge.session.internal.thread.SessionHibernation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * An idle timer's clock that moves only when a test says so ({@link #advance}): the tasks that came
 * due run then, on the test's thread, in the order they are due. A hibernation test so waits for no
 * real timer, and nothing times out early because the machine is slow.
 */
final class ManualIdleClock implements SessionHibernation.Clock {
    private record Due(long at, long order, FutureTask<?> task) {
    }

    private final List<Due> tasks = new ArrayList<>();
    private long now;
    private long order;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Future<?> schedule(Runnable task, long inNanos) {
        FutureTask<?> f = new FutureTask<>(task, null);
        tasks.add(new Due(now + inNanos, order++, f));
        return f;
    }

    /** Tasks set and neither run nor cancelled yet. */
    synchronized int pending() {
        return (int) tasks.stream().filter(d -> !d.task().isCancelled()).count();
    }

    /** Moves time on by {@code by}, running each task that comes due meanwhile (also those the tasks set). */
    void advance(Duration by) {
        long until;
        synchronized (this) {
            until = now + by.toNanos();
        }
        while (true) {
            Due next;
            synchronized (this) {
                next = tasks.stream().filter(d -> d.at() <= until)
                        .min(Comparator.comparingLong(Due::at).thenComparingLong(Due::order)).orElse(null);
                if (next == null) {
                    now = until;
                    return;
                }
                tasks.remove(next);
                now = Math.max(now, next.at());
            }
            next.task().run();      // a cancelled task does nothing
        }
    }
}
