package dev.codexbridge.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code codex-bridge.*} properties (docs/spring-boot.md). Three ways to reach codex, one at a
 * time: a codex process of the application's own ({@code process.*}, the default), one running
 * app-server ({@code endpoint.url}), or a pool of them ({@code pool.endpoints.*}). Combinations that
 * cannot work fail the start with a {@link CodexPropertiesException} naming the properties.
 *
 * <p>JavaBean style on purpose: the configuration processor reads the fields' comments into the
 * metadata IDEs complete from. Longer than most classes because each group is a nested class
 * here, where a reader sees the whole tree in one place.
 */
@ConfigurationProperties(prefix = "codex-bridge")
public class CodexBridgeProperties {
    /** Whether the starter creates its beans at all. */
    private boolean enabled = true;
    /** How many threads sessions may open on one connection (per endpoint in a pool); past it a new session fails at once. */
    private int maxThreadsPerConnection = 500;
    /** The default deadline of one request to codex. */
    private Duration requestTimeout = Duration.ofSeconds(30);
    /** Whether the connection offers codex's experimental API (needed for dynamic tools). */
    private boolean experimentalApi;

    private final Process process = new Process();
    private final Endpoint endpoint = new Endpoint();
    private final Pool pool = new Pool();
    private final Reconnect reconnect = new Reconnect();
    private final Session session = new Session();
    private final Approval approval = new Approval();
    private final RateLimits rateLimits = new RateLimits();
    private final Migration migration = new Migration();
    private final Shutdown shutdown = new Shutdown();
    private final Health health = new Health();
    private final Telemetry telemetry = new Telemetry();
    private final Metrics metrics = new Metrics();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public int getMaxThreadsPerConnection() {
        return maxThreadsPerConnection;
    }

    public void setMaxThreadsPerConnection(int maxThreadsPerConnection) {
        this.maxThreadsPerConnection = maxThreadsPerConnection;
    }

    public Duration getRequestTimeout() {
        return requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    public boolean isExperimentalApi() {
        return experimentalApi;
    }

    public void setExperimentalApi(boolean experimentalApi) {
        this.experimentalApi = experimentalApi;
    }

    public Process getProcess() {
        return process;
    }

    public Endpoint getEndpoint() {
        return endpoint;
    }

    public Pool getPool() {
        return pool;
    }

    public Reconnect getReconnect() {
        return reconnect;
    }

    public Session getSession() {
        return session;
    }

    public Approval getApproval() {
        return approval;
    }

    public RateLimits getRateLimits() {
        return rateLimits;
    }

    public Migration getMigration() {
        return migration;
    }

    public Shutdown getShutdown() {
        return shutdown;
    }

    public Health getHealth() {
        return health;
    }

    public Telemetry getTelemetry() {
        return telemetry;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    /** A codex app-server process the application starts and stops itself (the default). */
    public static class Process {
        /** The codex binary; unset: located (CODEX_BIN, -Dcodexbridge.codexDir, .codex-cli/, the codex-bridge-codex artifact, PATH). */
        private Path binary;
        /** CODEX_HOME of the process: config, sign-in, threads. Unset: the environment's, else ~/.codex. */
        private Path codexHome;
        /** The process's working directory; unset: the application's. */
        private Path workingDirectory;
        /** Variables set for codex, whatever the environment policy. */
        private Map<String, String> environment = new LinkedHashMap<>();
        /** Pass every variable of the application to codex (default: those whose names look secret are withheld). */
        private boolean inheritAllEnvironment;
        /** Variables let through although their names look secret (an MCP server's token, say). */
        private List<String> allowEnvironment = new ArrayList<>();
        /** codex -c overrides: key to TOML value, e.g. features.shell_snapshot: "false". */
        private Map<String, String> configOverrides = new LinkedHashMap<>();

        public Path getBinary() {
            return binary;
        }

        public void setBinary(Path binary) {
            this.binary = binary;
        }

        public Path getCodexHome() {
            return codexHome;
        }

        public void setCodexHome(Path codexHome) {
            this.codexHome = codexHome;
        }

        public Path getWorkingDirectory() {
            return workingDirectory;
        }

        public void setWorkingDirectory(Path workingDirectory) {
            this.workingDirectory = workingDirectory;
        }

        public Map<String, String> getEnvironment() {
            return environment;
        }

        public void setEnvironment(Map<String, String> environment) {
            this.environment = environment;
        }

        public boolean isInheritAllEnvironment() {
            return inheritAllEnvironment;
        }

        public void setInheritAllEnvironment(boolean inheritAllEnvironment) {
            this.inheritAllEnvironment = inheritAllEnvironment;
        }

        public List<String> getAllowEnvironment() {
            return allowEnvironment;
        }

        public void setAllowEnvironment(List<String> allowEnvironment) {
            this.allowEnvironment = allowEnvironment;
        }

        public Map<String, String> getConfigOverrides() {
            return configOverrides;
        }

        public void setConfigOverrides(Map<String, String> configOverrides) {
            this.configOverrides = configOverrides;
        }

        boolean isSet() {
            return binary != null || codexHome != null || workingDirectory != null || !environment.isEmpty()
                    || inheritAllEnvironment || !allowEnvironment.isEmpty() || !configOverrides.isEmpty();
        }
    }

    /** A running app-server to connect to, and its credentials; also each endpoint of a pool. */
    public static class Endpoint {
        /** ws://IP:PORT, wss://HOST[:PORT][/path], unix://PATH, or unix:// for $CODEX_HOME's control socket. */
        private String url;
        /** A file holding the capability token (--ws-auth capability-token); read per connection. */
        private Path tokenFile;
        /** Signed JWT bearer (--ws-auth signed-bearer-token). */
        private final Jwt jwt = new Jwt();
        /** Allow plain ws:// to a host that is not loopback (use wss:// or a tunnel instead). */
        private boolean allowPlaintextRemote;
        /** How long opening the connection may take. */
        private Duration connectTimeout;
        /** Silence after which a ping is sent; 0 turns pings off. */
        private Duration keepAlive;
        /** How long a ping may go unanswered before the connection is given up. */
        private Duration keepAliveTimeout;
        /** The most threads the pool places on this endpoint (pool endpoints only; default: max-threads-per-connection). */
        private Integer maxThreads;

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public Path getTokenFile() {
            return tokenFile;
        }

        public void setTokenFile(Path tokenFile) {
            this.tokenFile = tokenFile;
        }

        public Jwt getJwt() {
            return jwt;
        }

        public boolean isAllowPlaintextRemote() {
            return allowPlaintextRemote;
        }

        public void setAllowPlaintextRemote(boolean allowPlaintextRemote) {
            this.allowPlaintextRemote = allowPlaintextRemote;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getKeepAlive() {
            return keepAlive;
        }

        public void setKeepAlive(Duration keepAlive) {
            this.keepAlive = keepAlive;
        }

        public Duration getKeepAliveTimeout() {
            return keepAliveTimeout;
        }

        public void setKeepAliveTimeout(Duration keepAliveTimeout) {
            this.keepAliveTimeout = keepAliveTimeout;
        }

        public Integer getMaxThreads() {
            return maxThreads;
        }

        public void setMaxThreads(Integer maxThreads) {
            this.maxThreads = maxThreads;
        }

        boolean isSet() {
            return url != null || tokenFile != null || jwt.isSet();
        }
    }

    /** The HS256 JWT signed per connection for an app-server started with --ws-auth signed-bearer-token. */
    public static class Jwt {
        /** The shared secret's file (at least 32 bytes). */
        private Path secretFile;
        /** The token's iss claim, as the app-server expects it. */
        private String issuer;
        /** The token's aud claim, as the app-server expects it. */
        private String audience;

        public Path getSecretFile() {
            return secretFile;
        }

        public void setSecretFile(Path secretFile) {
            this.secretFile = secretFile;
        }

        public String getIssuer() {
            return issuer;
        }

        public void setIssuer(String issuer) {
            this.issuer = issuer;
        }

        public String getAudience() {
            return audience;
        }

        public void setAudience(String audience) {
            this.audience = audience;
        }

        boolean isSet() {
            return secretFile != null || issuer != null || audience != null;
        }
    }

    /** Several running app-servers; set: a CodexPool bean instead of a CodexClient. */
    public static class Pool {
        /** The endpoints by name (the name shows in health and metrics). */
        private Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        /** Whether the endpoints share CODEX_HOME (any of them can resume any thread). */
        private boolean sharedCodexHome;
        /** How often each endpoint's /readyz is asked. */
        private Duration healthInterval;
        /** How long one probe may take. */
        private Duration probeTimeout;

        public Map<String, Endpoint> getEndpoints() {
            return endpoints;
        }

        public void setEndpoints(Map<String, Endpoint> endpoints) {
            this.endpoints = endpoints;
        }

        public boolean isSharedCodexHome() {
            return sharedCodexHome;
        }

        public void setSharedCodexHome(boolean sharedCodexHome) {
            this.sharedCodexHome = sharedCodexHome;
        }

        public Duration getHealthInterval() {
            return healthInterval;
        }

        public void setHealthInterval(Duration healthInterval) {
            this.healthInterval = healthInterval;
        }

        public Duration getProbeTimeout() {
            return probeTimeout;
        }

        public void setProbeTimeout(Duration probeTimeout) {
            this.probeTimeout = probeTimeout;
        }
    }

    /** Reopening a lost connection (codex died, a socket dropped) and resuming its threads. */
    public static class Reconnect {
        /** Whether a lost connection is reopened; off: the client ends with it. */
        private boolean enabled = true;
        /** Tries before giving up. */
        private int maxAttempts = 8;
        /** The wait before the second try; doubles up to max-delay, jittered. */
        private Duration initialDelay = Duration.ofMillis(100);
        /** The longest wait between tries. */
        private Duration maxDelay = Duration.ofSeconds(5);
        /** Threads resumed at a time after a reconnect. */
        private int concurrentResumes = 16;
        /** How long a running turn on a remote app-server waits for the connection to come back; 0 ends it at the drop. */
        private Duration reattachWindow = Duration.ofSeconds(30);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getInitialDelay() {
            return initialDelay;
        }

        public void setInitialDelay(Duration initialDelay) {
            this.initialDelay = initialDelay;
        }

        public Duration getMaxDelay() {
            return maxDelay;
        }

        public void setMaxDelay(Duration maxDelay) {
            this.maxDelay = maxDelay;
        }

        public int getConcurrentResumes() {
            return concurrentResumes;
        }

        public void setConcurrentResumes(int concurrentResumes) {
            this.concurrentResumes = concurrentResumes;
        }

        public Duration getReattachWindow() {
            return reattachWindow;
        }

        public void setReattachWindow(Duration reattachWindow) {
            this.reattachWindow = reattachWindow;
        }
    }

    /** What every session from CodexSessions starts with (a session's own configure step may change it). */
    public static class Session {
        /** The thread's working directory; unset: codex's. */
        private Path cwd;
        /** The model; unset: CODEX_HOME's config. */
        private String model;
        /** When codex asks (codex's approval_policy): untrusted, on-request, never, ... */
        private String askForApproval;
        /** codex's sandbox: read-only, workspace-write, danger-full-access. */
        private String sandbox;
        /** A turn's wall-clock limit. */
        private Duration turnTimeout = Duration.ofMinutes(10);
        /** A turn's limit without any event; 0: none. */
        private Duration idleTimeout = Duration.ZERO;

        public Path getCwd() {
            return cwd;
        }

        public void setCwd(Path cwd) {
            this.cwd = cwd;
        }

        public String getModel() {
            return model;
        }

        public void setModel(String model) {
            this.model = model;
        }

        public String getAskForApproval() {
            return askForApproval;
        }

        public void setAskForApproval(String askForApproval) {
            this.askForApproval = askForApproval;
        }

        public String getSandbox() {
            return sandbox;
        }

        public void setSandbox(String sandbox) {
            this.sandbox = sandbox;
        }

        public Duration getTurnTimeout() {
            return turnTimeout;
        }

        public void setTurnTimeout(Duration turnTimeout) {
            this.turnTimeout = turnTimeout;
        }

        public Duration getIdleTimeout() {
            return idleTimeout;
        }

        public void setIdleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }
    }

    /** How sessions answer what codex asks (the ApprovalPolicy bean, unless the application has its own). */
    public static class Approval {
        /** Programs run without asking when codex asks about one simple command of theirs (CommandRules). */
        private List<String> allowPrograms = new ArrayList<>();
        /** Whether commands outside allow-programs go to the ApprovalHandler bean (else they are denied). */
        private boolean askHandlerForOthers = true;
        /** Approve every file change codex asks about. */
        private boolean autoApproveFileChanges;
        /** MCP servers whose tool calls are approved unasked. */
        private List<String> trustedMcpServers = new ArrayList<>();
        /** No answer from the handler within this: deny. */
        private Duration deadline = Duration.ofMinutes(5);
        /**
         * Whether remote callers (A2A tasks' input-required, MCP elicitations) answer what the rules
         * and the application's handler leave open. Off: those requests are declined.
         */
        private boolean callerApprovals;

        public boolean isCallerApprovals() {
            return callerApprovals;
        }

        public void setCallerApprovals(boolean callerApprovals) {
            this.callerApprovals = callerApprovals;
        }

        public List<String> getAllowPrograms() {
            return allowPrograms;
        }

        public void setAllowPrograms(List<String> allowPrograms) {
            this.allowPrograms = allowPrograms;
        }

        public boolean isAskHandlerForOthers() {
            return askHandlerForOthers;
        }

        public void setAskHandlerForOthers(boolean askHandlerForOthers) {
            this.askHandlerForOthers = askHandlerForOthers;
        }

        public boolean isAutoApproveFileChanges() {
            return autoApproveFileChanges;
        }

        public void setAutoApproveFileChanges(boolean autoApproveFileChanges) {
            this.autoApproveFileChanges = autoApproveFileChanges;
        }

        public List<String> getTrustedMcpServers() {
            return trustedMcpServers;
        }

        public void setTrustedMcpServers(List<String> trustedMcpServers) {
            this.trustedMcpServers = trustedMcpServers;
        }

        public Duration getDeadline() {
            return deadline;
        }

        public void setDeadline(Duration deadline) {
            this.deadline = deadline;
        }
    }

    /** One RateLimitGovernor for every session (one account), unless the application has its own. */
    public static class RateLimits {
        /** Whether the starter makes the shared governor. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** The application's MCP servers written into CODEX_HOME before codex starts (needs codex-bridge's migrator). */
    public static class Migration {
        /** Whether to migrate at start-up. */
        private boolean enabled;
        /** The application's MCP config: {"mcpServers": {...}}, VS Code's mcp.json, YAML, ... */
        private Path hostConfig;
        /** Only report what would change. */
        private boolean dryRun;
        /** Whether a server that could not be migrated fails the start (else it is logged). */
        private boolean failOnError = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Path getHostConfig() {
            return hostConfig;
        }

        public void setHostConfig(Path hostConfig) {
            this.hostConfig = hostConfig;
        }

        public boolean isDryRun() {
            return dryRun;
        }

        public void setDryRun(boolean dryRun) {
            this.dryRun = dryRun;
        }

        public boolean isFailOnError() {
            return failOnError;
        }

        public void setFailOnError(boolean failOnError) {
            this.failOnError = failOnError;
        }
    }

    /** What happens to running turns when the application stops. */
    public static class Shutdown {
        /** How long running turns may go on before they are interrupted; keep it inside spring.lifecycle.timeout-per-shutdown-phase. */
        private Duration awaitTurns = Duration.ofSeconds(20);

        public Duration getAwaitTurns() {
            return awaitTurns;
        }

        public void setAwaitTurns(Duration awaitTurns) {
            this.awaitTurns = awaitTurns;
        }
    }

    /** The Actuator health indicator "codex". */
    public static class Health {
        /** How long the /readyz probe of a remote endpoint may take. */
        private Duration readinessTimeout = Duration.ofSeconds(2);

        public Duration getReadinessTimeout() {
            return readinessTimeout;
        }

        public void setReadinessTimeout(Duration readinessTimeout) {
            this.readinessTimeout = readinessTimeout;
        }
    }

    /** Traces and the library's metrics through the application's OpenTelemetry bean. */
    public static class Telemetry {
        /** Record prompts, answers and tool arguments on spans. */
        private boolean captureContent;

        public boolean isCaptureContent() {
            return captureContent;
        }

        public void setCaptureContent(boolean captureContent) {
            this.captureContent = captureContent;
        }
    }

    /** Micrometer meters (codex.bridge.*) when the application has a MeterRegistry. */
    public static class Metrics {
        /** Whether the connection gauges and turn counts are registered. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }
}
