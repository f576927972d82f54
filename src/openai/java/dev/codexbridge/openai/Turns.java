package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.callers.Drain;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.LeaseWait;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
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
     * Starts {@code input} on {@code c}, followed by {@code follower} (which hears its events) until
     * the step returned: codex asking the caller something, or the turn's end. The turn stays held
     * by the conversation until it ends, whichever request follows it then; {@code calls}: the
     * caller's tools may be called in it; {@code approvals}: its caller answers approvals. Refused, with nothing run, when the conversation is busy,
     * waits for the caller's answers, or the door is stopping.
     */
    CompletableFuture<HeldTurn.Step> start(Conversation c, TurnInput input, TurnOptions options, TurnListener follower,
            boolean calls, boolean approvals) {
        admit();
        Runnable leave = draining.enter();
        CompletableFuture<HeldTurn.Step> step;
        synchronized (c.held) {
            try {
                c.enter();
            } catch (RuntimeException e) {
                leave.run();
                throw e;
            }
            c.held.admit(calls, approvals);
            step = c.held.follow(follower);
        }
        CompletableFuture<TurnResult> turn;
        try {
            wake(c);
            turn = c.session.runTurnAsync(input, options, c.held.listener());
        } catch (RuntimeException e) {
            c.held.ended(null, e, c::leave);
            leave.run();
            throw e;
        }
        turn.whenComplete((r, failed) -> {
            try {
                if (failed != null) {
                    LOG.info("a turn on {} could not be followed to its end: {}", c.threadId, failed.toString());
                }
                c.held.ended(r, failed, c::leave);
            } finally {
                leave.run();
            }
        });
        return step;
    }

    /**
     * A conversation asleep (its thread let go, with a store stored away) is woken before its turn:
     * a store that does not answer, or another replica holding it past the wait for its hand-over,
     * is then a refusal before anything is answered — 503 "send again", a stream's status included —
     * rather than a failed response for a turn that never went out.
     */
    private static void wake(Conversation c) {
        if (!c.session.isHibernated()) {
            return;
        }
        try {
            LeaseWait.retrying(Conversations.LEASE_WAIT, c.session::start);
        } catch (RuntimeException e) {
            throw Conversations.refused(c.principal, c.threadId, e);
        }
    }

    /**
     * Counts {@code answer} in flight until it completes — answers handed to another replica holding
     * their turn — so that a stopping door waits for it as for its own turns.
     */
    CompletableFuture<ObjectNode> inFlight(Supplier<CompletableFuture<ObjectNode>> answer) {
        Runnable leave = draining.enter();
        try {
            CompletableFuture<ObjectNode> a = answer.get();
            a.whenComplete((r, e) -> leave.run());
            return a;
        } catch (RuntimeException e) {
            leave.run();
            throw e;
        }
    }

    /** Refuses a new turn once the door stops, before any conversation is opened for it: nothing runs, the caller sends it again. */
    void admit() {
        if (draining.stopping()) {
            throw stopping();
        }
    }

    /** Waits for {@code answer}; a failure is the error to answer (codex may have run the turn: the SDK must not retry). */
    static <T> T await(CompletableFuture<T> answer) throws InterruptedException {
        try {
            return answer.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof OpenAiError known) {
                throw known;
            }
            throw unfollowed(e.getCause());
        }
    }

    /** The error for a turn that could not be followed to its end. */
    static OpenAiError unfollowed(@Nullable Throwable why) {
        return OpenAiError.afterStart("the codex turn could not be followed to its end (" + (why == null ? "no answer" : why.getMessage())
                + "); it may have run: read the conversation before sending this again");
    }

    /** What a new turn is told while the door stops: nothing ran, another replica serves it. */
    static OpenAiError stopping() {
        return OpenAiError.unavailable("server_stopping", "this server is stopping: nothing was run; send this again (another "
                + "replica serves it)", 1);
    }
}
