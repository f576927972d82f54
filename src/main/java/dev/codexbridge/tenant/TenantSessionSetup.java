package dev.codexbridge.tenant;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.ClientPlacement;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.session.ThreadOperation;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.internal.Remembered;
import dev.codexbridge.internal.SafeLogger;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * What a tenant's session is configured with: a local tenant's thread starts in the tenant's
 * workspace and its thread and turn options are checked to stay there; every session gets the
 * tenant's client, placement, rate-limit governor and access rule. The access rule is the tenants'
 * own scoping (a thread started here belongs to its tenant) followed by the host's, asked with the
 * tenant id as the caller.
 */
final class TenantSessionSetup {
    /** What a refusal by the tenants' own scoping names (no host rule involved). */
    static final String OWN_TENANT_SCOPING = "the tenants' own scoping: another tenant started this thread";
    private static final Logger LOG = SafeLogger.getLogger(CodexTenants.class);

    /**
     * The tenant each thread started here belongs to, the least recently used forgotten past the
     * bound ({@link CodexTenants.Builder#threadsRemembered}), so a process that serves for a month
     * keeps at most that many, not one per thread it ever started (issues 71, 80); with a store an
     * entry goes once a turn of the thread is stored (the store's record answers from then on).
     * A local tenant's thread lives in its own codex home, which no other tenant's codex reads, so a
     * thread forgotten is still nobody else's: another tenant's resume finds no such thread, the
     * scoping only refused it earlier. A remote tenant's forgotten thread is as one after a restart:
     * the host's rule decides ({@link #forgetting}).
     */
    private final Remembered<String, String> startedBy;
    /** The tenants' own rule and the host's, asked with the tenant id as the caller. */
    private final ThreadAccess access;
    /** The local tenants' homes and workspaces; null for remote tenants, whose sessions are not confined here. */
    private final @Nullable TenantHomes homes;
    /** Where every tenant's conversations are kept while no codex holds them, or null (the homes keep them). */
    private final @Nullable ConversationStorage storage;
    /** Whether a forgotten thread of remote tenants that nothing else answers for was told about (once). */
    private final AtomicBoolean toldForgetting = new AtomicBoolean();
    /** Remote tenants with neither a host rule nor a store: nothing but this scoping answers for their threads. */
    private final boolean unguardedRemote;

    TenantSessionSetup(@Nullable ThreadAccess hostRule, @Nullable TenantHomes homes, @Nullable ConversationStorage storage, int remembered) {
        ThreadAccess ownTenant = new ThreadAccess() {
            @Override
            public boolean allows(String caller, String thread, ThreadOperation operation) {
                String owner = ownerTenant(thread);
                return owner == null || owner.equals(caller);
            }

            @Override
            public String refusal(String caller, String thread, ThreadOperation operation) {
                return allows(caller, thread, operation) ? null : OWN_TENANT_SCOPING;
            }
        };
        this.access = hostRule == null ? ownTenant : ownTenant.and(hostRule);
        this.homes = homes;
        this.startedBy = Remembered.atMost(remembered);
        this.storage = storage;
        this.unguardedRemote = homes == null && hostRule == null && storage == null;
    }

    /**
     * The tenant {@code thread} belongs to: the one that started it here, else, with a store, the
     * tenant its stored record names (entries here go once a turn is stored); null when neither knows.
     */
    private @Nullable String ownerTenant(String thread) {
        String started = startedBy.get(thread);
        if (started != null || storage == null || !RolloutFile.isThreadId(thread)) {
            return started;
        }
        return storage.store().ownerOf(thread).map(ConversationOwner::tenant).orElse(null);   // the record alone, no rollout read
    }

    /** Refuses {@code tenantId} a resume of {@code threadId} the rules do not allow, before anything is read or started. */
    void requireResume(String tenantId, String threadId) {
        ThreadAccess.require(access, tenantId, threadId, ThreadOperation.RESUME);
    }

    /**
     * The tenant's session on {@code client}, built as {@code configure} says and started (a new
     * thread, or {@code threadId} resumed); closed again when it cannot start.
     *
     * @param home      the tenant's prepared home; null for remote tenants
     * @param placement where the session's thread goes when it wakes after its process stopped
     */
    CodexSession start(TenantState tenant, @Nullable TenantHome home, CodexClient client, @Nullable String threadId,
                       Consumer<CodexSession.Builder> configure, ClientPlacement placement) {
        String tenantId = tenant.id;
        CodexSession.Builder b = CodexSession.builder();
        if (homes != null) {
            // the starting options, not an adjustment: configure may name a folder inside the workspace, and
            // options it replaces wholesale are checked below as given, never silently re-pointed
            b.replaceThreadOptions(ThreadOptions.in(homes.workspaceOf(tenantId)));
        }
        if (storage != null) {
            // the tenant's by default; a gateway's configure names the principal instead
            b.storageOwner(new ConversationOwner(tenantId, tenantId));
        }
        configure.accept(b);
        if (storage != null) {
            b.storage(storage);
            if (storage.exportAfterEachTurn()) {
                // stored with its owner before the result is handed out: from then on the store's record says whose it
                // is, and a replica keeps nothing per conversation that has gone to sleep or closed
                b.onTurnEnded(r -> {
                    if (r.status() == TurnOutcome.COMPLETED && !r.storeFailed() && r.threadId() != null) {
                        startedBy.remove(r.threadId(), tenantId);
                        tenant.threadPlaces.remove(r.threadId());
                    }
                });
            }
        }
        // a session that slept while its tenant's codex was stopped (idle, evicted) or died wakes on the
        // tenant's process as placed then, started again if need be, within the caps (decision 0040)
        b.client(client).placement(placement).rateLimits(tenant.governor).threadAccess(access, tenantId);
        if (homes != null) {
            b.turnOptionsCheck(options -> TenantIsolation.checkTurn(tenantId, options));
        }
        if (threadId != null) {
            b.resumeThread(threadId);
        }
        CodexSession session = b.build();
        try {
            if (homes != null) {
                TenantIsolation.checkThread(tenantId, session.threadOptions(), homes.root(), home.directory(),
                        homes.workspaceOf(tenantId));
            }
            session.start();
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        return session;
    }

    /** How many threads the tenants' own scoping remembers (those started here and not stored yet). */
    int startedHere() {
        return startedBy.size();
    }

    /** Records that {@code tenantId} started {@code threadId}: no other tenant may use its id. */
    void startedBy(String threadId, String tenantId) {
        startedBy.put(threadId, tenantId);
        if (unguardedRemote && startedBy.forgotten() > 0) {
            forgetting();
        }
    }

    /**
     * Remote tenants, with neither a store nor a host rule, forgot a thread past the bound: another
     * tenant on the same app-server could then resume it, as after a restart. Said once, with what to do.
     */
    private void forgetting() {
        if (toldForgetting.compareAndSet(false, true)) {
            LOG.warn("the tenants' own scoping remembers {} threads and forgets the least recently used from now on: remote tenants "
                    + "that share an app-server need a threadAccess rule or a store to keep another tenant from a forgotten thread "
                    + "(CodexTenants.Builder.threadsRemembered sets the bound)", startedBy.max());
        }
    }
}
