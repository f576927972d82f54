package dev.codexbridge.readme;

// docs/session.md#reconnect:BEGIN
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A conversation on a connection that outlives codex: a turn lost with it is read back from codex. */
final class ReconnectingConversation {
    private final List<TranscriptMessage> history = new ArrayList<>();
    private final CodexSession conversation;

    ReconnectingConversation(CodexClient codex, Path repo) {
        conversation = CodexSession.builder().client(codex).cwd(repo).build();
    }

    static CodexClient connect(Path binary, Path home) {
        return CodexClient.builder()
                .process(CodexLaunch.appServer(binary).codexHome(home).build())
                .reconnect(ReconnectPolicy.DEFAULT)                 // a dead codex is restarted, every thread resumed
                .maxThreads(500)
                .connect();
    }

    TurnResult turn(String text) {
        TurnResult r = conversation.runTurn(TurnInput.text(text));
        if (r.error() != null && r.error().category() == ErrorCategory.PROCESS_DIED && r.turnId() != null) {
            r = conversation.recoverTurn(r.turnId()).orElse(r);     // what codex kept of it, once the thread is back
        }
        history.addAll(r.messages());
        return r;
    }
}
// docs/session.md#reconnect:END
