package dev.codexbridge.spring;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.internal.Remembered;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.protocol.TurnCompletedNotification;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.session.ThreadOpenException;
import dev.codexbridge.session.ThreadOperation;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.LeaseWait;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.session.TurnLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The session factory bean: opens codex threads on the application's {@link CodexClient} or
 * {@link CodexPool} with the defaults of {@code codex-bridge.session.*}, the {@link ApprovalPolicy}
 * bean and the {@link RateLimitGovernor} bean; a {@code configure} step may change any of them
 * for one session. Sessions are started on return ({@link CodexSession#threadId()} is known).
 *
 * <p>With {@code codex-bridge.store.*} every session keeps its conversation in the store: on the
 * client as set here, on a pool or tenants as they were built. A resume of a conversation another
 * instance holds waits for its hold to run out as the doors do, within 10 s, or fails with until
 * when it is held ({@link #resume(String, String, Consumer)}).
 *
 * <p>It remembers the sessions it opened (weakly: one the application dropped is forgotten) so the
 * application's shutdown can let their running turns finish or interrupt them, then store their
 * conversations.
 */
public final class CodexSessions {
    /**
     * The message of what {@link #resume(String, String, Consumer)} throws for a thread nobody
     * started and for one the caller may not resume alike (kind {@link FailureKind#UNKNOWN_THREAD}).
     */
    public static final String THREAD_NOT_FOUND = "no such thread to resume";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CodexSessions.class);
    private final CodexClient client;
    private final CodexPool pool;
    private final CodexTenants tenants;
    private final List<Consumer<TurnResult>> turnEnded = new CopyOnWriteArrayList<>();
    /** The last failure to open a session because codex could not be started or reached; null since one opened. */
    private volatile CodexException unavailable;
    private final Consumer<CodexSession.Builder> defaults;
    /** The defaults without the approval policy, which a gateway applies itself (with the caller behind it). */
    private final Consumer<CodexSession.Builder> hostDefaults;
    /** codex-bridge.session.*'s thread options; with tenants, rebased into each tenant's own workspace. */
    private final ThreadOptions thread;
    private final ApprovalPolicy approvals;
    private volatile boolean callerApprovals;
    private volatile CodexGateway gateway;
    private final Map<CodexSession, Boolean> opened = Collections.synchronizedMap(new WeakHashMap<>());
    private final RunningTurns turns = new RunningTurns();
    private volatile boolean closed;
    /** The application's {@link ThreadAccess} bean, or null: any thread id given is resumed. */
    private volatile ThreadAccess threadAccess;
    /** Where conversations are kept while no codex holds them (codex-bridge.store.*), or null. */
    private volatile ConversationStorage storage;
    /** What the gateway remembers per thread not stored yet (codex-bridge.conversations-remembered). */
    private volatile int threadsRemembered = Remembered.DEFAULT_MAX;
    /** How long a resume waits for another instance's hold on its conversation to run out. */
    private volatile Duration leaseWait = LeaseWait.DEFAULT_BOUND;

    CodexSessions(CodexClient client, CodexPool pool, ThreadOptions thread, TurnLimits limits, Duration hibernateAfter,
                  ApprovalPolicy approvals, RateLimitGovernor rateLimits) {
        this(client, pool, null, thread, limits, hibernateAfter, approvals, rateLimits);
    }

    CodexSessions(CodexClient client, CodexPool pool, CodexTenants tenants, ThreadOptions thread, TurnLimits limits,
                  Duration hibernateAfter, ApprovalPolicy approvals, RateLimitGovernor rateLimits) {
        if ((client != null ? 1 : 0) + (pool != null ? 1 : 0) + (tenants != null ? 1 : 0) != 1) {
            throw new IllegalArgumentException("exactly one of client, pool and tenants");
        }
        this.client = client;
        this.pool = pool;
        this.tenants = tenants;
        if (client != null) {
            turns.watch(client);
        }
        this.approvals = approvals;
        this.thread = thread;
        this.hostDefaults = b -> {
            if (tenants == null) {
                b.replaceThreadOptions(thread);      // with tenants, per tenant: tenantDefaults
            }
            b.limits(limits).hibernateAfter(hibernateAfter).onTurnEnded(this::turnEnded);
            if (rateLimits != null) {
                b.rateLimits(rateLimits);
            }
            ConversationStorage kept = storage;
            if (kept != null && client != null) {
                b.storage(kept);                      // a pool and the tenants give their sessions the store themselves
            }
        };
        this.defaults = hostDefaults.andThen(b -> b.approvals(approvals));
    }

    /** A new thread with the defaults. */
    public CodexSession open() {
        return open(b -> { });
    }

    /**
     * A new thread: the defaults, then {@code configure} (e.g. {@code b -> b.cwd(dir)}).
     * With tenants this refuses: say whose with {@link #open(String, Consumer)}.
     */
    public CodexSession open(Consumer<CodexSession.Builder> configure) {
        if (tenants != null) {
            throw new IllegalStateException("codex-bridge.tenants is on: open sessions for a tenant with open(tenantId, configure)");
        }
        return open(null, configure);
    }

    /**
     * A new thread for {@code principal}: with tenants, in the tenant of that id (its own codex and
     * home); otherwise on the client or pool, where the principal names no one in particular.
     */
    public CodexSession open(String principal, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(configure, "configure");
        refuseWhenClosed();
        if (tenants != null) {
            Objects.requireNonNull(principal, "tenantId");
            CodexSession session = tracked(() -> tenants.newSession(principal, tenantDefaults(principal).andThen(configure)));
            turns.watch(session.client());
            return remember(session);
        }
        CodexSession session;
        if (pool != null) {
            session = pool.newSession(defaults.andThen(configure));
            turns.watch(session.client());
        } else {
            CodexSession.Builder b = CodexSession.builder();
            defaults.accept(b);
            configure.accept(b);
            session = b.client(client).build();
            try {
                session.start();
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
        }
        return remember(session);
    }

    /** The thread {@code threadId} again (after a restart of the application, say), with the defaults. */
    public CodexSession resume(String threadId) {
        return resume(threadId, b -> { });
    }

    /**
     * The thread {@code threadId} again: the defaults, then {@code configure}. With a
     * {@link ThreadAccess} bean this refuses: say who asks with {@link #resume(String, String, Consumer)}.
     */
    public CodexSession resume(String threadId, Consumer<CodexSession.Builder> configure) {
        if (tenants != null) {
            throw new IllegalStateException("codex-bridge.tenants is on: resume a tenant's thread with resume(tenantId, threadId, configure)");
        }
        if (threadAccess != null) {
            throw new IllegalStateException("the application has a ThreadAccess bean: resume through resume(caller, threadId, "
                    + "configure), which says who asks");
        }
        return resume(null, threadId, configure);
    }

    /**
     * The thread {@code threadId} again for {@code caller}: the application's {@link ThreadAccess}
     * bean is asked first, and again before each read, follow and answer of the thread
     * ({@link dev.codexbridge.session.ThreadAccessDeniedException} when it refuses). On an
     * app-server shared by several users a thread id is a bearer capability: keep, per user, the
     * ids that are theirs, and give that rule as a bean.
     *
     * <p>With {@code codex-bridge.store.*}, a conversation another instance holds (its lease in the
     * store) is waited for as the MCP and A2A servers wait: when that lease expires within
     * {@link LeaseWait#DEFAULT_BOUND} (10 s; an instance that stopped without giving it back), the
     * resume is tried again then and this returns the session. Held longer (a live instance renews
     * its lease while it has the conversation awake), it throws {@link ThreadOpenException}, kind
     * {@link dev.codexbridge.FailureKind#ALREADY_OPEN}, at the latest once the 10 s are spent:
     * {@link ThreadOpenException#heldUntil()} says until when the other instance holds it. A
     * session whose wake is refused alike runs no turn: the turn is
     * {@link dev.codexbridge.session.TurnOutcome#NOT_RECEIVED}, its error's
     * {@link dev.codexbridge.session.TurnFailure#heldUntil()} set.
     */
    public CodexSession resume(String caller, String threadId, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(configure, "configure");
        refuseWhenClosed();
        ThreadAccess rule = threadAccess;
        try {
            ThreadAccess.require(rule, caller, threadId, ThreadOperation.RESUME);
            return LeaseWait.retrying(leaseWait, () -> resumeOnce(rule, caller, threadId, configure));
        } catch (CodexException e) {
            if (e.kind() == FailureKind.ACCESS_REFUSED || e.kind() == FailureKind.UNKNOWN_THREAD) {
                throw notFound(caller, threadId, e);
            }
            throw e;
        }
    }

    /**
     * What a caller is told of a thread it may not resume — another tenant's or user's, refused by
     * an access rule — and of a thread nobody started, alike (issue 71: another principal learns
     * nothing, not even that an id exists): one {@link CodexException} of kind
     * {@link FailureKind#UNKNOWN_THREAD} (404), its message {@link #THREAD_NOT_FOUND}, no cause.
     * Which of the two it was is in the application's log only (INFO, logger
     * {@code dev.codexbridge.spring.CodexSessions}).
     */
    private static CodexException notFound(String caller, String threadId, CodexException why) {
        LOG.info("resume of thread {} for {} answered \"not found\": {}", threadId.replaceAll("\\p{Cntrl}", "?"),
                caller == null ? null : caller.replaceAll("\\p{Cntrl}", "?"), why.getMessage());
        return new CodexException(THREAD_NOT_FOUND, FailureKind.UNKNOWN_THREAD);
    }

    /** One try of {@link #resume(String, String, Consumer)}, the access rule asked already. */
    private CodexSession resumeOnce(ThreadAccess rule, String caller, String threadId, Consumer<CodexSession.Builder> configure) {
        refuseWhenClosed();
        CodexSession session;
        if (tenants != null) {
            Objects.requireNonNull(caller, "tenantId");
            session = tracked(() -> tenants.resumeSession(caller, threadId, tenantDefaults(caller).andThen(configure)));
            turns.watch(session.client());
            return remember(session);
        }
        if (pool != null) {
            session = rule == null ? pool.resumeSession(threadId, defaults.andThen(configure))
                    : pool.resumeSession(caller, threadId, defaults.andThen(configure));
            turns.watch(session.client());
        } else {
            CodexSession.Builder b = CodexSession.builder();
            defaults.accept(b);
            configure.accept(b);
            if (rule != null) {
                b.threadAccess(rule, caller);
            }
            session = b.client(client).resumeThread(threadId).build();
            try {
                session.start();
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
        }
        return remember(session);
    }

    /**
     * The sessions of this factory as a {@link CodexGateway} for front ends (A2A, MCP, a web layer):
     * the same client or pool, the defaults of {@code codex-bridge.session.*}, the {@link ApprovalPolicy}
     * bean decided before any remote caller, {@code codex-bridge.approval.caller-approvals} saying
     * whether callers answer what it leaves open, the {@link ThreadAccess} bean, the store of
     * {@code codex-bridge.store.*} (each conversation stored as its principal's, and resumed only
     * by that principal); its sessions are remembered here for the application's shutdown.
     */
    public CodexGateway gateway() {
        CodexGateway g = gateway;
        if (g == null) {
            synchronized (this) {
                if (gateway == null) {
                    CodexGateway.Builder b = CodexGateway.builder()
                            .configure((principal, s) -> (tenants == null ? hostDefaults : hostDefaults.andThen(inWorkspace(principal))).accept(s))
                            .approvals(approvals)
                            .callerApprovals(callerApprovals).onOpen(this::opened).storage(storage).threadsRemembered(threadsRemembered);
                    if (tenants != null) {
                        b.tenants(tenants);
                    } else if (pool != null) {
                        b.pool(pool);
                    } else {
                        b.client(client).threadAccess(threadAccess);
                    }
                    gateway = b.build();
                }
                g = gateway;
            }
        }
        return g;
    }

    private void opened(CodexSession session) {
        if (closed) {
            session.close();
            refuseWhenClosed();
        }
        if (pool != null || tenants != null) {
            turns.watch(session.client());
        }
        remember(session);
    }

    /** The sessions opened here that the application still holds. */
    public List<CodexSession> openSessions() {
        synchronized (opened) {
            return new ArrayList<>(opened.keySet());
        }
    }

    /** Whether {@code session} has a turn running, as codex's notifications said (asks codex nothing). */
    boolean turnRunning(CodexSession session) {
        return turns.running(session.threadId());
    }

    /** Turns codex completed on the connections sessions were opened on (for metrics). */
    void onTurnCompleted(Consumer<TurnCompletedNotification> listener) {
        turns.onCompleted(listener);
    }

    /** The client sessions open on, or null with a pool. */
    CodexClient client() {
        return client;
    }

    /** The pool sessions open on, or null with a single client or tenants. */
    CodexPool pool() {
        return pool;
    }

    /** The tenants sessions open in, or null with a client or pool. */
    CodexTenants tenants() {
        return tenants;
    }

    /** Called with every turn's result of every session opened here (lost and never-received ones included): for meters. */
    void onTurnEnded(Consumer<TurnResult> listener) {
        turnEnded.add(listener);
    }

    private void turnEnded(TurnResult result) {
        for (Consumer<TurnResult> l : turnEnded) {
            l.accept(result);
        }
    }

    /** The defaults for a tenant's session: codex-bridge.session.* with the thread in the tenant's own workspace. */
    private Consumer<CodexSession.Builder> tenantDefaults(String tenantId) {
        return defaults.andThen(inWorkspace(tenantId));
    }

    private Consumer<CodexSession.Builder> inWorkspace(String tenantId) {
        return b -> b.replaceThreadOptions(thread.toBuilder().cwd(tenants.workspace(tenantId)).build());
    }

    /** Why the last session could not be opened because codex could not be started or reached; null once one opened since. */
    CodexException unavailable() {
        return unavailable;
    }

    /** Opens a tenant's session, remembering whether codex could be started (for health). */
    private CodexSession tracked(java.util.function.Supplier<CodexSession> open) {
        try {
            CodexSession s = open.get();
            unavailable = null;
            return s;
        } catch (CodexException e) {
            if (e.kind() == dev.codexbridge.FailureKind.CODEX_UNAVAILABLE) {
                unavailable = e;
            }
            throw e;
        }
    }

    /** How long {@link #resume} waits for another instance's hold on a conversation to run out (tests shorten it). */
    CodexSessions leaseWait(Duration bound) {
        this.leaseWait = Objects.requireNonNull(bound, "bound");
        return this;
    }

    /** The application's rule for threads (null: none), given by the auto-configuration. */
    CodexSessions threadAccess(ThreadAccess rule) {
        this.threadAccess = rule;
        return this;
    }

    /** The conversation store's storage every session gets, or null when there is none. */
    ConversationStorage storage() {
        return storage;
    }

    /** The store every session keeps its conversation in (null: none), given by the auto-configuration. */
    CodexSessions storage(ConversationStorage storage) {
        this.storage = storage;
        return this;
    }

    /** How many threads not stored yet the gateway remembers the principal of (codex-bridge.conversations-remembered). */
    CodexSessions threadsRemembered(int threads) {
        this.threadsRemembered = threads;
        return this;
    }

    /** Whether the gateway's remote callers answer what the policy leaves open (codex-bridge.approval.caller-approvals). */
    CodexSessions callerApprovals(boolean on) {
        this.callerApprovals = on;
        return this;
    }

    /** From now on {@link #open} and {@link #resume} refuse: the application is stopping. */
    void refuseNewSessions() {
        closed = true;
    }

    private void refuseWhenClosed() {
        if (closed) {
            throw new CodexException("codex-bridge is shutting down: no new sessions");
        }
    }

    private CodexSession remember(CodexSession session) {
        opened.put(session, Boolean.TRUE);
        return session;
    }
}
