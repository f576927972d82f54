package dev.codexbridge.callers;

import dev.codexbridge.session.CodexSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A stopping door's conversations let go (issue 81): each session closed as
 * {@link CodexSession#closeGracefully} does — with a store, its conversation stored and its lease
 * given back — and waited for within a bound before the door is gone, so that another replica takes
 * each conversation at once rather than once its lease has run out.
 */
public final class LetGo {
    private static final Logger LOG = dev.codexbridge.internal.SafeLogger.getLogger(LetGo.class);
    /** How long a stopping door waits for its conversations to be stored and let go. */
    public static final Duration DEFAULT_BOUND = Duration.ofSeconds(30);

    private LetGo() {
    }

    /**
     * Closes every one of {@code sessions} gracefully and waits up to {@code bound} for them all;
     * how many were not done by then. A conversation that could not be stored counts as done: the
     * library logs it with the version the store keeps, and its lease runs out on its own.
     */
    public static int all(Collection<CodexSession> sessions, Duration bound) {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (CodexSession s : sessions) {
            try {
                closing.add(s.closeGracefully().exceptionally(failure -> null));
            } catch (RuntimeException e) {
                LOG.warn("a session did not close: {}", e.toString());
                closing.add(CompletableFuture.completedFuture(null));     // closed as far as it could be; nothing to wait for
            }
        }
        return await(closing, bound);
    }

    /** Waits up to {@code bound} for every one of {@code closing} (none fails); how many were not done by then. */
    private static int await(List<CompletableFuture<Void>> closing, Duration bound) {
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                    .get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // counted below
        }
        return (int) closing.stream().filter(f -> !f.isDone()).count();
    }
}
