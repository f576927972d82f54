package dev.codexbridge.readme;

// docs/session.md#streaming:BEGIN
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnEventIterator;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnStreamEvent;
import java.io.PrintStream;

/** A turn read event by event on a thread that may block (a virtual thread, a request's thread). */
final class StreamedConversation {
    static TurnResult ask(CodexSession session, String question, PrintStream out) {
        TurnResult result = null;
        try (TurnEventIterator events = session.streamTurn(TurnInput.text(question), TurnOptions.DEFAULTS).iterator()) {
            while (events.hasNext()) {
                TurnStreamEvent event = events.next();
                if (event instanceof TurnStreamEvent.AgentMessageDelta delta) {
                    out.print(delta.text());                       // the reply as it streams
                } else if (event instanceof TurnStreamEvent.ApprovalRequested asked) {
                    out.println("\n[codex asks: " + asked.request().title() + "]");
                } else if (event instanceof TurnStreamEvent.Ended ended) {
                    result = ended.result();                       // always the last event
                }
            }
        }
        return result;
    }
}
// docs/session.md#streaming:END
