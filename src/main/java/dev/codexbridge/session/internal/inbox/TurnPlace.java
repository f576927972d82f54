package dev.codexbridge.session.internal.inbox;

import dev.codexbridge.CodexException;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.protocol.TurnSteerParams;
import dev.codexbridge.protocol.TurnSteerResponse;
import dev.codexbridge.session.TurnInput;
import org.slf4j.Logger;

/**
 * Where one attempt of a turn runs and how codex knows it: the client and the connection it is on,
 * the session's inbox and request bridge, the thread, codex's turn id once codex names it, and the
 * key it was sent with. The turn writes it from its events; its collaborators and the session's
 * {@code steer} read it from any thread.
 */
public final class TurnPlace {
    private static final Logger LOG = SafeLogger.getLogger(TurnPlace.class);

    private volatile CodexClient client;
    private volatile SessionInbox inbox;
    private volatile ServerRequestBridge bridge;
    private volatile String threadId;
    private volatile String turnId;
    /** This attempt's {@code clientUserMessageId}: how the turn is found in codex's record when the start's answer is lost. */
    private volatile String messageId;
    /** The client's connection (its generation) this attempt runs on. */
    private volatile int connection;
    /** Codex may have the turn: its start was sent, or it is one this session follows. */
    private volatile boolean sent;
    /** Set while this attempt's {@code turn/start} waits for its answer (or for the failure that says whether it went out). */
    private volatile boolean startAwaited;

    public void attach(CodexClient client, SessionInbox inbox, ServerRequestBridge bridge, String threadId) {
        this.client = client;
        this.inbox = inbox;
        this.bridge = bridge;
        this.threadId = threadId;
        this.connection = client.generation();
    }

    /** The turn goes to codex (or is one codex runs already) under {@code messageId}, null when it has none. */
    public void sent(String messageId) {
        this.messageId = messageId;
        this.sent = true;
    }

    /** Codex named the turn. */
    public void named(String turnId) {
        this.turnId = turnId;
    }

    /** The turn's messages come from {@code box}, on the client's current connection, from now on. */
    public void moveTo(SessionInbox box) {
        inbox = box;
        connection = client.generation();
    }

    /**
     * The shared client reconnected at least once since the turn lost its connection (it may be
     * down again now, in a later fault): the app-server is there, only this thread's resume has not
     * come yet, cut short by faults or queued behind others.
     */
    public boolean reconnectedSinceDrop() {
        CodexClient c = client;
        return c != null && c.generation() != connection;
    }

    /** Adds {@code input} to the running turn; false when codex has not named it yet or refused. */
    public boolean steer(TurnInput input) {
        CodexClient c = client;
        String turn = turnId;
        if (c == null || turn == null) {
            return false;
        }
        TurnSteerParams params = TurnSteerParams.builder().threadId(threadId).expectedTurnId(turn).input(input.toUserInputs()).build();
        try {
            TurnSteerResponse r = c.turnSteer(params);
            return r.turnId() == null || turn.equals(r.turnId());
        } catch (CodexException e) {
            LOG.debug("turn/steer refused: {}", e.getMessage());
            return false;
        }
    }

    public CodexClient client() {
        return client;
    }

    public SessionInbox inbox() {
        return inbox;
    }

    public ServerRequestBridge bridge() {
        return bridge;
    }

    public String threadId() {
        return threadId;
    }

    /** Codex's id of the turn, or null while it has not named it. */
    public String turnId() {
        return turnId;
    }

    /** The turn's {@code clientUserMessageId}, by which codex's record names it before its id is known; null when it has none. */
    public String messageId() {
        return messageId;
    }

    public int connection() {
        return connection;
    }

    /** {@code turn/start} is going out: its answer, or its failure, is awaited. */
    public void startGoingOut() {
        startAwaited = true;
    }

    /** {@code turn/start} was answered, or failed. */
    public void startAnswered() {
        startAwaited = false;
    }

    /** Whether {@code turn/start}'s answer (or failure) has yet to come: only it tells whether the request went out. */
    public boolean startAwaited() {
        return startAwaited;
    }

    public boolean wasSent() {
        return sent;
    }
}
