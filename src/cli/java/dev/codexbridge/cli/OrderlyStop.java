package dev.codexbridge.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a command closes when it stops, in the reverse order it was opened (the server, then its
 * sessions, then codex, then the store), once: at the command's own end, or from SIGTERM or
 * Ctrl-C ({@link #onSignal}), whose hook runs the same steps. Without the hook the JVM would exit
 * as soon as the signal's other hooks ended, cutting short whatever the main thread was closing.
 */
final class OrderlyStop implements AutoCloseable {
    private final String command;
    private final PrintStream err;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private boolean stopped;
    private Thread hook;

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

    /** Closes everything, last added first; a step that fails is reported and the rest still close. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (int i = opened.size() - 1; i >= 0; i--) {
            closeQuietly(opened.get(i));
        }
        opened.clear();
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
