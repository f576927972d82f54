package dev.codexbridge.session.internal.turn;

import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnError;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.session.internal.failure.ErrorClassifier;
import java.util.List;
import java.util.function.Supplier;

/**
 * How a turn ends, read from codex's record of it (or from codex's answer to its start) and this
 * session's own reason to stop it: pure functions, no state.
 *
 * @param retire whether the connection is given up with the turn (codex is stuck, or the credentials are bad)
 */
public record TurnVerdict(TurnOutcome outcome, StopReason reason, TurnFailure failure, boolean retire) {

    /**
     * Codex recorded the turn's end as {@code turn}. {@code overflowLimit} is above 0 when this
     * session fell behind and stopped the turn for it; {@code timedOutWhy} is set when its own
     * deadline stopped it; {@code stopReason} is why else it asked codex to stop, or null;
     * {@code lastError} is codex's last error notification, {@code lastRetryReason} its words when it
     * last said it would retry (or null); {@code stderr} codex's last log lines.
     */
    static TurnVerdict ofRecord(Turn turn, int overflowLimit, String timedOutWhy, StopReason stopReason, TurnFailure lastError,
                                String lastRetryReason, Supplier<List<String>> stderr) {
        TurnStatus status = turn.status();
        if (overflowLimit > 0) {
            return failed(TurnFailure.of("the turn's events arrived faster than the host handled them: more than " + overflowLimit
                    + " were waiting, so later ones were dropped and the turn was interrupted", ErrorCategory.OVERFLOW, null), false);
        }
        if (status == TurnStatus.COMPLETED) {
            return new TurnVerdict(TurnOutcome.COMPLETED, StopReason.NATURAL, null, false);
        }
        if (status == TurnStatus.INTERRUPTED) {
            if (timedOutWhy != null) {
                String why = timedOutWhy + codexReason(lastError, lastRetryReason);
                return new TurnVerdict(TurnOutcome.TIMED_OUT, StopReason.TIMEOUT, TurnFailure.of(why, ErrorCategory.TIMEOUT, null), false);
            }
            return new TurnVerdict(TurnOutcome.INTERRUPTED, stopReason == null ? StopReason.INTERRUPT : stopReason, null, false);
        }
        TurnError error = turn.error();
        TurnFailure err;
        if (error != null) {
            err = ErrorClassifier.classify(error, stderr.get());
        } else if (lastError != null) {
            err = lastError;
        } else {
            err = TurnFailure.of("codex reported the turn as " + (status == null ? "unfinished" : status.wire())
                    + " without an error message", ErrorCategory.OTHER, null);
        }
        return failed(err, err.category() == ErrorCategory.AUTHENTICATION);
    }

    /**
     * Codex answered {@code turn/start} with {@code cause} (not the connection's end): a timeout
     * gives the connection up; a refusal means nothing of the turn was stored.
     */
    static TurnVerdict ofStartFailure(Throwable cause) {
        if (cause instanceof RpcTimeoutException) {
            return failed(TurnFailure.of("turn/start timed out: " + cause.getMessage(), ErrorCategory.TIMEOUT, null), true);
        }
        if (cause instanceof RpcException rpc) {
            return failed(ErrorClassifier.turnRefused(rpc), false);
        }
        return failed(TurnFailure.of("turn/start failed: " + cause, ErrorCategory.OTHER, null), false);
    }

    /**
     * The turn's connection ended ({@code death}) and codex's record could not be read in time:
     * codex may have run {@code named} to its end, so the outcome is unknown, never guessed.
     */
    static TurnVerdict unknown(TurnFailure death, String named) {
        return new TurnVerdict(TurnOutcome.UNKNOWN, StopReason.ERROR, ApiAccess.get().withMessage(death, death.message() + "; codex may have run " + named
                + " to its end, and its record could not be read: the outcome is unknown (read it later with findTurn or recoverTurn "
                + "before sending the input again)"), true);
    }

    static TurnVerdict failed(TurnFailure failure, boolean retire) {
        return new TurnVerdict(TurnOutcome.FAILED, StopReason.ERROR, failure, retire);
    }

    /** The longest reason of codex's a message quotes; the rest is cut. */
    private static final int MAX_REASON_CHARS = 300;

    /**
     * Why codex made no progress, in its own words, for a turn the idle limit ended: its last error
     * notification, else what it said when it last retried (a dead or unreachable provider: codex
     * keeps retrying the model stream, so the idle limit fires first). Empty when codex said nothing.
     */
    public static String codexReason(TurnFailure lastError, String lastRetryReason) {
        if (lastError != null && lastError.message() != null && !lastError.message().isBlank()) {
            return "; codex's last error: " + lastError.message();
        }
        if (lastRetryReason == null || lastRetryReason.isBlank()) {
            return "";
        }
        String reason = lastRetryReason.strip();
        return "; codex's last reason: " + UntrustedText.of(reason.length() > MAX_REASON_CHARS
                ? reason.substring(0, MAX_REASON_CHARS) + "…" : reason);
    }
}
