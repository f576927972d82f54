package dev.codexbridge.pool;

import dev.codexbridge.FailureKind;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.store.StoredConversation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Where a {@link CodexPool} resumes a thread, and the tries until it is open there (see {@link
 * CodexPool#resumeSession(String, Consumer)}): asleep in the store, anywhere; else on the endpoint
 * the pool has for it while that is usable; else where the endpoints say it lives. A placement that
 * fails on a shared home moves on; codex's "active writer" refusal sends the session to the
 * endpoint that has the thread loaded, or fails saying no reachable one does.
 */
final class PoolResumes {
    /** The pool's logger: where a thread goes is the pool's business. */
    private static final Logger LOG = SafeLogger.getLogger(CodexPool.class);

    private final PoolPlacement placement;
    private final ThreadLocator locator;
    private final PoolSessionOpener opener;
    /** Where a conversation the store keeps wakes, or null without a store. */
    private final PoolWakes wakes;
    /** Drops a copy a stopped host's sleep left loaded where the conversation slept, before it wakes elsewhere. */
    private final LeftLoadedCopy leftLoaded;
    private final boolean sharedCodexHome;

    PoolResumes(PoolPlacement placement, ThreadLocator locator, PoolSessionOpener opener, PoolWakes wakes, LeftLoadedCopy leftLoaded,
                boolean sharedCodexHome) {
        this.placement = placement;
        this.locator = locator;
        this.opener = opener;
        this.wakes = wakes;
        this.leftLoaded = leftLoaded;
        this.sharedCodexHome = sharedCodexHome;
    }

    /** The started session of {@code threadId}, resumed for {@code caller} (null: no access rule). */
    CodexSession resume(String caller, String threadId, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(configure, "configure");
        PoolNode target = placement.affinityOf(threadId);
        Optional<StoredConversation> record = wakes == null ? Optional.empty() : wakes.record(threadId);
        boolean stored = record.isPresent();
        boolean owner = false;
        PoolNode sleptOn = null;
        if (stored) {
            // in the store: the least loaded takes it, unless its host stopped while it was awake on an endpoint of the pool
            target = wakes.awakeOn(record.get());
            if (target != null) {
                owner = true;
                if (!target.usable()) {
                    throw new PoolException("thread " + UntrustedText.of(threadId) + " was awake on endpoint " + target.spec.name() + " ("
                            + target.spec.endpoint().uri() + ") when its last host stopped holding it, and that endpoint is not ready now ("
                            + target.detail + "). Its copy there may hold turns the store lacks, and codex there may still have it "
                            + "loaded, so it wakes there or not at all: try again once " + target.spec.name() + " is back, or remove "
                            + "the endpoint from the pool (removeEndpoint) to wake it elsewhere from the store's copy.",
                            FailureKind.CODEX_UNAVAILABLE);
                }
            } else {
                // where it slept, codex kept its copy: preferred when it has room, any other endpoint otherwise
                sleptOn = wakes.sleptOn(record.get());
            }
        } else if (target != null && !target.usable()) {
            if (!sharedCodexHome) {
                throw new PoolException("thread " + UntrustedText.of(threadId) + " lives on endpoint " + target.spec.name() + " ("
                        + target.spec.endpoint().uri() + "), which " + (target.removed ? "was removed from the pool" : "is down: "
                        + target.detail) + ". The endpoints do not share CODEX_HOME (sharedCodexHome(false)), so the thread "
                        + "cannot be resumed elsewhere; it can be resumed once " + target.spec.name() + " is back"
                        + (target.removed ? " in the pool (addEndpoint)." : "."));
            }
            LOG.info("thread {} leaves lost endpoint {} (shared CODEX_HOME)", threadId, target.spec.name());
            target = null;
        }
        // the target has the thread loaded: the session goes there or nowhere
        if (target == null && !stored) {
            ThreadLocator.Whereabouts found = locator.locate(threadId, null, null);
            target = found.node();
            owner = found.loaded();
        }
        boolean awakeThere = stored && owner;
        List<String> refusals = new ArrayList<>();
        List<String> writerRefusals = new ArrayList<>();
        PoolNode leftOn = sleptOn;
        while (true) {
            PoolNode node = sleptOn != null ? placement.reservePreferring(sleptOn, threadId, refusals)
                    : placement.reserve(target, owner, threadId, refusals);
            sleptOn = null;
            try {
                if (leftOn != null) {
                    // once, before the first try: a stopped host's sleep may have left it loaded where it slept
                    leftLoaded.dropBefore(threadId, leftOn, node);
                    leftOn = null;
                }
                CodexSession session = opener.open(node, configure, threadId, caller);
                placement.remember(threadId, node);
                return session;
            } catch (PoolSessionOpener.PlacementFailed e) {
                refusals.add(node.spec.name() + ": " + e.getMessage());
                if (target != null && (awakeThere || !sharedCodexHome && !stored)) {
                    throw new PoolException("thread " + UntrustedText.of(threadId) + " could not be resumed on its endpoint "
                            + node.spec.name() + ": " + e.getMessage(), e.getCause());
                }
                // on a shared home an endpoint that cannot be reached holds no writer any more: any other may take it
                target = null;
                owner = false;
            } catch (PoolSessionOpener.WriterElsewhere e) {
                placement.forget(threadId, node);
                refusals.add(node.spec.name() + ": " + e.getMessage());
                writerRefusals.add(node.spec.name());
                if (writerRefusals.size() > 1) {
                    throw ThreadLocator.writerUnreachable(threadId, writerRefusals, List.of(), e.getCause());
                }
                LOG.info("codex on {} refused thread {}: another app-server writes it; asking the endpoints again",
                        node.spec.name(), threadId);
                ThreadLocator.Whereabouts found = locator.locate(threadId, writerRefusals, e.getCause());
                target = found.node();
                owner = true;
            } finally {
                node.release();
            }
        }
    }
}
