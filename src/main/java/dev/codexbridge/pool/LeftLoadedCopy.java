package dev.codexbridge.pool;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.ThreadDeleteParams;
import dev.codexbridge.protocol.ThreadDeleteResponse;
import dev.codexbridge.rpc.internal.Futures;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The copy a stopped host's sleep may leave loaded where the conversation slept (decision 0140).
 * A sleep stores the conversation, then waits for codex there to unload the thread (up to the
 * re-attach window) before it gives the lease back; a host that dies meanwhile gives it back at
 * once (the lease ends with its database session), and the next host may wake the conversation
 * on another endpoint while the first still has it loaded. Before such a wake, the endpoint the
 * record says it slept on is asked whether it has the thread loaded, and if so codex there drops
 * it ({@code thread/delete}, which unloads a loaded thread at once and removes its files). Nothing
 * is lost by that: a sleep's record was put from that copy after its last turn, and a host that
 * may have written past its last put names its endpoint as the one the conversation is awake on,
 * which wakes there or not at all.
 */
final class LeftLoadedCopy {
    /** The pool's logger: where a thread goes is the pool's business. */
    private static final Logger LOG = SafeLogger.getLogger(CodexPool.class);

    private final ThreadFinder finder;
    private final Duration timeout;
    private final Consumer<CodexClient.Builder> clientConfigurer;

    LeftLoadedCopy(ThreadFinder finder, Duration timeout, Consumer<CodexClient.Builder> clientConfigurer) {
        this.finder = finder;
        this.timeout = timeout;
        this.clientConfigurer = clientConfigurer;
    }

    /**
     * Before {@code threadId} wakes on {@code target}: when {@code sleptOn}, the endpoint its
     * record says it last slept on, is another one that can be asked and has it loaded, codex there
     * drops it. Waits up to the pool's probe timeout for the question and as long again for the
     * drop; an endpoint that does not answer keeps its copy until codex there unloads it.
     * Returns whether a loaded copy was dropped.
     */
    boolean dropBefore(String threadId, PoolNode sleptOn, PoolNode target) {
        if (sleptOn == null || sleptOn == target) {
            return false;
        }
        LOG.debug("thread {} slept on {} ({}) and wakes on {}", threadId, sleptOn.spec.name(), sleptOn.removed ? "removed"
                : !sleptOn.usable() ? "down: " + sleptOn.detail : (sleptOn.draining ? "drained, " : "") + sleptOn.load() + " of "
                + sleptOn.spec.maxThreads() + " threads", target.spec.name());
        if (!sleptOn.usable() || sleptOn.removed) {
            return false;
        }
        Supplier<CompletableFuture<CodexClient>> connection = sleptOn.asking(clientConfigurer);
        ThreadFinder.Reply reply = finder.loaded(Map.of(sleptOn, connection), threadId).get(sleptOn);
        if (reply == null || reply.presence() != ThreadFinder.Presence.YES) {
            if (reply != null && reply.presence() == ThreadFinder.Presence.UNKNOWN) {
                LOG.debug("thread {} wakes on {}; {}, where it slept, could not say whether it still has it loaded: {}", threadId,
                        target.spec.name(), sleptOn.spec.name(), reply.detail());
            }
            return false;
        }
        try {
            CodexClient client = connection.get().join();
            client.requestAsync(ClientRequests.THREAD_DELETE.method(), new ThreadDeleteParams(threadId), ThreadDeleteResponse.class, timeout)
                    .join();
            LOG.info("thread {} was still loaded on {}, where it slept (its last host stopped before codex there unloaded it): dropped "
                    + "there before it wakes on {}", threadId, sleptOn.spec.name(), target.spec.name());
            return true;
        } catch (RuntimeException e) {
            LOG.warn("thread {} is still loaded on {}, where it slept, and could not be dropped there before it wakes on {}: {}. That "
                    + "copy holds nothing the store lacks, and codex there unloads it within its unload delay", threadId,
                    sleptOn.spec.name(), target.spec.name(), UntrustedText.messageOf(Futures.unwrap(e)));
            return false;
        }
    }
}
