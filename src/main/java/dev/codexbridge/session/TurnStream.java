package dev.codexbridge.session;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.TurnPlanUpdatedNotification;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.session.internal.stream.StreamBuffer;
import dev.codexbridge.transcript.TranscriptMessage;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * A running turn's events as a {@link Flow.Publisher} ({@link CodexSession#streamTurn}), the
 * stream-shaped sibling of {@link TurnListener}: the listener's callbacks as
 * {@link TurnStreamEvent} values, then {@link TurnStreamEvent.Ended} with the result, then
 * {@code onComplete}. A turn that could not run at all (its start failed in the library) ends
 * with {@code onError} instead.
 *
 * <p>The turn starts when the stream is made, not when it is subscribed: events wait for the
 * subscriber in a bounded buffer. One subscriber; a second gets {@code onError}. Signals go to
 * the subscriber on the library's host pool (or the executor given), one at a time and never
 * more than it requested: the turn's own threads only queue, so a subscriber that is slow, or
 * requests nothing, holds up no other session and not its own turn.
 *
 * <p>When the subscriber falls {@code bufferSize} events behind, deltas coalesce (a delta joins
 * the one waiting before it, same kind and item) or, when they cannot, are dropped: the item's
 * {@link TurnStreamEvent.ItemCompleted} carries its whole text. Other events never are; should
 * {@code 10 × bufferSize} of them wait, the subscription fails with
 * {@link TurnStreamOverflowException} and the turn goes on (docs/decisions/0041-turn-streams.md).
 * Cancelling stops delivery and leaves the turn running: {@link #handle()} interrupts it.
 *
 * <p>For a thread that may block (a virtual thread, a request thread), {@link #iterator()} reads
 * the same events one by one.
 */
public final class TurnStream implements Flow.Publisher<TurnStreamEvent> {
    /** Events a subscriber may fall behind before deltas coalesce. */
    public static final int DEFAULT_BUFFER_SIZE = 1024;

    private final StreamBuffer buffer;
    private final @Nullable TurnHandle handle;

    private TurnStream(StreamBuffer buffer, @Nullable TurnHandle handle) {
        this.buffer = buffer;
        this.handle = handle;
    }

    /** Starts the turn on {@code session} and streams it; see {@link CodexSession#streamTurn(TurnInput, TurnOptions, int, Executor)}. */
    static TurnStream start(CodexSession session, TurnInput input, TurnOptions options, int bufferSize, Executor executor) {
        StreamBuffer buffer = new StreamBuffer(bufferSize, executor);
        TurnHandle handle = session.startTurn(input, options, new Events(buffer));
        handle.result().whenComplete((result, failure) -> {
            if (failure != null) {
                buffer.fail(Futures.unwrap(failure));
            } else {
                buffer.end(new TurnStreamEvent.Ended(result));
            }
        });
        return new TurnStream(buffer, handle);
    }

    /** A stream fed by hand, for tests of the delivery rules: it has no turn, and {@link #handle()} is null. */
    static TurnStream detached(StreamBuffer buffer) {
        return new TurnStream(buffer, null);
    }

    StreamBuffer buffer() {
        return buffer;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super TurnStreamEvent> subscriber) {
        buffer.subscribe(subscriber);
    }

    /**
     * The events read one at a time by a thread that may block: subscribes to this stream (its
     * one subscriber). Close it to stop reading early; the turn goes on.
     */
    public TurnEventIterator iterator() {
        TurnEventIterator events = new TurnEventIterator();
        subscribe(events.feed());
        return events;
    }

    /** The turn: its key, codex's id, its result, {@link TurnHandle#interrupt()}. */
    public TurnHandle handle() {
        return handle;
    }

    /** Deltas that joined an earlier one because the subscriber was behind (their text was kept). */
    public long coalescedDeltas() {
        return buffer.coalesced();
    }

    /** Deltas dropped because the subscriber was behind (their items' completions hold the text). */
    public long droppedDeltas() {
        return buffer.dropped();
    }

    @Override
    public String toString() {
        return "TurnStream[" + handle + "]";
    }

    /** The turn's listener: each callback becomes an event in the buffer; nothing here waits. */
    private static final class Events implements TurnListener {
        private final StreamBuffer buffer;

        Events(StreamBuffer buffer) {
            this.buffer = buffer;
        }

        private void add(TurnStreamEvent event) {
            buffer.offer(event);
        }

        @Override
        public void onAgentMessageDelta(String itemId, String delta) {
            add(new TurnStreamEvent.AgentMessageDelta(itemId, delta));
        }

        @Override
        public void onReasoningDelta(String itemId, String delta, boolean summary) {
            add(new TurnStreamEvent.ReasoningDelta(itemId, delta, summary));
        }

        @Override
        public void onCommandOutputDelta(String itemId, String delta) {
            add(new TurnStreamEvent.CommandOutputDelta(itemId, delta));
        }

        @Override
        public void onItemStarted(ThreadItem item) {
            add(new TurnStreamEvent.ItemStarted(item));
        }

        @Override
        public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
            add(new TurnStreamEvent.ItemCompleted(item, messages));
        }

        @Override
        public void onTranscript(List<TranscriptMessage> messages) {
            add(new TurnStreamEvent.Transcript(messages));
        }

        @Override
        public void onStep(int step, ThreadItem item) {
            add(new TurnStreamEvent.Step(step, item));
        }

        @Override
        public void onPlanUpdated(TurnPlanUpdatedNotification plan) {
            add(new TurnStreamEvent.PlanUpdated(plan));
        }

        @Override
        public void onApprovalRequested(ApprovalRequest request) {
            add(new TurnStreamEvent.ApprovalRequested(request));
        }

        @Override
        public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
            add(new TurnStreamEvent.ApprovalAnswered(request, decision));
        }

        @Override
        public void onApprovalWithdrawn(ApprovalRequest request) {
            add(new TurnStreamEvent.ApprovalWithdrawn(request));
        }

        @Override
        public void onRetry(TurnFailure error) {
            add(new TurnStreamEvent.Retry(error));
        }

        @Override
        public void onRateLimitWait(RateLimitWait wait) {
            add(new TurnStreamEvent.RateLimitWaiting(wait));
        }

        @Override
        public void onWarning(String message) {
            add(new TurnStreamEvent.Warning(message));
        }

        @Override
        public void onThreadReplaced(ThreadReplacement replacement) {
            add(new TurnStreamEvent.ThreadReplaced(replacement));
        }

        @Override
        public void onTokenUsage(TokenUsage usage) {
            add(new TurnStreamEvent.TokenUsageUpdated(usage));
        }

        @Override
        public void onTurnStarted(String key, String turnId) {
            add(new TurnStreamEvent.Started(key, turnId));
        }

        @Override
        public void onConnectionLost(String reason) {
            add(new TurnStreamEvent.ConnectionLost(reason));
        }

        @Override
        public void onReattached(Duration gap) {
            add(new TurnStreamEvent.Reattached(gap));
        }

        @Override
        public void onNotification(CodexEvent.Notification event) {
            add(new TurnStreamEvent.Notification(Objects.requireNonNull(event, "event")));
        }
    }
}
