package dev.codexbridge.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * What a command closes when it stops, in the reverse order it was opened (the server, then its
 * sessions, then codex, then the store), once: at the command's own end, or from SIGTERM or
 * Ctrl-C ({@link #onSignal}), whose hook runs the same steps. Without the hook the JVM would exit
 * as soon as the signal's other hooks ended, cutting short whatever the main thread was closing.
 * A server waits for its stop on {@link #catchStopSignals}: the signal ends the wait, the
 * command closes everything itself and exits 0, as a process manager expects of a requested stop
 * (a JVM that a signal shuts down exits 143 whatever its hooks did).
 */
final class OrderlyStop implements AutoCloseable {
    private final String command;
    private final PrintStream err;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private boolean stopped;
    /** When the stop began ({@link System#nanoTime}), once it has. */
    private volatile long stopBegan;
    private Thread hook;
    /** Puts back the JVM's own handlers of the signals {@link #catchStopSignals} caught. */
    private final List<Runnable> restoreAtClose = new ArrayList<>();

    OrderlyStop(String command, PrintStream err) {
        this.command = command;
        this.err = err;
    }

    /** Closed after everything added later; closed at once when the command already stopped. */
    synchronized <T extends AutoCloseable> T add(T resource) {
        if (stopped) {
            closeQuietly(resource);
        } else {
            opened.add(resource);
        }
        return resource;
    }

    /** SIGTERM and Ctrl-C stop the command this way, then run {@code then} (a server's wait ends). */
    synchronized void onSignal(Runnable then) {
        hook = new Thread(() -> {
            close();
            then.run();
        }, "codex-bridge-" + command + "-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Catches SIGTERM and Ctrl-C (SIGINT) from now on; the latch returned opens at the first. A
     * server waits on it and returns: the command then closes what it opened, in order, and exits
     * 0. A second signal meanwhile is the JVM's own again: it shuts down (exit 143), its hook
     * still closing in order after the close under way. Where a signal cannot be caught (a JVM run
     * with {@code -Xrs}), its stop is the hook's. The JVM's handlers are back once this closes.
     */
    synchronized CountDownLatch catchStopSignals() {
        CountDownLatch signalled = new CountDownLatch(1);
        onSignal(signalled::countDown);
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal signal = new Signal(name);
                AtomicReference<SignalHandler> was = new AtomicReference<>();
                was.set(Signal.handle(signal, sig -> {
                    signalled.countDown();
                    restore(signal, was.get());
                }));
                restoreAtClose.add(() -> restore(signal, was.get()));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // not catchable here: the hook stops the command
            }
        }
        return signalled;
    }

    private static void restore(Signal signal, @Nullable SignalHandler handler) {
        if (handler != null) {
            Signal.handle(signal, handler);
        }
    }

    /** How long the stop has gone on so far (zero before it began). */
    Duration stopping() {
        return stopped ? Duration.ofNanos(System.nanoTime() - stopBegan) : Duration.ZERO;
    }

    /** Closes everything, last added first; a step that fails is reported and the rest still close. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        stopBegan = System.nanoTime();
        for (int i = opened.size() - 1; i >= 0; i--) {
            closeQuietly(opened.get(i));
        }
        opened.clear();
        restoreAtClose.forEach(Runnable::run);
        restoreAtClose.clear();
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already: the hook finds everything closed
            }
        }
    }

    private void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            err.println("codex-bridge " + command + ": while stopping: " + ApiText.escape(String.valueOf(e.getMessage())));
        }
    }
}
