package dev.codexbridge.session;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.TurnPlanUpdatedNotification;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.transcript.TranscriptMessage;
import java.time.Duration;
import java.util.List;

/**
 * Live events of one turn, delivered in order and one at a time on the library's shared
 * {@code codex-bridge-dispatch-*} threads, not on the thread that called
 * {@link CodexSession#runTurn(TurnInput, TurnOptions, TurnListener)}: a callback must not block,
 * or it holds up other sessions' turns. (The first {@link #onRateLimitWait} of a wait may come
 * on the thread that called {@code runTurn}.) Every method has an empty default; an exception
 * thrown here is logged and does not disturb the turn.
 */
public interface TurnListener {
    TurnListener NONE = new TurnListener() { };

    default void onAgentMessageDelta(String itemId, String delta) {
    }

    /** Reasoning text as it streams; {@code summary} tells summary text from raw reasoning. */
    default void onReasoningDelta(String itemId, String delta, boolean summary) {
    }

    /**
     * Output of a running command, as codex streams it. Codex sends deltas only as it reads them
     * and may send none at all for a short command (measured with codex 0.169.0: an {@code ls} or
     * {@code cat} of two lines came as one delta, or none): a UI that shows command output must
     * fall back to the completed item's {@code aggregatedOutput}
     * ({@link ThreadItem.CommandExecution} in {@link #onItemCompleted}), which always holds it all.
     */
    default void onCommandOutputDelta(String itemId, String delta) {
    }

    default void onItemStarted(ThreadItem item) {
    }

    /** An item completed, with the transcript messages it produced. */
    default void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
    }

    /**
     * The transcript grew: the messages of an item that completed, and at the end of the turn those
     * of items it left incomplete. In order, these are exactly {@link TurnResult#messages()} (which
     * stays empty when the turn was asked to {@linkplain TurnOptions#withStreamedTranscript stream}
     * its transcript). Called after {@link #onItemCompleted} for the same item.
     */
    default void onTranscript(List<TranscriptMessage> messages) {
    }

    /** An agent action completed (command, file change, MCP or dynamic tool call, web search); {@code step} counts from 1. */
    default void onStep(int step, ThreadItem item) {
    }

    default void onPlanUpdated(TurnPlanUpdatedNotification plan) {
    }

    default void onApprovalRequested(ApprovalRequest request) {
    }

    default void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
    }

    /**
     * Codex withdrew a request this turn showed the host ({@link #onApprovalRequested}) before
     * the host's answer went out: another client on the thread answered it first, or the turn
     * ended while it waited (an interrupt). The stage the {@code ApprovalHandler} returned has
     * been cancelled and no answer will be sent, so a prompt still open can be closed. While the
     * turn runs, each request shown gets exactly one of {@link #onApprovalAnswered} and this.
     */
    default void onApprovalWithdrawn(ApprovalRequest request) {
    }

    /** codex hit an error it will retry itself (e.g. a dropped model stream). */
    default void onRetry(TurnFailure error) {
    }

    /**
     * The turn waits for a rate limit before an attempt (see {@link RateLimitGovernor}): sent when
     * the wait starts, about once a second while it lasts, and with zero remaining when it ends.
     */
    default void onRateLimitWait(RateLimitWait wait) {
    }

    default void onWarning(String message) {
    }

    /**
     * The session's thread was replaced by a fresh one before this turn started: codex had no
     * record of it after it stopped (see {@link ThreadReplacement}). Called once, before anything
     * else of the turn; the turn's result carries the same in {@link TurnResult#threadReplaced()}.
     */
    default void onThreadReplaced(ThreadReplacement replacement) {
    }

    default void onTokenUsage(TokenUsage usage) {
    }

    /**
     * Codex named the turn: {@code turnId} is its id in codex's record, {@code key} the one the
     * host can keep from the start ({@link TurnHandle#key()}). Heard once per turn, as soon as
     * codex answers {@code turn/start}, or once the library has found the turn in codex's record
     * by its key after that answer was lost. A turn codex never received never hears it.
     */
    default void onTurnStarted(String key, String turnId) {
    }

    /**
     * The connection dropped while the turn ran, and codex may still be running it (a running
     * app-server reached over a socket): the turn waits, up to the client's
     * {@link dev.codexbridge.client.ReconnectPolicy#reattachWindow()}, for the connection to come
     * back. A UI can show "reconnecting". Followed by {@link #onReattached}, or by the turn's end.
     */
    default void onConnectionLost(String reason) {
    }

    /**
     * The turn is followed again after a drop of {@code gap}: what completed meanwhile is handed
     * over next (each item once, in order), then the live events.
     */
    default void onReattached(Duration gap) {
    }

    /**
     * Any other notification for this turn or thread (and, on a connection of the session's own,
     * for no thread): typed in {@code event.params()}, as received in {@code event.raw()}.
     */
    default void onNotification(CodexEvent.Notification event) {
    }
}
