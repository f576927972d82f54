package dev.codexbridge.session.internal.thread;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ClientPlacement;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.internal.failure.FailureAdvice;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Shared connections chosen by the host's {@link ClientPlacement}: a {@link ThreadLink.Shared} on
 * the current one, and, once that has closed for good (its process stopped while the session
 * slept, or died unreconnected), a new one from the placement. The placement's reservation is
 * given back once the thread holds its place on the new connection, so the host never sees the
 * process empty in between. With a conversation store, a session that slept into the store is
 * placed anew too (decision 0056): its thread goes where the placement says, not where it slept.
 */
public final class PlacedLink implements ThreadLink {
    private final ClientPlacement placement;
    private final Supplier<String> threadId;
    /** Whether a store holds the conversation and no codex has it: then any connection will do, and the placement chooses. */
    private final BooleanSupplier storedAway;
    private ThreadLink.Shared current;
    /** The placement's reservation until the thread has its place, or null. */
    private Runnable unsettled;
    /** Why the last placement failed (thrown as it is, so a caller still sees its type), or null. */
    private volatile CodexException notPlaced;

    public PlacedLink(CodexClient first, ClientPlacement placement, Supplier<String> threadId, BooleanSupplier storedAway) {
        this.current = new ThreadLink.Shared(first);
        this.placement = placement;
        this.threadId = threadId;
        this.storedAway = storedAway;
    }

    private synchronized ThreadLink.Shared current() {
        return current;
    }

    @Override
    public CompletableFuture<CodexClient> connect(TurnTelemetry turn) {
        ThreadLink.Shared s = current();
        if (!ClientPlumbing.closedForGood(s.client()) && !storedAway.getAsBoolean()) {
            return s.connect(turn);
        }
        // placing may start a codex process: on the waits pool, not on the callbacks it waits for
        return CompletableFuture.supplyAsync(() -> turn.inScope(() -> placeAnew(s)), RpcThreads.waits());
    }

    @Override
    public CompletableFuture<CodexClient> reopenedAfter(CodexClient c) {
        ThreadLink.Shared s = current();
        if (!ClientPlumbing.closedForGood(s.client())) {
            return s.reopenedAfter(c);
        }
        return CompletableFuture.supplyAsync(() -> placeAnew(s), RpcThreads.waits());
    }

    private CodexClient placeAnew(ThreadLink.Shared closed) {
        synchronized (this) {
            if (current != closed) {
                return current.client();        // placed meanwhile
            }
        }
        ClientPlacement.Placed placed;
        try {
            placed = placement.place(threadId.get());
        } catch (CodexException e) {
            notPlaced = e;
            throw e;
        } catch (RuntimeException e) {
            CodexException why = new CodexException("no codex to open the thread on: " + e.getMessage(), e);
            notPlaced = why;
            throw why;
        }
        synchronized (this) {
            closed.release();                   // the old connection's place and reconnect callback
            settle();
            current = new ThreadLink.Shared(placed.client());
            unsettled = placed.settled();
        }
        return placed.client();
    }

    private synchronized void settle() {
        Runnable r = unsettled;
        unsettled = null;
        if (r != null) {
            r.run();
        }
    }

    @Override
    public void joined(CodexClient c, Supplier<CompletionStage<?>> onReconnect, BooleanSupplier waiting) {
        try {
            current().joined(c, onReconnect, waiting);
        } finally {
            settle();
        }
    }

    @Override
    public void letGo(CodexClient c) {
        settle();
    }

    @Override
    public void release() {
        current().release();
        settle();
    }

    @Override
    public boolean exclusive() {
        return false;
    }

    @Override
    public ReconnectPolicy resumePolicy(CodexClient c) {
        return current().resumePolicy(c);
    }

    @Override
    public boolean comesBack(CodexClient c, Throwable failure) {
        return current().comesBack(c, failure);
    }

    @Override
    public Duration reattachWindow() {
        return current().reattachWindow();
    }

    @Override
    public boolean placesAnew() {
        return true;
    }

    @Override
    public boolean outlivesConnection() {
        return true;
    }

    @Override
    public TurnFailure startFailure(String message) {
        return current().startFailure(message);
    }

    /**
     * A placement that failed says why (the tenant's codex could not be started, say): the last
     * connection, closed by its owner, would read as "the host closed the shared CodexClient".
     */
    @Override
    public TurnFailure startFailure(Throwable failure) {
        Throwable cause = Futures.unwrap(failure);
        if (cause != null && cause == notPlaced) {
            return ThreadLink.classified(cause.getMessage());
        }
        return ThreadLink.super.startFailure(failure);
    }

    @Override
    public boolean unsubscribes() {
        return true;
    }

    @Override
    public FailureAdvice.Shape shape() {
        return current().shape();
    }
}
