package dev.codexbridge.session;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.internal.custody.LineageMoves;
import dev.codexbridge.session.internal.inbox.SessionInbox;
import dev.codexbridge.session.internal.thread.SessionHibernation;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.transcript.ProjectorOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What a session is built from: the settings of {@link CodexSession.Builder}, each checked as it
 * is given, and the checks of the settings together before the session is built. The builder is
 * its only subclass: the public setters declared here are the builder's API (they return the
 * builder). The builder declares those whose parameter types are generic (reflection reads a
 * generic parameter type only from a method of the public class itself), the tracing setting and
 * {@code build()}. The session reads the fields.
 */
abstract sealed class SessionSettings permits CodexSession.Builder {
    CodexClient client;
    ClientOptions connection;
    ThreadOptions thread = ThreadOptions.DEFAULTS;
    String resumeThreadId;
    final List<DynamicTool> dynamicTools = new ArrayList<>();
    ApprovalPolicy approvals = ApprovalPolicy.failClosed();
    Duration resumeTimeout = Duration.ofSeconds(90);
    TurnLimits limits = TurnLimits.DEFAULTS;
    Duration interruptGrace = Duration.ofSeconds(5);
    ProjectorOptions projector = ProjectorOptions.DEFAULT;
    RateLimitGovernor rateLimits;
    int inboxLimit = SessionInbox.DEFAULT_LIMIT;
    Consumer<ThreadReplacement> onThreadReplaced;
    Consumer<TurnResult> onTurnEnded;
    java.util.function.UnaryOperator<ThreadOptions> threadAdjustment;
    ThreadAccess threadAccess;
    String caller;
    Consumer<TurnOptions> turnCheck;
    Duration hibernateAfter = SessionHibernation.DEFAULT_IDLE;
    /** What times the idle window: the system's clock; the package's tests set one they move themselves. */
    SessionHibernation.Clock hibernationClock = SessionHibernation.Clock.SYSTEM;
    ClientPlacement placement;
    ConversationStorage storage;
    ConversationOwner storageOwner;
    /** How the lineage moves in and out of codex with a store: codex's own methods; the package's tests set a fake. */
    LineageMoves lineageMoves;
    /** The clock a store's lease deadline is counted on (null: {@link System#nanoTime}); tests set theirs. */
    java.util.function.LongSupplier leaseClock;

    SessionSettings() {
    }

    private CodexSession.Builder self() {
        return (CodexSession.Builder) this;
    }

    /**
     * Lets go of the thread after this long with no turn running, no server request being
     * answered and no call that needs the thread (default 2 minutes; {@link Duration#ZERO}:
     * never, for hosts that want codex's events between turns; otherwise at least 1 s). Codex
     * then unloads the thread (its MCP server processes and memory go), the session keeps only
     * the thread id, its settings and its owner, and the next turn, thread operation,
     * {@link CodexSession#attachTurn} or {@link CodexSession#findTurn} resumes the thread on the
     * same session. Not before the thread's first turn (codex cannot resume a thread with no
     * turn). See docs/session.md and decision 0040.
     */
    public CodexSession.Builder hibernateAfter(Duration idle) {
        this.hibernateAfter = SessionHibernation.checked(idle);
        return self();
    }

    /**
     * Run on a connection shared with other sessions instead of one of the session's own. The
     * client's settings (how codex is started, its home, client info, experimental API) then
     * apply; closing the session leaves it open, and a dead shared connection is not restarted
     * by the session. Not together with {@link #connection}.
     */
    public CodexSession.Builder client(CodexClient shared) {
        this.client = Objects.requireNonNull(shared, "shared");
        return self();
    }

    /**
     * With {@link #client}: once that client has closed for good (its codex stopped while the
     * session slept, or died and is not reconnected), the next call that needs the thread asks
     * {@code placement} for the connection to resume it on; the session stays the same. For
     * hosts that start and stop codex processes under their sessions (as {@code CodexTenants}).
     */
    public CodexSession.Builder placement(@Nullable ClientPlacement placement) {
        this.placement = placement;
        return self();
    }

    /**
     * Keep the conversation in a store while the session sleeps or after it closes (see
     * {@link ConversationStorage}): with {@link #placement}, a wake resumes it on the connection
     * the placement gives then (any app-server), not on the one it slept on. Null: codex's own
     * disk keeps it, as without a store.
     */
    public CodexSession.Builder storage(@Nullable ConversationStorage storage) {
        this.storage = storage;
        return self();
    }

    /**
     * Who this session's conversation belongs to in the store, in place of the
     * {@link ConversationStorage#owner() storage's own}: the storage is the host's (one for every
     * session of a pool or of the tenants), the owner is the caller's. A front end serving several
     * principals names each session's principal here ({@code CodexGateway} does); a wake of a
     * stored conversation whose stored owner is another is refused. Null: the storage's owner.
     */
    public CodexSession.Builder storageOwner(@Nullable ConversationOwner owner) {
        this.storageOwner = owner;
        return self();
    }

    /**
     * Open a connection of the session's own with these options, and open it again the same
     * way after codex died: {@code connection(CodexClient.builder().process(launch).options())}.
     * With a {@link ClientOptions#endpoint() running app-server} the next turn after a dropped
     * connection reconnects and resumes the thread, interrupting a turn lost with the
     * connection first. The default starts the located codex in the thread's working directory,
     * in a terminal session of its own. Not together with {@link #client}.
     */
    public CodexSession.Builder connection(ClientOptions options) {
        this.connection = Objects.requireNonNull(options, "options");
        return self();
    }

    /**
     * Replaces every thread setting given so far (model, sandbox, approval setting, folder,
     * instructions, config) with {@code settings} (default: codex's own settings, this
     * process's directory). A host's configured settings — a starter's
     * {@code codex-bridge.session.*}, a gateway's {@code configure} — are gone after it: to
     * change one setting and keep the rest use {@link #cwd(Path)} or {@link CodexSession.Builder#adjustThread}.
     */
    public CodexSession.Builder replaceThreadOptions(ThreadOptions settings) {
        this.thread = Objects.requireNonNull(settings, "settings");
        return self();
    }

    /**
     * The thread's working folder; every other thread setting (the approval setting and the
     * sandbox above all) stays as configured.
     */
    public CodexSession.Builder cwd(Path folder) {
        Objects.requireNonNull(folder, "folder");
        return self().adjustThread(t -> t.toBuilder().cwd(folder).build());
    }

    /** Resume this thread instead of starting a new one. */
    public CodexSession.Builder resumeThread(@Nullable String threadId) {
        this.resumeThreadId = threadId;
        return self();
    }

    /** A tool the host runs when codex calls it (turns on codex's experimental API on the session's own connection). */
    public CodexSession.Builder dynamicTool(DynamicTool tool) {
        dynamicTools.add(Objects.requireNonNull(tool, "tool"));
        return self();
    }

    /** How codex's requests (commands, patches, MCP tools, questions) are answered (default: fail closed). */
    public CodexSession.Builder approvals(ApprovalPolicy policy) {
        this.approvals = Objects.requireNonNull(policy, "policy");
        return self();
    }

    /**
     * Default turn limits (default: 10 min wall clock, no idle limit, no step budget); unset
     * components keep the default. A turn needs a wall-clock or an idle limit.
     */
    public CodexSession.Builder limits(TurnLimits limits) {
        TurnLimits merged = Objects.requireNonNull(limits, "limits").orElse(TurnLimits.DEFAULTS);
        merged.requireSomeTimeout();
        this.limits = merged;
        return self();
    }

    /** How long codex gets to confirm an interrupt before the session is retired (default 5 s). */
    public CodexSession.Builder interruptGrace(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("interruptGrace must not be negative");
        }
        this.interruptGrace = grace;
        return self();
    }

    /** Deadline of {@code thread/resume}, which may load a long history (default 90 s). */
    public CodexSession.Builder resumeTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("resumeTimeout must be positive");
        }
        this.resumeTimeout = timeout;
        return self();
    }

    public CodexSession.Builder projector(ProjectorOptions options) {
        this.projector = Objects.requireNonNull(options, "options");
        return self();
    }

    /**
     * Waits for, reports to and retries by this governor: give the same instance to every
     * session of one account (it is shared, and thread-safe). Without one a rate-limited turn
     * fails on its first attempt.
     */
    public CodexSession.Builder rateLimits(@Nullable RateLimitGovernor governor) {
        this.rateLimits = governor;
        return self();
    }

    /**
     * How many of a running turn's messages may wait for the host (default 10,000). Past it, a
     * session on a shared connection ends its turn as {@link ErrorCategory#OVERFLOW} rather
     * than grow without bound; a session with its own codex makes codex wait instead.
     */
    public CodexSession.Builder inboxLimit(int messages) {
        if (messages < 1) {
            throw new IllegalArgumentException("inboxLimit must be >= 1");
        }
        this.inboxLimit = messages;
        return self();
    }

    /**
     * The host's rule for a thread this session resumes ({@link #resumeThread}) and the caller
     * it is asked about: checked before the resume, and before each read, fork, follow
     * ({@link CodexSession#attachTurn}, {@link CodexSession#runningTurnId}) and answer of that
     * thread; a refusal throws {@link ThreadAccessDeniedException} before anything is sent.
     * Without one, any thread id given is used (a thread id is then a bearer capability: see
     * {@link ThreadAccess}).
     */
    public CodexSession.Builder threadAccess(ThreadAccess rule, String caller) {
        this.threadAccess = Objects.requireNonNull(rule, "rule");
        this.caller = caller;
        return self();
    }

    /**
     * Applies the thread adjustments. Settings that cannot apply together throw {@link IllegalStateException};
     * dynamic tools on a shared client without the experimental API, {@link ExperimentalApiRequiredException}.
     */
    void check() {
        if (threadAdjustment != null) {
            thread = Objects.requireNonNull(threadAdjustment.apply(thread), "the thread adjustment gave no options");
        }
        if (resumeThreadId != null) {
            ThreadAccess.require(threadAccess, caller, resumeThreadId, ThreadOperation.RESUME);
        }
        if (client != null && connection != null) {
            throw new IllegalStateException("a session runs on a shared client or on a connection of its own, not both: "
                    + "set client(...) or connection(...); codex's home, binary and environment belong to that "
                    + "client's CodexLaunch");
        }
        if (placement != null && client == null) {
            throw new IllegalStateException("placement(...) chooses the next shared connection: give the first with client(...)");
        }
        if (client != null && !dynamicTools.isEmpty() && !client.options().experimentalApi()) {
            throw new ExperimentalApiRequiredException("dynamic tools need codex's experimental API, which the shared client was "
                    + "opened without (a session turns it on only on a connection of its own): open the shared client "
                    + "with CodexClient.builder().experimentalApi(true), or give this session connection(...)");
        }
    }

    /**
     * The session's own connection: the host's options, or the located codex. A codex the
     * session starts runs in the thread's directory unless the launch names another, and in a
     * terminal session of its own, so a Ctrl-C meant for the host does not reach it; it traces
     * through {@code telemetry} unless the options name their own.
     */
    ClientOptions ownConnection(@Nullable TelemetryHooks telemetry) {
        ClientOptions own = connection != null ? connection
                : CodexClient.builder().process(CodexLaunch.appServer().name("codex-session").build()).options();
        CodexClient.Builder adjusted = own.toBuilder();
        CodexLaunch launch = own.launch();
        if (launch == null && own.endpoint() == null && own.transport() == null) {
            launch = CodexLaunch.appServer().name("codex-session").build();
        }
        if (launch != null) {
            adjusted.process(launch.toBuilder().detachFromTerminal(true)
                    .workingDirectory(launch.workingDirectory() != null ? launch.workingDirectory() : thread.cwd()).build());
        }
        if (!dynamicTools.isEmpty()) {
            adjusted.experimentalApi(true);     // dynamic tools are part of codex's experimental API
        }
        if (telemetry != null && own.telemetry() == null) {
            adjusted.telemetry(telemetry);
        }
        return adjusted.options();
    }
}
