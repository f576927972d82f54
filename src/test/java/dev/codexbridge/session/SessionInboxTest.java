package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.internal.inbox.SessionInbox;
import dev.codexbridge.session.internal.inbox.TurnEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** How the inbox wakes a running turn for messages from the reader. */
class SessionInboxTest {
    private static CodexEvent.Notification delta(int n) {
        return new CodexEvent.Notification("item/agentMessage/delta", "thread-1",
                Json.object().put("threadId", "thread-1").put("turnId", "turn-1").put("itemId", "m").put("delta", "d" + n));
    }

    /** A turn that only records what it was handed, in order. */
    private static TurnEvent.Handler collectingInto(List<Object> handled) {
        return event -> handled.add(event instanceof TurnEvent.Notified n ? n.message() : event);
    }

    @Test
    void aStreamWakesTheTurnOncePerBurstAndAMessageAfterAQuietSpellAtOnce() {
        List<Object> handled = new CopyOnWriteArrayList<>();
        AtomicLong now = new AtomicLong(1_000_000_000L);
        // the drain runs inline whenever the inbox schedules it, so what it has handled shows when it was woken
        SessionInbox inbox = new SessionInbox(asked -> { }, Runnable::run, 10_000, false, now::get);
        inbox.turnStarted(collectingInto(handled));
        // nothing for a long while: the first message wakes the turn at once
        inbox.accept(delta(0));
        assertThat(handled).hasSize(1);
        // more in the same instant: held until the reader's burst ends
        inbox.accept(delta(1));
        inbox.accept(delta(2));
        assertThat(handled).hasSize(1);
        inbox.endOfBurst();
        assertThat(handled).hasSize(3);
        // a long burst does not wait for its end
        for (int i = 0; i < SessionInbox.BURST - 1; i++) {
            inbox.accept(delta(i));
        }
        assertThat(handled).hasSize(3);
        inbox.accept(delta(SessionInbox.BURST));
        assertThat(handled).hasSize(3 + SessionInbox.BURST);
        // a quiet spell before a message: woken at once again
        now.addAndGet(SessionInbox.QUIET_NANOS + 1);
        inbox.accept(delta(-1));
        assertThat(handled).hasSize(4 + SessionInbox.BURST);
        // a stream whose messages come closer together than a quiet spell waits for its burst's end,
        // however long ago the last wake-up was
        for (int i = 0; i < 10; i++) {
            now.addAndGet(SessionInbox.QUIET_NANOS / 2);
            inbox.accept(delta(i));
        }
        assertThat(handled).hasSize(4 + SessionInbox.BURST);
        inbox.endOfBurst();
        assertThat(handled).hasSize(14 + SessionInbox.BURST);
        // the session's own events are never held back
        inbox.post(TurnEvent.INTERRUPT_REQUESTED);
        assertThat(handled).last().isEqualTo(TurnEvent.INTERRUPT_REQUESTED);
    }
}
