package dev.codexbridge.a2a;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import java.util.List;
import java.util.Optional;

/**
 * A task from before a restart, rebuilt from codex's record: its id is its turn's key, so
 * {@code findTurn} names the turn; an ended turn gives the task's final state and answer, a turn
 * codex still runs (its app-server outlived the server) is followed to its end, and a key codex
 * never received makes the task {@code failed} with {@code safeToSendAgain}. The history holds
 * codex's answer only (the caller's message is not kept across restarts), unless a shared store
 * kept the task's record.
 */
final class TaskRecovery {
    private TaskRecovery() {
    }

    /** Settles {@code task} (new, or as a shared record had it) from codex's record of its turn, {@code task.id} the turn's key. */
    static A2aTask recover(A2aTask task, A2aContext context) {
        String id = task.id;
        try {
            CodexSession session = context.session();
            Optional<String> turn = session.findTurn(id);
            if (turn.isEmpty()) {
                task.finish(new TurnResult(session.threadId(), null, TurnOutcome.NOT_RECEIVED, null, null, StopReason.ERROR, 0, 0,
                        List.of(), 0, 0, 0, null, false, List.of()), null);
                return task;
            }
            Optional<TurnResult> ended = session.recoverTurn(turn.get());
            if (ended.isPresent()) {
                task.finish(ended.get(), null);
            } else if (context.runsTask()) {
                // the context runs a newer task on its session: this one cannot be followed beside it
                task.finish(new TurnResult(session.threadId(), turn.get(), TurnOutcome.UNKNOWN, null, null, StopReason.ERROR, 0, 0,
                        List.of(), 0, 0, 0, null, false, List.of()), null);
            } else {
                context.run(task);
                task.onTurnStarted(id, turn.get());
                task.onInterrupt(session::interrupt);
                session.attachTurnAsync(turn.get(), task).whenComplete(task::finish);
            }
        } catch (RuntimeException e) {
            task.finish(null, e);
        }
        return task;
    }
}
