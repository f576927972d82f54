package dev.codexbridge.readme;

// docs/session.md#attach:BEGIN
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.List;
import java.util.Optional;

/** After the host restarted: the turn codex still runs on a saved thread is followed to its end. */
final class AttachAfterRestart {
    static Optional<TurnResult> followRunningTurn(CodexClient codex, String savedThreadId, TurnListener ui,
                                                  List<TranscriptMessage> history) {
        try (CodexSession resumed = CodexSession.builder().client(codex).resumeThread(savedThreadId).build()) {
            Optional<String> running = resumed.runningTurnId();
            if (running.isEmpty()) {
                return Optional.empty();
            }
            TurnResult r = resumed.attachTurn(running.get(), ui);      // the whole turn from its start, then its end
            history.addAll(r.messages());
            return Optional.of(r);
        }
    }
}
// docs/session.md#attach:END
