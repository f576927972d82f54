package dev.codexbridge.gateway;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.Remembered;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.ThreadOperation;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tool.DynamicTool;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Where every front end gets its sessions: the host's settings, approval policy, tenant model and
 * thread-access rule in one place, so a protocol served on top of the library (A2A, MCP, the CLI, a
 * web controller) adds a translator and never a policy of its own.
 *
 * <p>A front end passes the principal it authenticated and, where its protocol can ask the remote
 * caller something, a {@code caller} handler (an A2A {@code input-required}, an MCP elicitation).
 * The session's policy is the host's, with the caller behind it ({@link ApprovalPolicy#withCaller}):
 * the host's rules decide first, then the host's handler; only what both leave open reaches the
 * caller, and only when the host turned {@link Builder#callerApprovals(boolean) callerApprovals} on.
 * Everything else is declined. A caller can never approve what the host's policy declines.
 *
 * <pre>{@code
 * CodexGateway gateway = CodexGateway.builder()
 *         .tenants(tenants)                                  // or client(shared), pool(pool)
 *         .configure(b -> b.limits(limits).replaceThreadOptions(options))
 *         .approvals(ApprovalPolicy.builder().commandRules(CommandRules.allowing("ls")).build())
 *         .callerApprovals(true)                             // callers answer what the rules leave open
 *         .build();
 * CodexSession s = gateway.open("alice", askTheCaller);     // started, on alice's tenant
 * }</pre>
 */
public final class CodexGateway {
    private final @Nullable CodexClient client;
    private final @Nullable CodexPool pool;
    private final @Nullable CodexTenants tenants;
    private final Function<String, String> tenantOf;
    private final BiConsumer<String, CodexSession.Builder> configure;
    private final ApprovalPolicy approvals;
    private final boolean callerApprovals;
    private final @Nullable ThreadAccess threadAccess;
    private final Consumer<CodexSession> opened;
    private final @Nullable ThreadOwners owners;
    /** The owners of threads opened here and not stored yet (with a store and no record of the host's), or null. */
    private final @Nullable OpenedHere openedHere;
    private final @Nullable ConversationStorage storage;
    /** The requests callers sent with an idempotency key, every door of this gateway's (decision 0117). */
    private final dev.codexbridge.callers.Resends resends;
    /** The doors' small records in the storage's store (decision 0126), or null without one that keeps them. */
    private final dev.codexbridge.store.@Nullable DoorRecords doorRecords;

    private CodexGateway(Builder b) {
        this.client = b.client;
        this.pool = b.pool;
        this.tenants = b.tenants;
        this.tenantOf = b.tenantOf;
        this.configure = b.configure;
        this.approvals = b.approvals;
        this.callerApprovals = b.callerApprovals;
        this.threadAccess = b.threadAccess;
        this.opened = b.opened;
        this.storage = b.storage;
        // with a store, a thread opened here and not stored yet is known as its principal's here only
        this.openedHere = b.owners != null || b.storage == null ? null : new OpenedHere(b.threadsRemembered);
        this.owners = openedHere != null ? openedHere : b.owners;
        this.resends = b.resends != null ? b.resends : b.storage == null ? dev.codexbridge.callers.Resends.inMemory()
                : dev.codexbridge.callers.Resends.over(b.storage.store().sendRecords(dev.codexbridge.store.SendRecords.DEFAULT_WINDOW,
                        dev.codexbridge.store.SendRecords.DEFAULT_MAX_RECORDS).orElseGet(dev.codexbridge.store.SendRecords::inMemory),
                        b.storage.holder());
        this.doorRecords = b.storage == null ? null : b.storage.store().doorRecords(dev.codexbridge.store.DoorRecords.DEFAULT_WINDOW,
                dev.codexbridge.store.DoorRecords.DEFAULT_MAX_RECORDS).orElse(null);
    }

    /**
     * Where the doors on this gateway keep what they answered beyond a conversation (decision 0126;
     * the OpenAI door's responses and chat histories): the storage's conversation store when it has
     * one that keeps them ({@link ConversationStore#doorRecords}, each record 30 days from its write,
     * at most a million), so that every host sharing it answers alike; empty without, and a door
     * keeps them in its own memory.
     */
    public java.util.Optional<dev.codexbridge.store.DoorRecords> doorRecords() {
        return java.util.Optional.ofNullable(doorRecords);
    }

    /**
     * What the doors on this gateway keep of the requests callers send with an idempotency key, so
     * that a copy is answered with the first one's answer (decision 0117): in the storage's
     * conversation store when there is one ({@link ConversationStore#sendRecords}: every host
     * sharing it knows them), else in this process; or what {@link Builder#resends} gave.
     */
    public dev.codexbridge.callers.Resends resends() {
        return resends;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A new thread for {@code principal}, started. {@code caller} asks the remote caller what the
     * host's policy leaves open (null: nobody is asked; what the policy leaves open is declined).
     *
     * @throws dev.codexbridge.CodexException when codex cannot be started or a capacity cap refuses
     */
    public CodexSession open(String principal, @Nullable ApprovalHandler caller) {
        Objects.requireNonNull(principal, "principal");
        return observed(owned(principal, session(principal, null, caller, null, java.util.List.of())));
    }

    /**
     * {@link #open(String, ApprovalHandler)} with the caller's {@code tools}: dynamic tools of the
     * new thread, registered when it starts (a front end that hands codex's calls of them to its
     * remote caller). Their specs are the caller's words and change none of codex's settings; the
     * approval policy and the tenant stay the host's.
     */
    public CodexSession open(String principal, @Nullable ApprovalHandler caller, java.util.List<DynamicTool> tools) {
        Objects.requireNonNull(principal, "principal");
        return observed(owned(principal, session(principal, null, caller, null, java.util.List.copyOf(tools))));
    }

    /**
     * {@link #open(String, ApprovalHandler)} with thread settings the caller chose ({@code thread}
     * changes the host's thread options: instructions, per-thread config). The front end decides
     * which settings its callers may choose; the approval policy and the tenant stay the host's.
     */
    public CodexSession open(String principal, @Nullable ApprovalHandler caller, UnaryOperator<ThreadOptions> thread) {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(thread, "thread");
        return observed(owned(principal, session(principal, null, caller, thread, java.util.List.of())));
    }

    /**
     * {@code principal}'s thread {@code threadId}, resumed with its history and started, after the
     * host's thread-access rule allowed it (refused: {@link dev.codexbridge.session.ThreadAccessDeniedException},
     * nothing read).
     */
    public CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller) {
        return resume(principal, threadId, caller, java.util.List.of());
    }

    /**
     * {@link #resume(String, String, ApprovalHandler)} with the handlers of the caller's
     * {@code tools}, the dynamic tools the thread was started with (codex keeps their specs with
     * the thread).
     */
    public CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller, java.util.List<DynamicTool> tools) {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(threadId, "threadId");
        if (!mayResume(principal, threadId)) {
            // another's thread and one never seen are refused alike, before codex is asked: no oracle
            throw new ThreadAccessDeniedException(principal, threadId, ThreadOperation.RESUME, ThreadAccessDeniedException.HOST_RULE);
        }
        return observed(session(principal, threadId, caller, null, java.util.List.copyOf(tools)));
    }

    /**
     * Whether {@code principal} may resume {@code threadId}: with a store, when the store's record
     * names the principal as the owner (or, for a thread not stored yet, when it was opened here by
     * that principal); with a record of thread owners, when it names the principal; else as the
     * backend's own rule says.
     */
    private boolean mayResume(String principal, String threadId) {
        if (storage != null) {
            Optional<ConversationOwner> stored = storedOwner(threadId);
            if (stored.isPresent()) {
                return stored.get().principal().equals(principal);
            }
        }
        return owners == null || owners.owns(principal, threadId);
    }

    private Optional<ConversationOwner> storedOwner(String threadId) {
        if (!RolloutFile.isThreadId(threadId)) {
            return Optional.empty();
        }
        return storage.store().ownerOf(threadId);     // the record alone, no rollout read
    }

    /**
     * Whether {@code threadId} is a thread the store never kept and no host holds: opened, then let
     * go of before any store of it succeeded (its first turn's store failed as the lease was lost,
     * decision 0082), so no {@link #resume} of it can ever succeed, on any host. A front end that
     * knows the thread as a principal's own (an A2A context's record) may start a fresh thread in
     * its place (decision 0093). Nothing of the thread is read: the store's record is looked up, and
     * its lease taken and given straight back, so no host stores it meanwhile. False without a
     * store, and for a thread the store holds.
     *
     * @throws dev.codexbridge.store.ConversationLeasedException when a host holds the thread: it may
     *         still store it (wait for its lease to run out, or ask that host to let go)
     */
    public boolean abandoned(String threadId) {
        Objects.requireNonNull(threadId, "threadId");
        if (storage == null || !RolloutFile.isThreadId(threadId) || storedOwner(threadId).isPresent()) {
            return false;
        }
        ConversationStore store = storage.store();
        ConversationLease probe = store.lease(threadId, storage.holder(), storage.leaseTime());
        try {
            // under the lease: no put can come between this read and the answer
            return store.get(threadId).isEmpty();
        } finally {
            store.release(probe);
        }
    }

    /** Threads opened here whose owner only this gateway knows, not stored yet (for tests). */
    int threadsOpenedHere() {
        return openedHere == null ? 0 : openedHere.size();
    }

    /** A new thread is its principal's: recorded before the session is handed out. */
    private CodexSession owned(String principal, CodexSession session) {
        return owners == null ? session : owners.owned(principal, session);
    }

    /** The policy a session of a caller answering through {@code caller} runs under. */
    public ApprovalPolicy policyFor(@Nullable ApprovalHandler caller) {
        return callerApprovals ? approvals.withCaller(caller) : approvals;
    }

    /** The host's own policy, before any caller. */
    public ApprovalPolicy approvals() {
        return approvals;
    }

    /** Whether remote callers answer what the host's policy leaves open. */
    public boolean callerApprovals() {
        return callerApprovals;
    }

    /** The tenant id a principal's sessions run in, or null when the gateway has no tenants. */
    public @Nullable String tenantOf(String principal) {
        return tenants == null ? null : tenantOf.apply(principal);
    }

    private CodexSession observed(CodexSession session) {
        opened.accept(session);
        return session;
    }

    private CodexSession session(String principal, @Nullable String threadId, @Nullable ApprovalHandler caller,
                                 @Nullable UnaryOperator<ThreadOptions> thread, java.util.List<DynamicTool> tools) {
        ApprovalPolicy policy = policyFor(caller);
        // the host's settings first, then the policy, which nothing in configure can replace
        Consumer<CodexSession.Builder> setUp = b -> {
            configure.accept(principal, b);
            if (thread != null) {
                b.adjustThread(thread);
            }
            tools.forEach(b::dynamicTool);
            b.approvals(policy);
            if (storage != null) {
                // the host's storage (a pool's or the tenants' own replaces it), the principal's conversation
                b.storage(storage).storageOwner(new ConversationOwner(principal, tenants == null ? null : tenantOf.apply(principal)));
                if (openedHere != null && storage.exportAfterEachTurn()) {
                    // stored with its owner before the result is handed out: the store's record answers from now on;
                    // a turn not kept leaves an unstored thread as every other replica sees it (decision 0143)
                    b.onTurnEnded(r -> {
                        if (r.threadId() == null) {
                            return;
                        }
                        if (r.status() == TurnOutcome.COMPLETED && !r.storeFailed()) {
                            openedHere.stored(r.threadId());
                        } else if (r.error() != null && r.error().category() == ErrorCategory.NOT_KEPT) {
                            openedHere.notKept(r.threadId());
                        }
                    });
                }
            }
        };
        if (tenants != null) {
            String tenant = Objects.requireNonNull(tenantOf.apply(principal), "tenantOf gave no tenant for the principal");
            return threadId == null ? tenants.newSession(tenant, setUp) : tenants.resumeSession(tenant, threadId, setUp);
        }
        if (pool != null) {
            return threadId == null ? pool.newSession(setUp) : pool.resumeSession(principal, threadId, setUp);
        }
        CodexSession.Builder b = CodexSession.builder();
        setUp.accept(b);
        b.client(client).resumeThread(threadId);
        if (threadAccess != null) {
            b.threadAccess(threadAccess, principal);
        }
        CodexSession session = b.build();
        try {
            session.start();
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        return session;
    }

    public static final class Builder {
        private @Nullable CodexClient client;
        private @Nullable CodexPool pool;
        private @Nullable CodexTenants tenants;
        private Function<String, String> tenantOf = Function.identity();
        private BiConsumer<String, CodexSession.Builder> configure = (p, b) -> { };
        private ApprovalPolicy approvals = ApprovalPolicy.failClosed();
        private boolean callerApprovals;
        private @Nullable ThreadAccess threadAccess;
        private Consumer<CodexSession> opened = s -> { };
        private @Nullable ThreadOwners owners;
        private @Nullable ConversationStorage storage;
        private dev.codexbridge.callers.@Nullable Resends resends;
        private int threadsRemembered = Remembered.DEFAULT_MAX;

        private Builder() {
        }

        /** The doors' record of requests sent with an idempotency key, in place of the storage's ({@link CodexGateway#resends}). */
        public Builder resends(dev.codexbridge.callers.Resends resends) {
            this.resends = Objects.requireNonNull(resends, "resends");
            return this;
        }

        /**
         * With a {@link #storage store} and no {@link #threadOwners record} of the host's: how many
         * threads opened here and not stored yet the gateway remembers the principal of (default
         * 100,000), the least recently used forgotten first. A thread's entry goes once a turn of it
         * is stored (the store's record answers from then on), so this many are only held when that
         * many conversations are opened and not stored yet (their turns not stored one by one:
         * {@code exportAfterEachTurn} off); a thread forgotten is refused, as an unknown id is, until
         * it is stored (when it sleeps or closes).
         */
        public Builder threadsRemembered(int threads) {
            this.threadsRemembered = Remembered.check(threads, "threadsRemembered");
            return this;
        }

        /**
         * Keep every conversation the gateway serves in a store (docs/store.md): each session
         * stores its conversation as its principal's ({@code ConversationOwner(principal, tenant)})
         * and lets go of it on its app-server when it sleeps or closes, and a later
         * {@link CodexGateway#resume} — on this host or any other sharing the store — wakes it on
         * the principal's codex. The stored owner is the access rule: a resume is refused, before
         * codex is asked, unless the store's record names the principal (a thread opened here and
         * not stored yet: unless it was opened here by the principal); a wake itself compares the
         * stored owner again. A pool or tenants built with a storage of their own keep it, with the
         * principal as the owner.
         */
        public Builder storage(@Nullable ConversationStorage storage) {
            this.storage = storage;
            return this;
        }

        /**
         * A durable record of who opened each thread ({@link ThreadOwners#files}): every thread
         * {@link CodexGateway#open} starts is recorded as its principal's, and {@link #resume} of an
         * id not recorded as the caller's — another principal's, or one never seen — is refused with
         * the same {@link ThreadAccessDeniedException} before codex is asked, across eviction and
         * restarts. Without one (the default) the gateway resumes what its backend's own rule allows,
         * as a library host resuming its own threads expects; front ends serving several principals
         * on one codex home set one.
         */
        public Builder threadOwners(@Nullable ThreadOwners owners) {
            this.owners = owners;
            return this;
        }

        /** Every session a thread on this one shared connection. */
        public Builder client(CodexClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Sessions spread over a pool's app-servers; resumes go where the thread lives and ask the
         * pool's own {@code ThreadAccess} rule with the principal as the caller.
         */
        public Builder pool(CodexPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        /** Each principal's sessions in its tenant (by default the tenant whose id is the principal). */
        public Builder tenants(CodexTenants tenants) {
            this.tenants = Objects.requireNonNull(tenants, "tenants");
            return this;
        }

        /** The tenant a principal belongs to (default: the principal itself). */
        public Builder tenantOf(Function<String, String> tenantOf) {
            this.tenantOf = Objects.requireNonNull(tenantOf, "tenantOf");
            return this;
        }

        /** The host's session settings (thread options, limits, tools), applied before the policy. */
        public Builder configure(Consumer<CodexSession.Builder> configure) {
            Objects.requireNonNull(configure, "configure");
            this.configure = (principal, b) -> configure.accept(b);
            return this;
        }

        /**
         * The host's session settings for a principal's session, applied before the policy: for
         * settings that differ per principal (with tenants, a folder inside the tenant's workspace).
         */
        public Builder configure(BiConsumer<String, CodexSession.Builder> configure) {
            this.configure = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /** The host's approval policy (default {@link ApprovalPolicy#failClosed()}). */
        public Builder approvals(ApprovalPolicy approvals) {
            this.approvals = Objects.requireNonNull(approvals, "approvals");
            return this;
        }

        /**
         * Whether a remote caller answers what the host's policy leaves open (default false: it is
         * declined). Off by default because a caller holding a token is not the host: turning it on
         * makes every caller an approver of whatever the host's rules and handler do not decide.
         */
        public Builder callerApprovals(boolean on) {
            this.callerApprovals = on;
            return this;
        }

        /**
         * Who may resume which thread on a shared {@link #client}: asked with the principal before a
         * thread is resumed, read or followed. A pool or tenants keep their own rule.
         */
        public Builder threadAccess(@Nullable ThreadAccess rule) {
            this.threadAccess = rule;
            return this;
        }

        /** Called with each session the gateway opened, before it is returned (a host that tracks them for shutdown). */
        public Builder onOpen(Consumer<CodexSession> opened) {
            this.opened = Objects.requireNonNull(opened, "opened");
            return this;
        }

        /** Throws {@link IllegalStateException} unless exactly one of client, pool and tenants is set. */
        public CodexGateway build() {
            int backends = (client != null ? 1 : 0) + (pool != null ? 1 : 0) + (tenants != null ? 1 : 0);
            if (backends != 1) {
                throw new IllegalStateException("a gateway serves sessions from exactly one of client(...), pool(...) and "
                        + "tenants(...); " + backends + " given");
            }
            if (threadAccess != null && client == null) {
                throw new IllegalStateException("threadAccess(...) is for a shared client; a pool or tenants apply the rule "
                        + "they were built with");
            }
            return new CodexGateway(this);
        }
    }
}
