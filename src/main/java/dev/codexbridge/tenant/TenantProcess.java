package dev.codexbridge.tenant;

import dev.codexbridge.client.CodexClient;
import java.util.concurrent.CompletableFuture;

/**
 * One codex app-server of one tenant, from the moment a placement decides to start it until it is
 * stopped. The counters are guarded by the {@link TenantTable}'s lock.
 */
final class TenantProcess {
    final TenantState tenant;
    final int number;
    /** The tenant's {@link TenantState#homeGeneration} it was started on. */
    final int homeGeneration;
    /** Completes with the connected client, or exceptionally when codex could not be started. */
    final CompletableFuture<CodexClient> ready = new CompletableFuture<>();
    /** Sessions being opened on it (reserved at placement, given back once the session has its thread place). */
    int pending;
    /** When it was last seen serving a session (nanoTime): least-recently-used eviction picks the oldest. */
    long lastUsedNanos;
    /** Since when it has been seen with no session (nanoTime), or -1 while in use. */
    long idleSinceNanos = -1;
    boolean stopped;

    TenantProcess(TenantState tenant, int number, long now) {
        this.tenant = tenant;
        this.number = number;
        this.homeGeneration = tenant.homeGeneration;
        this.lastUsedNanos = now;
    }

    /** The client once started, else null. */
    CodexClient clientNow() {
        return ready.isDone() && !ready.isCompletedExceptionally() ? ready.join() : null;
    }

    /** Threads on it: places the client's sessions hold plus sessions being opened. */
    int threads() {
        CodexClient c = clientNow();
        return pending + (c == null ? 0 : c.reservedThreads());
    }

    /** Started, answering, and serving no session. */
    boolean idle() {
        CodexClient c = clientNow();
        return c != null && c.isOpen() && pending == 0 && c.reservedThreads() == 0;
    }

    /**
     * Started and then lost (codex exited, the connection closed). A client with a reconnect
     * policy that is starting codex again is not: taking it out of the table then would close the
     * new codex under a turn its session already sent there.
     */
    boolean dead() {
        if (!ready.isDone()) {
            return false;
        }
        CodexClient c = clientNow();
        return c == null || !c.isOpen() && (c.options().reconnect() == null || c.closedFuture().isDone());
    }

    String name() {
        return "codex-tenant-" + tenant.folderName + "-" + number;
    }
}
