package dev.codexbridge.openai;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One daemon thread, started with the first look, that looks at the shared store again and again
 * for what other replicas wrote (a running response, a cancel, answers handed over), until each
 * look says it is done or the door closes.
 */
final class StoreLooks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreLooks.class);
    private final String threadName;
    private ScheduledExecutorService timer;
    private boolean closed;

    StoreLooks(String threadName) {
        this.threadName = threadName;
    }

    /** Runs {@code look} every {@code every}, the first after one, until it says it is done (or throws), or the door closes. */
    void repeatUntil(Duration every, BooleanSupplier look) {
        schedule(new Runnable() {
            @Override
            public void run() {
                boolean done;
                try {
                    done = look.getAsBoolean();
                } catch (RuntimeException e) {
                    LOG.warn("a look at the store for what another replica wrote failed; it is not looked at again", e);
                    done = true;
                }
                if (!done) {
                    schedule(this, every);
                }
            }
        }, every);
    }

    /** Runs {@code r} once, {@code after} from now, unless the door closed. */
    synchronized void schedule(Runnable r, Duration after) {
        if (closed) {
            return;
        }
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(t -> {
                Thread th = new Thread(t, threadName);
                th.setDaemon(true);
                return th;
            });
        }
        timer.schedule(r, after.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
