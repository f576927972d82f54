package dev.codexbridge.session.internal.turn;

import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnError;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.internal.custody.TurnStoreTries;
import dev.codexbridge.session.internal.failure.ErrorClassifier;
import dev.codexbridge.session.internal.thread.ThreadConnection;
import dev.codexbridge.transcript.ItemProjector;
import dev.codexbridge.transcript.ProjectorOptions;
import java.util.List;
import java.util.Optional;

/**
 * What codex kept of a turn this client lost track of (the connection ended while it ran): read
 * back from the thread's stored history, projected like a live turn. Only a finished turn is
 * recovered; codex may still be running one whose connection dropped.
 */
public final class TurnRecovery {
    private TurnRecovery() {
    }

    public static Optional<TurnResult> from(ThreadReadResponse read, String turnId, ProjectorOptions options) {
        if (read == null || read.thread() == null || read.thread().turns() == null) {
            return Optional.empty();
        }
        for (Turn turn : read.thread().turns()) {
            if (turnId.equals(turn.id())) {
                return finished(read.thread().id(), turn, options);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code found} (turn {@code turnId}), stored first when it completed and the session keeps each turn in its store, as
     * a turn that ran to its end there is ({@link TurnResult#storeFailed}, or failed when it cannot be kept).
     */
    public static Optional<TurnResult> stored(Optional<TurnResult> found, String turnId, ThreadConnection connection) {
        if (found.isEmpty() || found.get().status() != TurnOutcome.COMPLETED) {
            return found;
        }
        Throwable notKept = connection.turnCompleted(turnId).handle((x, failure) -> failure).join();
        if (notKept == null) {
            return found;
        }
        TurnStoreTries.notStored(turnId, notKept);
        return found.map(r -> TurnStoreTries.notKept(r, notKept));
    }

    private static Optional<TurnResult> finished(String threadId, Turn turn, ProjectorOptions options) {
        TurnStatus status = turn.status();
        TurnOutcome ours;
        StopReason reason;
        if (status == TurnStatus.COMPLETED) {
            ours = TurnOutcome.COMPLETED;
            reason = StopReason.NATURAL;
        } else if (status == TurnStatus.INTERRUPTED) {
            ours = TurnOutcome.INTERRUPTED;
            reason = StopReason.INTERRUPT;
        } else if (status == TurnStatus.FAILED) {
            ours = TurnOutcome.FAILED;
            reason = StopReason.ERROR;
        } else {
            return Optional.empty();    // still running (or a status this client does not know)
        }
        ItemProjector projector = new ItemProjector(options);
        int actions = 0;
        for (ThreadItem item : turn.items() == null ? List.<ThreadItem>of() : turn.items()) {
            projector.completed(item);
            if (TurnTally.isStep(item)) {
                actions++;
            }
        }
        projector.finish();
        TurnFailure error = null;
        if (ours == TurnOutcome.FAILED) {
            TurnError e = turn.error();
            error = e == null ? TurnFailure.of("codex reported the turn as failed without an error message", ErrorCategory.OTHER, null)
                    : ErrorClassifier.classify(e, List.of());
        }
        long duration = turn.durationMs() == null ? 0 : turn.durationMs();
        int steps = actions + (projector.finalText() != null ? 1 : 0);
        return Optional.of(new TurnResult(threadId, turn.id(), ours, projector.finalText(), error, reason, projector.toolIterations(),
                steps, List.of(), duration, 1, 0, null, false, projector.messages()));
    }
}
