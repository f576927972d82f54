package dev.codexbridge.pool;

import dev.codexbridge.FailureKind;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Which endpoint of a {@link CodexPool} holds a thread the pool has no usable endpoint for: the
 * one that has it loaded, else (shared home) any, else the one that has it stored. The endpoints
 * are asked through a {@link ThreadFinder}; this class turns their answers into a place, or into
 * a {@link PoolException} that says why there is none.
 */
final class ThreadLocator {
    /** The pool's logger: where a thread was found is the pool's business. */
    private static final Logger LOG = SafeLogger.getLogger(CodexPool.class);

    /**
     * Where to resume a thread: {@code node} (null: any endpoint with room, on a shared home);
     * {@code loaded} when the node has the thread loaded, so it goes nowhere else.
     */
    record Whereabouts(PoolNode node, boolean loaded) {
    }

    private final PoolMembers members;
    private final boolean sharedCodexHome;
    private final Consumer<CodexClient.Builder> clientConfigurer;
    private final ThreadFinder finder;

    ThreadLocator(PoolMembers members, boolean sharedCodexHome, Consumer<CodexClient.Builder> clientConfigurer, ThreadFinder finder) {
        this.members = members;
        this.sharedCodexHome = sharedCodexHome;
        this.clientConfigurer = clientConfigurer;
        this.finder = finder;
    }

    /**
     * Where a thread the pool has no usable endpoint for should be resumed: the endpoint that has
     * it loaded; else (shared home) anywhere, as a null node; else the endpoint that has it stored.
     * After a writer refusal ({@code refusedBy} not null; {@code refusal}, codex's answer) only a
     * loaded thread will do.
     */
    Whereabouts locate(String threadId, List<String> refusedBy, Throwable refusal) {
        Map<PoolNode, Supplier<CompletableFuture<CodexClient>>> asked = new LinkedHashMap<>();
        List<String> silent = new ArrayList<>();
        for (PoolNode n : members.all()) {
            if (n.usable() && n.connecting && !n.connected()) {
                // a connect that hangs holds the node's lock: another lookup would only queue behind it
                silent.add(n.spec.name() + " did not answer (its connection is still being opened)");
            } else if (n.usable()) {
                asked.put(n, n.asking(clientConfigurer));
            } else {
                silent.add(n.spec.name() + " is down (" + n.detail + ")");
            }
        }
        Map<PoolNode, ThreadFinder.Reply> loaded = finder.loaded(asked, threadId);
        Map<PoolNode, Supplier<CompletableFuture<CodexClient>>> answered = new LinkedHashMap<>();
        for (Map.Entry<PoolNode, ThreadFinder.Reply> e : loaded.entrySet()) {
            switch (e.getValue().presence()) {
                case YES -> {
                    LOG.info("thread {} is loaded on endpoint {}", threadId, e.getKey().spec.name());
                    return new Whereabouts(e.getKey(), true);
                }
                case NO -> answered.put(e.getKey(), asked.get(e.getKey()));
                case UNKNOWN -> silent.add(e.getKey().spec.name() + " " + e.getValue().detail());
            }
        }
        if (refusedBy != null) {
            throw writerUnreachable(threadId, refusedBy, silent, refusal);
        }
        if (sharedCodexHome) {
            return new Whereabouts(null, false);
        }
        Map<PoolNode, ThreadFinder.Reply> stored = finder.stored(answered, threadId);
        List<String> without = new ArrayList<>();
        for (Map.Entry<PoolNode, ThreadFinder.Reply> e : stored.entrySet()) {
            switch (e.getValue().presence()) {
                case YES -> {
                    LOG.info("thread {} is stored on endpoint {}", threadId, e.getKey().spec.name());
                    return new Whereabouts(e.getKey(), false);
                }
                case NO -> without.add(e.getKey().spec.name());
                case UNKNOWN -> silent.add(e.getKey().spec.name() + " " + e.getValue().detail());
            }
        }
        List<String> answers = new ArrayList<>();
        if (!without.isEmpty()) {
            answers.add(String.join(", ", without) + (without.size() == 1 ? " has" : " have") + " it neither loaded nor stored");
        }
        answers.addAll(silent);
        throw new PoolException("thread " + UntrustedText.of(threadId) + " is on no endpoint of this pool that answered: "
                + String.join("; ", answers)
                + ". The endpoints do not share CODEX_HOME, so a thread is resumed only where it was started: "
                + (silent.isEmpty() ? "" : "if it lives on an endpoint that is down or did not answer, try again once it is back; ")
                + "if it was started on an app-server outside this pool, resume it there (or assign(threadId, endpoint) "
                + "when that app-server joins the pool).", FailureKind.UNKNOWN_THREAD);
    }

    /** Codex on {@code refusedBy} refused the thread (another app-server writes it), and no endpoint that answered has it loaded. */
    static PoolException writerUnreachable(String threadId, List<String> refusedBy, List<String> silent, Throwable cause) {
        return new PoolException("thread " + UntrustedText.of(threadId) + " has a writer the pool cannot reach: codex on "
                + String.join(" and ", refusedBy) + " refused to resume it (it already has an active writer)"
                + (refusedBy.size() > 1 ? "" : ", and no endpoint of this pool that answered has it loaded")
                + (silent.isEmpty() ? "" : " (" + String.join("; ", silent) + ")")
                + ". Another app-server on the same CODEX_HOME holds the thread: one outside this pool, or one that did not "
                + "answer. Resume it there, or try again once that app-server lets it go (it does 60 s after the thread's "
                + "last turn ended without subscribers, or when it stops).", cause);
    }
}
