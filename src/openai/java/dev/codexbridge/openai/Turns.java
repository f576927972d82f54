package dev.codexbridge.openai;

import dev.codexbridge.callers.Drain;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one turn on a conversation for either API: one turn at a time per conversation (another
 * request meanwhile is refused "busy", nothing run), counted in flight for the drain, and the
 * conversation given back when the turn has ended, whoever waited for it.
 */
final class Turns {
    private static final Logger LOG = LoggerFactory.getLogger(Turns.class);

    private final Drain draining;

    Turns(Drain draining) {
        this.draining = draining;
    }

    /**
     * Starts {@code input} on {@code c}; {@code ended} hears the result (or the failure) before the
     * conversation is free again. Refused, with nothing run, when the conversation is busy or the
     * door is stopping.
     */
    CompletableFuture<TurnResult> start(Conversation c, TurnInput input, TurnOptions options, TurnListener listener,
            BiConsumer<@Nullable TurnResult, @Nullable Throwable> ended) {
        admit();
        Runnable leave = draining.enter();
        try {
            c.enter();
        } catch (RuntimeException e) {
            leave.run();
            throw e;
        }
        CompletableFuture<TurnResult> turn;
        try {
            turn = c.session.runTurnAsync(input, options, listener);
        } catch (RuntimeException e) {
            c.leave();
            leave.run();
            throw e;
        }
        return turn.whenComplete((r, failed) -> {
            try {
                if (failed != null) {
                    LOG.info("a turn on {} could not be followed to its end: {}", c.threadId, failed.toString());
                }
                ended.accept(r, failed);
            } finally {
                c.leave();
                leave.run();
            }
        });
    }

    /** Refuses a new turn once the door stops, before any conversation is opened for it: nothing runs, the caller sends it again. */
    void admit() {
        if (draining.stopping()) {
            throw OpenAiError.unavailable("server_stopping", "this server is stopping: nothing was run; send this again (another "
                    + "replica serves it)", 1);
        }
    }

    /** Waits for {@code turn}; a failure is the error to answer (codex may have run the turn: the SDK must not retry). */
    static TurnResult await(CompletableFuture<TurnResult> turn) throws InterruptedException {
        try {
            return turn.get();
        } catch (ExecutionException e) {
            throw OpenAiError.afterStart("the codex turn could not be followed to its end (" + e.getCause().getMessage() + "); it may "
                    + "have run: read the conversation before sending this again");
        }
    }
}
