package dev.codexbridge.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A codex (and what comes with it) started on a thread of its own, so that a server answers its
 * clients while codex starts: the MCP handshake waits for nothing of codex's (decision 0110). Says
 * on stderr when codex is up or why it did not start. Closed with the command in codex's place
 * among its steps: a start still under way is called off (interrupted: its process stopped, or an
 * install's), waited for up to {@link #WAIT}, and what it started is closed.
 */
final class CodexStart<T extends AutoCloseable> implements AutoCloseable {
    /** How long a stop waits for a start it called off: an interrupted start ends at once but for a process being spawned. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private final CompletableFuture<T> started = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean stopping;

    CodexStart(String command, PrintStream err, Callable<T> start, Function<T, String> describe) {
        started.whenComplete((up, failed) -> {
            if (failed == null) {
                err.println("codex-bridge " + command + ": codex is up: " + describe.apply(up));
            } else if (!stopping) {
                err.println("codex-bridge " + command + ": codex did not start; every call that needs it is refused with the reason: "
                        + ApiText.escape(String.valueOf(failed.getMessage())));
            }
        });
        thread = new Thread(() -> {
            try {
                started.complete(start.call());
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        }, "codex-bridge-" + command + "-codex-start");
        thread.setDaemon(true);
        thread.start();
    }

    /** Completes with what the start made, or fails with why it could not. */
    CompletableFuture<T> started() {
        return started;
    }

    @Override
    public void close() throws Exception {
        stopping = true;
        thread.interrupt();
        thread.join(WAIT.toMillis());
        if (thread.isAlive()) {
            // still spawning: whatever it makes is closed when it is made
            started.thenAccept(CodexStart::closeQuietly);
            return;
        }
        if (!started.isCompletedExceptionally()) {
            started.join().close();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // the command is stopping; nothing is left to tell
        }
    }
}
