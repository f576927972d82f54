package dev.codexbridge.session.internal.thread;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.session.internal.inbox.TurnStart;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * What codex holds of the session's thread, as far as the session knows: whether codex wrote the
 * thread down (only such a thread can be resumed); the turn last sent whose end codex never
 * confirmed (its input may be all codex never stored, decision 0020); a turn codex may still run
 * that no turn here follows ({@link EarlierTurns}, decision 0032); and, when codex had no record
 * of the thread and a fresh one took its place, the replacement: the host's callback is told at
 * once, the next turn is handed it. The turns write it; the thread's opening reads it. Thread-safe.
 */
public final class ThreadRecord {
    private static final Logger LOG = SafeLogger.getLogger(ThreadRecord.class);

    /** Told when the thread is replaced by a fresh one (on the host pool), or null. */
    private final Consumer<ThreadReplacement> onReplaced;
    /** Whether codex may still run a turn lost with its connection (an app-server outlives a connection; a codex process dies with it). */
    private final boolean outlivesConnection;
    /** A turn codex may still run on the thread that no turn here follows: settled before the next turn. */
    private final EarlierTurns earlier;
    /** Codex has the thread written down (a turn was sent on it, or it was resumed): only such a thread can be resumed after letting go. */
    private volatile boolean written;
    /** The last turn sent whose end codex never confirmed, or null. */
    private volatile UnconfirmedTurn unconfirmed;
    /** A replacement no turn has reported yet (see take). */
    private final AtomicReference<ThreadReplacement> unreported = new AtomicReference<>();

    /** A turn sent on {@code threadId}; {@code turnId} is codex's id once known. */
    private record UnconfirmedTurn(String threadId, TurnStart start, String turnId) {
    }

    /** {@code resumed}: the session resumes a thread another process may have run a turn on. */
    ThreadRecord(boolean resumed, boolean outlivesConnection, Consumer<ThreadReplacement> onReplaced) {
        this.earlier = new EarlierTurns(resumed);
        this.outlivesConnection = outlivesConnection;
        this.onReplaced = onReplaced;
    }

    /** Whether codex has the thread written down. */
    boolean written() {
        return written;
    }

    /** A turn was sent on {@code onThread}: until codex confirms its end, its input may be all codex never stored. */
    public void turnSent(String onThread, TurnStart start) {
        unconfirmed = new UnconfirmedTurn(onThread, start, null);
        written = true;     // codex writes its rollout with the first turn
    }

    /** Codex confirmed the end of the turn last sent (or refused it): it has the turn's record. */
    public void turnConfirmed() {
        unconfirmed = null;
    }

    /** A turn ended without codex confirming its end: codex may still run it, and the next turn settles it first. */
    public void turnUnsettled() {
        earlier.mayRun();
    }

    /** The turn that was running when its connection was lost: to be interrupted on resume. */
    public void turnLost(String turnId) {
        UnconfirmedTurn sent = unconfirmed;
        if (sent != null && sent.turnId() == null) {
            unconfirmed = new UnconfirmedTurn(sent.threadId(), sent.start(), turnId);
        }
        if (outlivesConnection) {
            earlier.lost(turnId);   // a session's own codex process died with its connection: nothing is left running
        }
    }

    /**
     * One turn at a time on the thread (decision 0032): before the next {@code turn/start}, a turn
     * codex still runs on {@code threadId} that no turn follows is interrupted and waited out, at
     * most {@code grace} ({@link EarlierTurns}). Completes with null when the thread is free, or
     * with why the new turn was not sent.
     */
    CompletableFuture<TurnFailure> settleEarlierTurn(CodexClient c, String threadId, Duration grace) {
        return earlier.settle(c, threadId, grace);
    }

    /**
     * Codex resumed the thread {@code threadId} on {@code c}: it has the thread, and what it kept of
     * a lost turn {@code recoverTurn} reads; a turn no one here follows may still run there, and one
     * lost with its connection is interrupted now. Completes with the thread id.
     */
    CompletableFuture<String> resumed(CodexClient c, String threadId) {
        written = true;
        earlier.mayRun();
        unconfirmed = null;
        return earlier.stopLost(c, threadId);
    }

    /**
     * Codex had no record of {@code previous} ({@code why}) and the session continues on {@code fresh}:
     * the replacement names the turn lost there and the input codex never stored; the host's
     * callback hears it now, the next turn later.
     */
    void replaced(String previous, String fresh, Throwable why) {
        written = false;        // a fresh thread: codex writes it down with its first turn
        earlier.forgetLost();   // it ran on the thread codex never wrote: nothing is left to interrupt
        UnconfirmedTurn lost = unconfirmed;
        boolean lostHere = lost != null && previous.equals(lost.threadId());
        ThreadReplacement replaced = new ThreadReplacement(previous, fresh, lostHere ? lost.turnId() : null,
                lostHere && lost.start() instanceof TurnStart.UserTurn u ? u.input() : null,
                "codex has no record of thread " + UntrustedText.of(previous) + " (" + ApiAccess.get().openFailureReason(why) + "): it stopped before writing the thread "
                        + "down, so the session continues on a fresh thread with the same settings");
        unconfirmed = null;
        unreported.set(replaced);
        if (onReplaced != null) {
            // host code: on the host pool, never on a thread the resumes need
            RpcThreads.host().execute(() -> {
                try {
                    onReplaced.accept(replaced);
                } catch (RuntimeException e) {
                    LOG.warn("the host's thread-replaced callback failed", e);
                }
            });
        }
    }

    /** The replacement no turn has reported yet, handed out once. */
    public ThreadReplacement takeReplacement() {
        return unreported.getAndSet(null);
    }
}
