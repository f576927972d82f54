package dev.codexbridge.support;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A seeded random clock for fault injection: runs an action again and again on a thread of its
 * own, each time after a pause drawn uniformly from {@code [minGap, maxGap]}, until closed. The
 * same seed gives the same pauses and the same draws inside the action (it gets the random).
 */
public final class FaultSchedule implements AutoCloseable {
    private final Thread thread;
    private final AtomicInteger fired = new AtomicInteger();
    private boolean running = true;
    /** An action is under way: close waits for it instead of interrupting it halfway (a server half restarted). */
    private boolean acting;

    private FaultSchedule(String name, Random random, Duration minGap, Duration maxGap, Consumer<Random> action) {
        if (minGap.isNegative() || maxGap.compareTo(minGap) < 0) {
            throw new IllegalArgumentException("gaps must satisfy 0 <= min <= max: " + minGap + ", " + maxGap);
        }
        thread = new Thread(() -> {
            while (true) {     // until close: checked after each pause
                try {
                    Thread.sleep(between(random, minGap, maxGap).toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                synchronized (this) {
                    if (!running) {
                        return;
                    }
                    acting = true;
                }
                try {
                    action.accept(random);
                } catch (RuntimeException e) {
                    // one action failing (say, a server that did not start again) does not end the schedule
                    System.err.println(name + ": " + e);
                } finally {
                    synchronized (this) {
                        acting = false;
                    }
                }
                fired.incrementAndGet();
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code action} after each pause until closed. */
    public static FaultSchedule every(String name, Random random, Duration minGap, Duration maxGap, Consumer<Random> action) {
        return new FaultSchedule(name, random, minGap, maxGap, action);
    }

    /**
     * Proxy faults: after each pause one {@link FaultProxy.Fault}, drawn uniformly, for a length drawn
     * from {@code [minLength, maxLength]}; {@code log} hears each as {@code "RESET 1234ms"}.
     */
    public static FaultSchedule proxyFaults(FaultProxy proxy, Random random, Duration minGap, Duration maxGap,
                                            Duration minLength, Duration maxLength, Consumer<String> log) {
        FaultProxy.Fault[] kinds = FaultProxy.Fault.values();
        return every("fault-schedule", random, minGap, maxGap, r -> {
            FaultProxy.Fault fault = kinds[r.nextInt(kinds.length)];
            Duration length = between(r, minLength, maxLength);
            proxy.inject(fault, length);
            log.accept(fault + " " + length.toMillis() + "ms");
        });
    }

    /** A duration drawn uniformly from {@code [min, max]}, to the millisecond. */
    public static Duration between(Random random, Duration min, Duration max) {
        long span = max.toMillis() - min.toMillis();
        return min.plusMillis(span <= 0 ? 0 : (long) (random.nextDouble() * (span + 1)));
    }

    /** How many times the action ran. */
    public int fired() {
        return fired.get();
    }

    /** Stops the clock; an action under way is waited for, not interrupted. */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
            if (!acting) {
                thread.interrupt();     // only its pause
            }
        }
        try {
            thread.join(120_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
