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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

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

    /**
     * How many threads started here the tenants' own scoping remembers for local tenants, the least
     * recently started forgotten first: each local tenant's threads live in its own codex home, which
     * no other tenant's codex reads, so a forgotten thread is still another tenant's to nobody else
     * (their codex has no such thread); the scoping only refuses earlier. A process that serves for a
     * month keeps at most this many, not one per thread it ever started (issue 71).
     */
    static final int LOCAL_THREADS_REMEMBERED = 10_000;

    /**
     * The tenant each thread started here belongs to: another tenant may not use its id (the default
     * rule). Bounded for local tenants ({@link #LOCAL_THREADS_REMEMBERED}); remote tenants' app-servers
     * may be reachable by another tenant, so there every entry stays until a store keeps the thread's owner.
     */
    private final Map<String, String> startedBy;
    /** The tenants' own rule and the host's, asked with the tenant id as the caller. */
    private final ThreadAccess access;
    /** The local tenants' homes and workspaces; null for remote tenants, whose sessions are not confined here. */
    private final @Nullable TenantHomes homes;
    /** Where every tenant's conversations are kept while no codex holds them, or null (the homes keep them). */
    private final @Nullable ConversationStorage storage;

    TenantSessionSetup(@Nullable ThreadAccess hostRule, @Nullable TenantHomes homes, @Nullable ConversationStorage storage) {
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
        this.startedBy = homes == null ? new ConcurrentHashMap<>() : Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > LOCAL_THREADS_REMEMBERED;
            }
        });
        this.storage = storage;
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
    }
}
