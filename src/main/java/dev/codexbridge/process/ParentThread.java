package dev.codexbridge.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * The thread that starts every wrapped codex ({@code bwrap ... --die-with-parent}: the tenants, a
 * shared codex with hidden paths), alive as long as the JVM. Bubblewrap's {@code --die-with-parent}
 * is the kernel's parent-death signal, which Linux sends when the <em>thread</em> that started the
 * process ends, not the process: a codex started on a web server's request thread was killed
 * (SIGKILL, exit 137) when the server stopped its threads or retired an idle one, and one started
 * on a library pool thread when that thread timed out. Started on first use.
 */
final class ParentThread {
    private ParentThread() {
    }

    /** {@code pb.start()} on the long-lived thread; waits for it, uninterruptibly (an abandoned start would leak the process). */
    static Process start(ProcessBuilder pb) throws IOException {
        CompletableFuture<Process> started = CompletableFuture.supplyAsync(() -> {
            try {
                return pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, Holder.THREAD);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return started.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof UncheckedIOException io) {
                        throw io.getCause();
                    }
                    throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class Holder {
        /** One daemon thread that never ends: no idle timeout, and a failed start is the future's, not the thread's. */
        static final Executor THREAD = java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "codex-bridge-process-parent");
            t.setDaemon(true);
            return t;
        });
    }
}
