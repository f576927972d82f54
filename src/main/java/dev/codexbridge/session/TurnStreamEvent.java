package dev.codexbridge.session;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.TurnPlanUpdatedNotification;
import dev.codexbridge.transcript.TranscriptMessage;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One event of a turn as a stream ({@link TurnStream}, {@link CodexSession#streamTurn}): the
 * {@link TurnListener} callbacks as values, one record per callback, in the order the listener
 * would hear them, and {@link Ended} with the turn's result last. {@link #kind()} names each
 * kind in a stable camelCase word (a server-sent event's name, say).
 *
 * <p>The three {@link Delta} kinds are the only ones a stream may coalesce or drop when its
 * subscriber is behind (docs/decisions/0041-turn-streams.md); every other event arrives as sent.
 */
public sealed interface TurnStreamEvent {
    /** The event's kind: {@code agentMessageDelta}, {@code itemCompleted}, {@code ended}, ... */
    String kind();

    /**
     * Streamed text of one item: a reply, reasoning or a command's output. Its item's
     * {@link ItemCompleted} event holds the whole text, so a delta coalesced or dropped under
     * back-pressure loses nothing the item's end does not carry.
     */
    sealed interface Delta extends TurnStreamEvent {
        String itemId();

        String text();

        /** The same delta with {@code more} appended: how a stream coalesces deltas for a subscriber behind. */
        Delta append(String more);
    }

    /** {@link TurnListener#onAgentMessageDelta}. */
    record AgentMessageDelta(String itemId, String text) implements Delta {
        @Override
        public String kind() {
            return "agentMessageDelta";
        }

        @Override
        public Delta append(String more) {
            return new AgentMessageDelta(itemId, text + more);
        }
    }

    /** {@link TurnListener#onReasoningDelta}. */
    record ReasoningDelta(String itemId, String text, boolean summary) implements Delta {
        @Override
        public String kind() {
            return "reasoningDelta";
        }

        @Override
        public Delta append(String more) {
            return new ReasoningDelta(itemId, text + more, summary);
        }
    }

    /** {@link TurnListener#onCommandOutputDelta}. */
    record CommandOutputDelta(String itemId, String text) implements Delta {
        @Override
        public String kind() {
            return "commandOutputDelta";
        }

        @Override
        public Delta append(String more) {
            return new CommandOutputDelta(itemId, text + more);
        }
    }

    /** {@link TurnListener#onTurnStarted}: codex named the turn. */
    record Started(String key, String turnId) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "started";
        }
    }

    /** {@link TurnListener#onItemStarted}. */
    record ItemStarted(ThreadItem item) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "itemStarted";
        }
    }

    /** {@link TurnListener#onItemCompleted}: the item whole, with the transcript messages it produced. */
    record ItemCompleted(ThreadItem item, List<TranscriptMessage> messages) implements TurnStreamEvent {
        public ItemCompleted {
            messages = List.copyOf(messages);
        }

        @Override
        public String kind() {
            return "itemCompleted";
        }
    }

    /** {@link TurnListener#onTranscript}. */
    record Transcript(List<TranscriptMessage> messages) implements TurnStreamEvent {
        public Transcript {
            messages = List.copyOf(messages);
        }

        @Override
        public String kind() {
            return "transcript";
        }
    }

    /** {@link TurnListener#onStep}. */
    record Step(int step, ThreadItem item) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "step";
        }
    }

    /** {@link TurnListener#onPlanUpdated}. */
    record PlanUpdated(TurnPlanUpdatedNotification plan) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "planUpdated";
        }
    }

    /** {@link TurnListener#onApprovalRequested}. */
    record ApprovalRequested(ApprovalRequest request) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "approvalRequested";
        }
    }

    /** {@link TurnListener#onApprovalAnswered}. */
    record ApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "approvalAnswered";
        }
    }

    /** {@link TurnListener#onApprovalWithdrawn}. */
    record ApprovalWithdrawn(ApprovalRequest request) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "approvalWithdrawn";
        }
    }

    /** {@link TurnListener#onRetry}. */
    record Retry(TurnFailure error) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "retry";
        }
    }

    /** {@link TurnListener#onRateLimitWait}. */
    record RateLimitWaiting(RateLimitWait rateLimitWait) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "rateLimitWait";
        }
    }

    /** {@link TurnListener#onWarning}. */
    record Warning(String message) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "warning";
        }
    }

    /** {@link TurnListener#onThreadReplaced}. */
    record ThreadReplaced(ThreadReplacement replacement) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "threadReplaced";
        }
    }

    /** {@link TurnListener#onTokenUsage}. */
    record TokenUsageUpdated(TokenUsage usage) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "tokenUsage";
        }
    }

    /** {@link TurnListener#onConnectionLost}. */
    record ConnectionLost(String reason) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "connectionLost";
        }
    }

    /** {@link TurnListener#onReattached}. */
    record Reattached(Duration gap) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "reattached";
        }
    }

    /** {@link TurnListener#onNotification}: any other notification for the turn or thread. */
    record Notification(CodexEvent.Notification event) implements TurnStreamEvent {
        @Override
        public String kind() {
            return "notification";
        }
    }

    /**
     * How the turn ended: the last event of every stream whose turn ended (failed, interrupted and
     * timed-out turns included; they are results, as with {@link CodexSession#runTurn}), followed
     * by {@code onComplete}. Never coalesced, dropped or refused for room.
     */
    record Ended(TurnResult result) implements TurnStreamEvent {
        public Ended {
            Objects.requireNonNull(result, "result");
        }

        @Override
        public String kind() {
            return "ended";
        }
    }
}
