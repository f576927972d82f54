package dev.codexbridge.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The {@code codex-bridge.*} properties (docs/spring-boot.md). Three ways to reach codex, one at a
 * time: a codex process of the application's own ({@code process.*}, the default), one running
 * app-server ({@code endpoint.url}), or a pool of them ({@code pool.endpoints.*}). Combinations that
 * cannot work fail the start with a {@link CodexPropertiesException} naming the properties.
 *
 * <p>JavaBean style on purpose: the configuration processor reads the fields' comments into the
 * metadata IDEs complete from. Each group is a class of its own ({@link ProcessProperties},
 * {@link EndpointProperties}, {@link SessionProperties}, …), reached through this class's getters,
 * so every property keeps its name under {@code codex-bridge.*}; {@code @NestedConfigurationProperty}
 * tells the processor that a group's class, not being nested here, is a group all the same.
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
    /**
     * How many conversations the starter remembers in memory, each kind, beyond the sessions open:
     * who started each thread and where it was last opened (the tenants), the endpoint of each
     * thread (a pool), the principal of each thread not stored yet (with a store), who opened each
     * thread (the MCP server on a shared codex without thread-owners-directory). Past it the least
     * recently used is forgotten: about 0.2 KiB each.
     */
    private int conversationsRemembered = 100_000;

    @NestedConfigurationProperty
    private final ProcessProperties process = new ProcessProperties();
    @NestedConfigurationProperty
    private final EndpointProperties endpoint = new EndpointProperties();
    @NestedConfigurationProperty
    private final PoolProperties pool = new PoolProperties();
    @NestedConfigurationProperty
    private final ReconnectProperties reconnect = new ReconnectProperties();
    @NestedConfigurationProperty
    private final SessionProperties session = new SessionProperties();
    @NestedConfigurationProperty
    private final ApprovalProperties approval = new ApprovalProperties();
    @NestedConfigurationProperty
    private final RateLimitsProperties rateLimits = new RateLimitsProperties();
    @NestedConfigurationProperty
    private final MigrationProperties migration = new MigrationProperties();
    @NestedConfigurationProperty
    private final StoreProperties store = new StoreProperties();
    @NestedConfigurationProperty
    private final ShutdownProperties shutdown = new ShutdownProperties();
    @NestedConfigurationProperty
    private final HealthProperties health = new HealthProperties();
    @NestedConfigurationProperty
    private final TelemetryProperties telemetry = new TelemetryProperties();
    @NestedConfigurationProperty
    private final MetricsProperties metrics = new MetricsProperties();

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

    public int getConversationsRemembered() {
        return conversationsRemembered;
    }

    public void setConversationsRemembered(int conversationsRemembered) {
        this.conversationsRemembered = conversationsRemembered;
    }

    public ProcessProperties getProcess() {
        return process;
    }

    public EndpointProperties getEndpoint() {
        return endpoint;
    }

    public PoolProperties getPool() {
        return pool;
    }

    public ReconnectProperties getReconnect() {
        return reconnect;
    }

    public SessionProperties getSession() {
        return session;
    }

    public ApprovalProperties getApproval() {
        return approval;
    }

    public RateLimitsProperties getRateLimits() {
        return rateLimits;
    }

    public MigrationProperties getMigration() {
        return migration;
    }

    public StoreProperties getStore() {
        return store;
    }

    public ShutdownProperties getShutdown() {
        return shutdown;
    }

    public HealthProperties getHealth() {
        return health;
    }

    public TelemetryProperties getTelemetry() {
        return telemetry;
    }

    public MetricsProperties getMetrics() {
        return metrics;
    }
}
