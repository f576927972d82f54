package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.BuildInfo;
import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.DynamicTool;
import dev.codexbridge.approval.ServerRequestBridge;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.protocol.InitializeCapabilities;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.protocol.Methods;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RpcThreads;
import dev.codexbridge.transcript.ProjectorOptions;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One codex thread for one host conversation: what a host agent loop calls once per user turn.
 *
 * <pre>{@code
 * try (CodexSession session = CodexSession.builder().cwd(workdir).approvalHandler(myHandler).build()) {
 *     TurnResult r = session.runTurn(TurnInput.text("fix the failing test"));
 *     history.addAll(r.messages());
 * }
 * }</pre>
 *
 * Starts lazily (spawn, {@code initialize}, {@code initialized}, {@code thread/start} or
 * {@code thread/resume}); runs one turn at a time; answers every server request through the
 * {@link ApprovalPolicy}. When codex dies or stops answering the session is retired: the next
 * turn starts a fresh codex and resumes the same thread, so the conversation continues.
 * {@link #interrupt()}, {@link #steer} and {@link #close()} may be called from any thread.
 */
public final class CodexSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CodexSession.class);

    final Settings settings;
    private final ReentrantLock turnLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private volatile CodexTransport transport;
    private volatile SessionInbox inbox;
    private volatile ServerRequestBridge bridge;
    private volatile String threadId;
    private volatile boolean retired;
    private volatile boolean closed;
    private volatile TurnRun activeTurn;

    private CodexSession(Settings settings) {
        this.settings = settings;
        this.threadId = settings.resumeThreadId;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The codex thread id, once started (or the one to resume). */
    public String threadId() {
        return threadId;
    }

    /** Whether the last turn had to give up its codex process; the next turn restarts it. */
    public boolean isRetired() {
        return retired;
    }

    /**
     * Starts codex and the thread if needed; idempotent. Throws a {@link CodexException} when codex
     * cannot be started (missing binary, bad config, no thread id); {@link #runTurn} reports the
     * same as a failed result instead.
     */
    public String start() {
        synchronized (stateLock) {
            if (closed) {
                throw new CodexException("the session is closed");
            }
            if (transport != null && !retired) {
                return threadId;
            }
            if (transport != null) {
                transport.close();
                transport = null;
            }
            SessionInbox newInbox = new SessionInbox();
            CodexTransport t = settings.transports.open(newInbox);
            String step = Methods.INITIALIZE;
            try {
                JsonRpcPeer peer = t.peer();
                InitializeParams init = new InitializeParams(
                        new InitializeCapabilities(settings.experimentalApi, null, null, null, null, null, null),
                        settings.clientInfo);
                peer.call(Methods.INITIALIZE, init, settings.requestTimeout);
                peer.notify(Methods.INITIALIZED, null);
                step = threadId == null ? Methods.THREAD_START : Methods.THREAD_RESUME;
                JsonNode started = threadId == null
                        ? peer.call(Methods.THREAD_START, threadStartParams(), settings.requestTimeout)
                        : resume(peer);
                String id = started.path("thread").path("id").asText("");
                if (id.isEmpty()) {
                    throw new CodexException("codex answered " + (threadId == null ? "thread/start" : "thread/resume")
                            + " without a thread id");
                }
                threadId = id;
            } catch (dev.codexbridge.rpc.ConnectionClosedException e) {
                CodexException explained = t.explainClose("before answering " + step, e);
                t.close();
                throw explained;
            } catch (RuntimeException e) {
                t.close();
                throw e;
            }
            transport = t;
            inbox = newInbox;
            bridge = new ServerRequestBridge(settings.approvals, settings.dynamicTools,
                    settings.cwd == null ? null : settings.cwd.toString());
            retired = false;
            LOG.debug("codex thread {} ready", threadId);
            return threadId;
        }
    }

    /** Runs one turn with the session's defaults. */
    public TurnResult runTurn(TurnInput input) {
        return runTurn(input, TurnOptions.DEFAULTS, TurnListener.NONE);
    }

    /**
     * Runs one turn on the calling thread and returns how it ended; a failed, interrupted or
     * timed-out turn is a result, not an exception. One turn at a time: a second concurrent call
     * throws {@link IllegalStateException}.
     */
    public TurnResult runTurn(TurnInput input, TurnOptions options, TurnListener listener) {
        Objects.requireNonNull(input, "input");
        TurnOptions opts = options == null ? TurnOptions.DEFAULTS : options;
        Duration turnTimeout = opts.turnTimeout() != null ? opts.turnTimeout() : settings.turnTimeout;
        Duration idleTimeout = opts.idleTimeout() != null ? opts.idleTimeout() : settings.idleTimeout;
        requireSomeLimit(turnTimeout, idleTimeout);
        if (!turnLock.tryLock()) {
            throw new IllegalStateException("a turn is already running on this session");
        }
        try {
            if (closed) {
                throw new CodexException("the session is closed");
            }
            TurnRun run = new TurnRun(this, opts, listener == null ? TurnListener.NONE : listener, turnTimeout, idleTimeout);
            activeTurn = run;
            if (pendingInterrupt) {
                pendingInterrupt = false;
                run.requestInterrupt();
            }
            try {
                start();
            } catch (CodexException e) {
                retired = true;
                return run.startupFailure(e);
            }
            return run.execute(transport, inbox, bridge, threadId, input);
        } finally {
            activeTurn = null;
            turnLock.unlock();
        }
    }

    private volatile boolean pendingInterrupt;

    /** {@link #runTurn(TurnInput, TurnOptions, TurnListener)} on a shared pool. */
    public CompletableFuture<TurnResult> runTurnAsync(TurnInput input, TurnOptions options, TurnListener listener) {
        return runTurnAsync(input, options, listener, RpcThreads.callbacks());
    }

    public CompletableFuture<TurnResult> runTurnAsync(TurnInput input, TurnOptions options, TurnListener listener, Executor executor) {
        return CompletableFuture.supplyAsync(() -> runTurn(input, options, listener), executor);
    }

    /**
     * Interrupts the running turn ({@code turn/interrupt}); its result will say
     * {@code interrupted}. Works before {@code turn/start} has answered and while an approval is
     * pending. Between turns it applies to the next turn, which then ends at once. Thread-safe.
     */
    public void interrupt() {
        TurnRun run = activeTurn;
        if (run != null) {
            run.requestInterrupt();
        } else {
            pendingInterrupt = true;
        }
    }

    /**
     * Adds input to the running turn ({@code turn/steer}). Returns false when no turn is running
     * or codex refused (e.g. a review turn cannot be steered).
     */
    public boolean steer(TurnInput input) {
        TurnRun run = activeTurn;
        return run != null && run.steer(input);
    }

    /** Stops codex (shutdown ladder). Safe during a running turn, which then ends with an error; idempotent. */
    @Override
    public void close() {
        CodexTransport t;
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            t = transport;
            transport = null;
        }
        if (t != null) {
            t.close();
        }
    }

    void markRetired() {
        retired = true;
    }

    /**
     * {@code thread/resume} with {@code excludeTurns} (the history stays in codex; nothing is
     * re-sent). Codex before 0.16x treated {@code excludeTurns} as experimental; without that
     * capability the resume is retried without it, which only costs a larger answer.
     */
    private JsonNode resume(JsonRpcPeer peer) {
        try {
            return peer.call(Methods.THREAD_RESUME, threadResumeParams(), settings.resumeTimeout);
        } catch (dev.codexbridge.rpc.RpcException e) {
            if (e.code() != dev.codexbridge.rpc.RpcError.INVALID_REQUEST || !e.error().message().contains("excludeTurns")) {
                throw e;
            }
            LOG.debug("codex refused excludeTurns ({}); resuming with the full history", e.error().message());
            ObjectNode params = threadResumeParams();
            params.remove("excludeTurns");
            return peer.call(Methods.THREAD_RESUME, params, settings.resumeTimeout);
        }
    }

    private ObjectNode threadStartParams() {
        ObjectNode p = commonThreadParams();
        if (settings.ephemeral != null) {
            p.put("ephemeral", settings.ephemeral);
        }
        if (!settings.dynamicTools.isEmpty()) {
            ArrayNode tools = p.putArray("dynamicTools");
            settings.dynamicTools.forEach(t -> tools.add(t.spec()));
        }
        return p;
    }

    private ObjectNode threadResumeParams() {
        ObjectNode p = commonThreadParams();
        p.put("threadId", threadId);
        p.put("excludeTurns", true);
        return p;
    }

    private ObjectNode commonThreadParams() {
        ObjectNode p = Json.object();
        if (settings.cwd != null) {
            p.put("cwd", settings.cwd.toString());
        }
        putIf(p, "model", settings.model);
        if (settings.approvalPolicy != null) {
            p.set("approvalPolicy", settings.approvalPolicy);
        }
        putIf(p, "sandbox", settings.sandboxMode);
        putIf(p, "baseInstructions", settings.baseInstructions);
        putIf(p, "developerInstructions", settings.developerInstructions);
        if (!settings.config.isEmpty()) {
            p.set("config", Json.tree(settings.config));
        }
        return p;
    }

    private static void putIf(ObjectNode p, String key, String value) {
        if (value != null) {
            p.put(key, value);
        }
    }

    private static void requireSomeLimit(Duration turn, Duration idle) {
        if ((turn == null || turn.isZero()) && (idle == null || idle.isZero())) {
            throw new IllegalArgumentException("a turn needs a wall-clock or an idle timeout (both are zero)");
        }
        if (turn != null && turn.isNegative() || idle != null && idle.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }

    /** Waits for a future with a deadline, unwrapping its failure. */
    static JsonNode await(CompletableFuture<JsonNode> f, Duration timeout) throws TimeoutException {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CodexException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new CodexException(e.getCause().getMessage(), e.getCause());
        }
    }

    /** Everything a session is configured with. */
    static final class Settings {
        CodexTransport.Factory transports;
        ClientInfo clientInfo;
        Path cwd;
        String model;
        JsonNode approvalPolicy;
        String sandboxMode;
        String baseInstructions;
        String developerInstructions;
        Map<String, Object> config;
        Boolean ephemeral;
        String resumeThreadId;
        List<DynamicTool> dynamicTools;
        ApprovalPolicy approvals;
        boolean experimentalApi;
        Duration requestTimeout;
        Duration resumeTimeout;
        Duration turnTimeout;
        Duration idleTimeout;
        Duration interruptGrace;
        int maxSteps;
        ProjectorOptions projector;
    }

    /** The single entry point for configuring a session. */
    public static final class Builder {
        private Path codexBinary;
        private Path codexHome;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final Set<String> withheldEnvironment = new LinkedHashSet<>();
        private final List<String> extraArgs = new ArrayList<>();
        private CodexTransport.Factory transports;
        private ClientInfo clientInfo = new ClientInfo("codex_bridge", "codex-bridge", BuildInfo.version());
        private Path cwd;
        private String model;
        private JsonNode approvalPolicy;
        private String sandboxMode;
        private String baseInstructions;
        private String developerInstructions;
        private final Map<String, Object> config = new LinkedHashMap<>();
        private Boolean ephemeral;
        private String resumeThreadId;
        private final List<DynamicTool> dynamicTools = new ArrayList<>();
        private ApprovalPolicy approvals = ApprovalPolicy.failClosed();
        private Boolean experimentalApi;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration resumeTimeout = Duration.ofSeconds(90);
        private Duration turnTimeout = Duration.ofMinutes(10);
        private Duration idleTimeout = Duration.ZERO;
        private Duration interruptGrace = Duration.ofSeconds(5);
        private int maxSteps;
        private ProjectorOptions projector = ProjectorOptions.DEFAULT;
        private java.util.function.Consumer<JsonRpcPeer.Builder> peerConfigurer = peer -> { };

        private Builder() {
        }

        /** Sees every line sent to and received from codex (fixture recording, conformance checks). */
        public Builder wireTap(dev.codexbridge.rpc.WireTap tap) {
            return peerConfigurer(peer -> peer.wireTap(tap));
        }

        /**
         * Applied to the peer of every codex process the session starts (the first and each restart),
         * e.g. to install a fresh {@link dev.codexbridge.rpc.WireTap} per connection.
         */
        public Builder peerConfigurer(java.util.function.Consumer<JsonRpcPeer.Builder> configurer) {
            this.peerConfigurer = Objects.requireNonNull(configurer, "configurer");
            return this;
        }

        /** The codex binary (default: {@code CODEX_BIN}, the project-local install, {@code PATH}). */
        public Builder codexBinary(Path binary) {
            this.codexBinary = binary;
            return this;
        }

        /** {@code CODEX_HOME} for the codex process (default: inherited, i.e. {@code ~/.codex}). */
        public Builder codexHome(Path home) {
            this.codexHome = home;
            return this;
        }

        /** An environment variable for the codex process, on top of this process's environment. */
        public Builder environment(String key, String value) {
            environment.put(key, value);
            return this;
        }

        /**
         * Keeps the named variables of this process's environment (say, the host's own API tokens)
         * out of codex's environment; explicit {@link #environment(String, String)} values still pass.
         */
        public Builder withholdEnvironment(String... names) {
            withheldEnvironment.addAll(List.of(names));
            return this;
        }

        /** Extra {@code codex app-server} arguments, e.g. {@code -c key=value}. */
        public Builder codexArguments(List<String> args) {
            extraArgs.addAll(args);
            return this;
        }

        /** Talk to something other than a codex process (tests, replays). Overrides binary, home and environment. */
        public Builder transport(CodexTransport.Factory factory) {
            this.transports = factory;
            return this;
        }

        public Builder clientInfo(ClientInfo info) {
            this.clientInfo = Objects.requireNonNull(info, "info");
            return this;
        }

        /** The thread's working directory (default: this process's). */
        public Builder cwd(Path cwd) {
            this.cwd = cwd;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        /** {@code "untrusted" | "on-request" | "never"}. */
        public Builder approvalPolicy(String policy) {
            this.approvalPolicy = policy == null ? null : Json.nodes().textNode(policy);
            return this;
        }

        /** {@code "read-only" | "workspace-write" | "danger-full-access"}. */
        public Builder sandboxMode(String mode) {
            this.sandboxMode = mode;
            return this;
        }

        public Builder baseInstructions(String text) {
            this.baseInstructions = text;
            return this;
        }

        public Builder developerInstructions(String text) {
            this.developerInstructions = text;
            return this;
        }

        /** A per-thread {@code config.toml} override (dotted keys work, e.g. {@code model_reasoning_effort}). */
        public Builder config(String key, Object value) {
            config.put(key, value);
            return this;
        }

        public Builder ephemeral(boolean ephemeral) {
            this.ephemeral = ephemeral;
            return this;
        }

        /** Resume this thread instead of starting a new one. */
        public Builder resumeThread(String threadId) {
            this.resumeThreadId = threadId;
            return this;
        }

        /** A tool the host runs when codex calls it (turns on codex's experimental API). */
        public Builder dynamicTool(DynamicTool tool) {
            dynamicTools.add(Objects.requireNonNull(tool, "tool"));
            return this;
        }

        public Builder approvals(ApprovalPolicy policy) {
            this.approvals = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Shorthand for an {@link ApprovalPolicy} with just this handler. */
        public Builder approvalHandler(dev.codexbridge.approval.ApprovalHandler handler) {
            this.approvals = ApprovalPolicy.builder().handler(handler).build();
            return this;
        }

        /** Force codex's experimental API on or off (default: on when a feature needs it). */
        public Builder experimentalApi(boolean on) {
            this.experimentalApi = on;
            return this;
        }

        /** Deadline of single requests such as {@code thread/start} (default 30 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** Default turn limits: wall clock (default 10 min) and idle (default off). Zero disables one; not both. */
        public Builder timeouts(Duration turn, Duration idle) {
            requireSomeLimit(turn, idle);
            this.turnTimeout = turn;
            this.idleTimeout = idle;
            return this;
        }

        /** How long codex gets to confirm an interrupt before the session is retired (default 5 s). */
        public Builder interruptGrace(Duration grace) {
            this.interruptGrace = grace;
            return this;
        }

        /** Default step budget per turn; zero means none. */
        public Builder maxSteps(int steps) {
            if (steps < 0) {
                throw new IllegalArgumentException("maxSteps must be >= 0");
            }
            this.maxSteps = steps;
            return this;
        }

        public Builder projector(ProjectorOptions options) {
            this.projector = Objects.requireNonNull(options, "options");
            return this;
        }

        public CodexSession build() {
            Settings s = new Settings();
            s.clientInfo = clientInfo;
            s.cwd = cwd != null ? cwd.toAbsolutePath() : Paths.get("").toAbsolutePath();
            s.model = model;
            s.approvalPolicy = approvalPolicy;
            s.sandboxMode = sandboxMode;
            s.baseInstructions = baseInstructions;
            s.developerInstructions = developerInstructions;
            s.config = Map.copyOf(config);
            s.ephemeral = ephemeral;
            s.resumeThreadId = resumeThreadId;
            s.dynamicTools = List.copyOf(dynamicTools);
            s.approvals = approvals;
            s.experimentalApi = experimentalApi != null ? experimentalApi : !dynamicTools.isEmpty();
            s.requestTimeout = requestTimeout;
            s.resumeTimeout = resumeTimeout;
            s.turnTimeout = turnTimeout;
            s.idleTimeout = idleTimeout;
            s.interruptGrace = interruptGrace;
            s.maxSteps = maxSteps;
            s.projector = projector;
            if (transports != null) {
                s.transports = transports;
            } else {
                Path binary = new CodexLocator().locate(codexBinary).binary();
                CodexLaunch.Builder launch = CodexLaunch.appServer(binary).codexHome(codexHome).environment(environment)
                        .withholdEnvironment(withheldEnvironment).arguments(extraArgs).workingDirectory(s.cwd).name("codex-session").detachFromTerminal(true);
                java.util.function.Consumer<JsonRpcPeer.Builder> configurer = peerConfigurer;
                s.transports = CodexTransport.process(launch.build(), peer -> {
                    peer.defaultTimeout(requestTimeout);
                    configurer.accept(peer);
                });
            }
            return new CodexSession(s);
        }
    }
}
