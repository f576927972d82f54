package dev.codexbridge.session.internal.turn;

import static dev.codexbridge.session.internal.inbox.ListenerCalls.safely;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.RateLimitSignal;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.session.internal.inbox.TurnClock;
import dev.codexbridge.session.internal.inbox.TurnPlace;
import dev.codexbridge.session.internal.thread.ThreadConnection;
import dev.codexbridge.transcript.ItemProjector;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.List;

/**
 * How an attempt of a turn ends, made into its result: as codex recorded it, with a start codex
 * refused, with its connection, as never received, or unknown. It finishes the transcript, checks
 * structured output, retires a connection codex cannot be trusted on, and remembers whether
 * codex's record settled the turn (a turn that ends unsettled is settled before the next one).
 */
public final class TurnEnding {
    private final ThreadConnection thread;
    private final TurnPlace place;
    private final TurnTally tally;
    private final TurnClock clock;
    private final ItemProjector projector;
    private final TurnListener listener;
    /** The schema the final message must follow, or null. */
    private final JsonNode outputSchema;
    /** Codex's record says how this attempt ended, or that it stored nothing of it. */
    private boolean settled;
    /** Set when codex completed this attempt as failed for a rate or usage limit: the outcome is known, a retry is safe. */
    private volatile RateLimitSignal rateLimited;
    /** Set when codex refused turn/start on a connection the thread was not open on yet: it never received the turn. */
    private volatile boolean refusedOffThread;
    /** Set when turn/start was never written: the connection had ended before it went out. */
    private volatile boolean notWritten;

    TurnEnding(ThreadConnection thread, TurnPlace place, TurnTally tally, TurnClock clock, ItemProjector projector, TurnListener listener,
               JsonNode outputSchema) {
        this.thread = thread;
        this.place = place;
        this.tally = tally;
        this.clock = clock;
        this.projector = projector;
        this.listener = listener;
        this.outputSchema = outputSchema;
    }

    /** Whether codex's record settled this attempt. */
    boolean settled() {
        return settled;
    }

    /** The rate-limit failure codex completed this attempt with, or null: only then is a retry safe. */
    RateLimitSignal rateLimited() {
        return rateLimited;
    }

    boolean refusedOffThread() {
        return refusedOffThread;
    }

    /**
     * Codex refused turn/start ({@code cause}) on a connection its thread was not open on yet (the
     * client reconnected just before it went out): it never received the turn, and after the
     * thread's resume sending it again is safe.
     */
    TurnResult refusedOffThread(Throwable cause) {
        settle();
        refusedOffThread = true;
        return of(TurnOutcome.NOT_RECEIVED, StopReason.ERROR, TurnFailure.of("codex refused turn/start on a connection its thread was not "
                + "open on yet (" + UntrustedText.messageOf(cause) + "): it never received this turn, so sending the input again "
                + "duplicates nothing", ErrorCategory.PROCESS_DIED, null), false);
    }

    boolean notWritten() {
        return notWritten;
    }

    /**
     * {@code turn/start} was never written: its connection had ended first ({@code closed}; a
     * tenant's codex killed a moment before the turn, its end not read yet). Codex did not receive
     * the turn, so sending the input again duplicates nothing.
     */
    TurnResult notWritten(ConnectionClosedException closed) {
        settle();
        notWritten = true;
        return of(TurnOutcome.NOT_RECEIVED, StopReason.ERROR, deathOf(closed, "; turn/start was never written, so codex did not "
                + "receive this turn and sending the input again duplicates nothing"), true);
    }

    private void settle() {
        settled = true;
        thread.record().turnConfirmed();
    }

    /**
     * Codex recorded the turn's end: its status, with this session's reason to stop, decides the
     * outcome. {@code overflowLimit}: the inbox limit the session went over, 0 if it did not.
     */
    TurnResult recorded(Turn turn, int overflowLimit, StopReason stopReason) {
        settle();
        TurnVerdict v = TurnVerdict.ofRecord(turn, overflowLimit, clock.timedOutWhy(), stopReason,
                tally.lastError(), tally.lastRetryReason(), () -> place.client().stderrTail(40));
        if (v.outcome() == TurnOutcome.FAILED && v.failure().category() == ErrorCategory.USAGE_LIMIT) {
            rateLimited = ApiAccess.get().rateLimitOf(v.failure(), RateLimitSignal.Source.TURN_FAILED);
        }
        return of(v);
    }

    /** Codex did not answer {@code turn/start} with a turn. */
    TurnResult startFailed(Throwable cause) {
        if (cause instanceof ConnectionClosedException closed) {
            return died(closed, "");
        }
        if (cause instanceof RpcException && !(cause instanceof RpcTimeoutException)) {
            settle();     // refused: nothing of this turn was stored, and nothing was lost either
        }
        return of(TurnVerdict.ofStartFailure(cause));
    }

    /** The turn ended with its connection; {@code later} is added to the explanation (why it was not waited for longer). */
    TurnResult died(ConnectionClosedException cause, String later) {
        return of(TurnOutcome.FAILED, StopReason.ERROR, deathOf(cause, later), true);
    }

    /** The turn ends failed with {@code failure} (the connection is fine). */
    TurnResult failed(TurnFailure failure) {
        return of(TurnOutcome.FAILED, StopReason.ERROR, failure, false);
    }

    /** Codex's record, read on a working connection, holds no turn with this turn's key: nothing ran. */
    TurnResult notReceived(String why) {
        settle();
        return of(TurnOutcome.NOT_RECEIVED, StopReason.ERROR, TurnFailure.of(why, ErrorCategory.PROCESS_DIED, null), false);
    }

    /** Codex's record could not be read within the window: the turn may have run; {@code later} says why it was not waited for longer. */
    TurnResult unknown(ConnectionClosedException cause, String later) {
        String which = place.turnId() != null ? "turn " + place.turnId() : "the turn (key " + tally.key() + ")";
        return of(TurnVerdict.unknown(deathOf(cause, later), which));
    }

    /** Codex's record could be read but does not settle the turn ({@code why}): it may still run, so the outcome is unknown. */
    TurnResult unsettled(String why) {
        return of(TurnOutcome.UNKNOWN, StopReason.ERROR, TurnFailure.of(why + ": the outcome is unknown (read it later with findTurn or "
                + "recoverTurn before sending the input again)", ErrorCategory.OTHER, null), false);
    }

    /** Why the turn's connection ended, worked out once per lost connection; {@code later} is added to it. */
    private TurnFailure deathOf(ConnectionClosedException cause, String later) {
        // a shared connection may already be reopened and this thread resumed there: retire only the old one
        thread.markRetired(place.connection());
        if (place.turnId() != null) {
            thread.record().turnLost(place.turnId());
        }
        ClientPlumbing<CodexClient> plumbing = ClientPlumbing.of(place.client());
        CodexException why = plumbing.explainClose("during the turn", cause);
        // every turn on the lost connection: worked out once, not once per turn
        TurnFailure err = plumbing.onceForLoss(why, () -> thread.connectionEnded(place.client(), why));
        return later.isEmpty() ? err : ApiAccess.get().withMessage(err, err.message() + later);
    }

    TurnResult of(TurnVerdict v) {
        return of(v.outcome(), v.reason(), v.failure(), v.retire());
    }

    TurnResult of(TurnOutcome status, StopReason reason, TurnFailure error, boolean retired) {
        List<TranscriptMessage> incomplete = projector.finish();
        if (!incomplete.isEmpty()) {
            safely(() -> listener.onTranscript(incomplete));
        }
        if (status == TurnOutcome.COMPLETED && outputSchema != null) {
            TurnFailure invalid = StructuredOutput.check(projector.finalText(), outputSchema);
            if (invalid != null) {
                status = TurnOutcome.FAILED;
                reason = StopReason.ERROR;
                error = invalid;
            }
        }
        if (retired) {
            thread.markRetired(place.connection());
        }
        return tally.result(place.threadId(), place.turnId(), status, reason, thread.link().advised(error), retired, place.wasSent(), projector,
                System.nanoTime());
    }
}
