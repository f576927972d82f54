package dev.codexbridge.readme;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import java.nio.file.Path;

/** docs/session.md, "When codex crashes": a host follows its conversation onto the thread that replaced a lost one. */
final class ThreadReplacedConversation {
    /** Where the host keeps which conversation is on which codex thread. */
    interface ConversationIndex {
        void moveConversation(String fromThreadId, String toThreadId);
    }

    private ThreadReplacedConversation() {
    }

    static TurnResult goOn(CodexClient codex, Path repo, ConversationIndex store) {
        // docs/session.md#thread-replaced:BEGIN
        CodexSession conversation = CodexSession.builder().client(codex).cwd(repo)
                .onThreadReplaced(r -> store.moveConversation(r.previousThreadId(), r.threadId()))
                .build();
        TurnResult r = conversation.runTurn(TurnInput.text("go on"));
        if (r.threadReplaced() != null && r.threadReplaced().unstoredInput() != null) {
            // codex lost that turn's input with the crash: the host still has it and may send it again
        }
        // docs/session.md#thread-replaced:END
        return r;
    }
}
