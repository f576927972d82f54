package dev.codexbridge.transport;

import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A connection's keep-alive ({@link CodexEndpoint#keepAlive(Duration)}): after {@code interval}
 * of silence from the server a ping goes out, at most one per interval and one at a time; after
 * {@code interval + timeout} of silence the connection is given up. A ping that cannot be written
 * ends the connection at once: that is how a reset the read side missed is found within about an
 * interval. Checks run on the shared timer and never block it (the ping is only started there).
 * Silence does not count while {@code holdingBack} says this side keeps the server waiting.
 */
final class KeepAlive {
    private final long interval;
    private final long timeout;
    private final BooleanSupplier holdingBack;
    private final BooleanSupplier ended;
    private final Supplier<CompletionStage<?>> ping;
    private final Consumer<String> dead;
    private final AtomicBoolean pingInFlight = new AtomicBoolean();
    private volatile long lastHeard = System.nanoTime();
    private volatile long lastPing = System.nanoTime();
    private volatile ScheduledFuture<?> task;

    /**
     * {@code ping} starts a ping and says when it was written (it must not block); {@code dead}
     * ends the connection with the reason given; {@code ended} says the connection ended anyway.
     */
    KeepAlive(Duration interval, Duration timeout, BooleanSupplier holdingBack, BooleanSupplier ended,
              Supplier<CompletionStage<?>> ping, Consumer<String> dead) {
        this.interval = interval.toNanos();
        this.timeout = timeout.toNanos();
        this.holdingBack = holdingBack;
        this.ended = ended;
        this.ping = ping;
        this.dead = dead;
    }

    /** Starts checking (nothing when the interval is zero). */
    void start() {
        if (interval > 0) {
            heard();
            long every = Math.max(1, interval / 2);
            task = RpcThreads.timer().scheduleWithFixedDelay(this::check, every, every, TimeUnit.NANOSECONDS);
        }
    }

    /** Something arrived from the server (any frame, any bytes). */
    void heard() {
        lastHeard = System.nanoTime();
    }

    void stop() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void check() {
        if (ended.getAsBoolean()) {
            stop();
            return;
        }
        long now = System.nanoTime();
        if (holdingBack.getAsBoolean()) {
            lastHeard = now;    // the server's frames wait behind this side
            return;
        }
        long silent = now - lastHeard;
        if (silent >= interval + timeout) {
            stop();
            dead.accept("codex app-server answered nothing, not even a WebSocket ping, for "
                    + TimeUnit.NANOSECONDS.toMillis(silent) + " ms (it stopped, or the network to it failed)");
        } else if (silent >= interval && now - lastPing >= interval && pingInFlight.compareAndSet(false, true)) {
            lastPing = now;
            CompletionStage<?> sent;
            try {
                sent = ping.get();
            } catch (RuntimeException e) {
                pingInFlight.set(false);
                fail(e);
                return;
            }
            sent.whenComplete((r, e) -> {
                pingInFlight.set(false);
                if (e != null) {
                    fail(e);
                }
            });
        }
    }

    private void fail(Throwable e) {
        if (!ended.getAsBoolean()) {
            stop();
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            dead.accept("a WebSocket ping to codex app-server failed: " + CodexEndpoint.describe(cause));
        }
    }
}
