package dev.codexbridge.session;

import java.util.Optional;
import org.jspecify.annotations.Nullable;
import java.util.concurrent.CompletableFuture;

/**
 * A turn from the moment the host asks for it ({@link CodexSession#startTurn}), before codex has
 * answered: its {@link #key()} is there at once, codex's turn id joins it as soon as codex names
 * the turn (the listener hears it too, {@link TurnListener#onTurnStarted}), and {@link #result()}
 * completes when the turn ends. A host that writes the key down finds the turn again after its
 * own restart: {@link CodexSession#findTurn} reads codex's record for it. Thread-safe.
 */
public final class TurnHandle {
    private final String key;
    private final @Nullable String threadIdAtStart;
    private final CompletableFuture<TurnResult> result;
    private final Runnable interrupt;
    private volatile @Nullable String turnId;
    private volatile @Nullable String threadId;

    TurnHandle(String key, @Nullable String threadId, Runnable interrupt, CompletableFuture<TurnResult> result) {
        this.key = key;
        this.threadIdAtStart = threadId;
        this.threadId = threadId;
        this.interrupt = interrupt;
        this.result = result;
    }

    /** The turn's key: the host's own ({@link TurnOptions#key}) or the library's, sent to codex with the turn's input. */
    public String key() {
        return key;
    }

    /** Codex's id for the turn, once codex has named it. */
    public Optional<String> turnId() {
        return Optional.ofNullable(turnId);
    }

    /** The thread the turn runs on: the session's, once known (null before a new session's thread is started). */
    public @Nullable String threadId() {
        String t = threadId;
        return t != null ? t : threadIdAtStart;
    }

    /** How the turn ended; completes on the library's pool for host code, like {@link CodexSession#runTurnAsync}. */
    public CompletableFuture<TurnResult> result() {
        return result;
    }

    /** Asks codex to stop the turn, as {@link CodexSession#interrupt()} does; the result then says so. */
    public void interrupt() {
        if (!result.isDone()) {
            interrupt.run();
        }
    }

    void identified(String thread, String turn) {
        this.threadId = thread;
        this.turnId = turn;
    }

    @Override
    public String toString() {
        return "TurnHandle[key=" + key + ", turnId=" + turnId + ", threadId=" + threadId() + "]";
    }
}
