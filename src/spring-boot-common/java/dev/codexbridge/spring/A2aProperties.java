package dev.codexbridge.spring;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code codex-bridge.a2a.*} properties: the application's codex sessions served as an A2A
 * agent (docs/a2a.md, "Spring Boot"), when {@code codex-bridge-a2a} is on the class path and
 * {@code enabled} is true. A class of its own, so the A2A settings stay apart from the
 * connection's. The limits' defaults are {@code A2aLimits.DEFAULTS}; host and callers are
 * {@link CallerProperties}.
 */
@ConfigurationProperties(prefix = "codex-bridge.a2a")
public class A2aProperties extends ListenerProperties {
    /** Whether to serve the A2A agent (needs dev.codexbridge:codex-bridge-a2a on the class path). */
    private boolean enabled;
    /** The port to listen on (0: any free one). */
    private int port = 8090;
    /** The address the agent card names, when callers reach the server through a proxy (default http://HOST:PORT/). */
    private String publicUrl;
    /** A directory (owner-only) keeping each context's codex thread, so contexts and tasks outlive a restart; unset: in memory. */
    private Path contextsDirectory;
    /** The contexts the store keeps; the least recently changed is forgotten first. */
    private int maxContexts = 10_000;
    /** The agent card's name. */
    private String name = "codex";
    /** The agent card's description (unset: the server's own). */
    private String description;
    /** Tasks kept per caller, ended ones included. */
    private int tasksPerPrincipal = 100;
    /** Contexts (codex threads) kept open per caller. */
    private int contextsPerPrincipal = 16;
    /** SSE streams and waiting blocking sends at once, all callers together. */
    private int streams = 64;
    /** SSE streams one caller may have open at once (unset: 16, or streams when fewer). */
    private Integer streamsPerPrincipal;
    /** Blocking sends one caller may have waiting at once (unset: 16, or streams when fewer). */
    private Integer blockingSendsPerPrincipal;
    /** Tasks kept, all callers together (at least tasks-per-principal). */
    private int tasks = 10_000;
    /** Events queued for one stream before a slow client loses it. */
    private int queuedEvents = 512;
    /** How long a codex request waits for the caller's answer before it is declined. */
    private Duration approvalDeadline = Duration.ofMinutes(5);
    /** How long a blocking message/send waits before answering with the working task. */
    private Duration blockingWait = Duration.ofMinutes(10);
    // an expression the configuration processor cannot read: its default is in additional-spring-configuration-metadata.json
    /** Largest JSON-RPC request body, in bytes. */
    private int maxRequestBytes = 1 << 20;
    /** Push notifications to callers' webhooks. */
    private final Push push = new Push();

    @Override
    String prefix() {
        return "codex-bridge.a2a";
    }

    public Push getPush() {
        return push;
    }

    /** {@code codex-bridge.a2a.push.*}. */
    public static class Push {
        /** Whether callers may register webhooks for push notifications. */
        private boolean enabled = true;
        /** Let webhooks be on loopback, link-local and private addresses (refused by default: SSRF). */
        private boolean allowPrivateAddresses;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public boolean isAllowPrivateAddresses() {
            return allowPrivateAddresses;
        }

        public void setAllowPrivateAddresses(boolean allowPrivateAddresses) {
            this.allowPrivateAddresses = allowPrivateAddresses;
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public String getPublicUrl() {
        return publicUrl;
    }

    public void setPublicUrl(String publicUrl) {
        this.publicUrl = publicUrl;
    }

    public Path getContextsDirectory() {
        return contextsDirectory;
    }

    public void setContextsDirectory(Path contextsDirectory) {
        this.contextsDirectory = contextsDirectory;
    }

    public int getMaxContexts() {
        return maxContexts;
    }

    public void setMaxContexts(int maxContexts) {
        this.maxContexts = maxContexts;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getDescription() {
        return description;
    }

    public void setDescription(String description) {
        this.description = description;
    }

    public int getTasksPerPrincipal() {
        return tasksPerPrincipal;
    }

    public void setTasksPerPrincipal(int tasksPerPrincipal) {
        this.tasksPerPrincipal = tasksPerPrincipal;
    }

    public int getContextsPerPrincipal() {
        return contextsPerPrincipal;
    }

    public void setContextsPerPrincipal(int contextsPerPrincipal) {
        this.contextsPerPrincipal = contextsPerPrincipal;
    }

    public int getStreams() {
        return streams;
    }

    public void setStreams(int streams) {
        this.streams = streams;
    }

    public Integer getStreamsPerPrincipal() {
        return streamsPerPrincipal;
    }

    public void setStreamsPerPrincipal(Integer streamsPerPrincipal) {
        this.streamsPerPrincipal = streamsPerPrincipal;
    }

    public Integer getBlockingSendsPerPrincipal() {
        return blockingSendsPerPrincipal;
    }

    public void setBlockingSendsPerPrincipal(Integer blockingSendsPerPrincipal) {
        this.blockingSendsPerPrincipal = blockingSendsPerPrincipal;
    }

    public int getTasks() {
        return tasks;
    }

    public void setTasks(int tasks) {
        this.tasks = tasks;
    }

    public int getQueuedEvents() {
        return queuedEvents;
    }

    public void setQueuedEvents(int queuedEvents) {
        this.queuedEvents = queuedEvents;
    }

    public Duration getApprovalDeadline() {
        return approvalDeadline;
    }

    public void setApprovalDeadline(Duration approvalDeadline) {
        this.approvalDeadline = approvalDeadline;
    }

    public Duration getBlockingWait() {
        return blockingWait;
    }

    public void setBlockingWait(Duration blockingWait) {
        this.blockingWait = blockingWait;
    }

    public int getMaxRequestBytes() {
        return maxRequestBytes;
    }

    public void setMaxRequestBytes(int maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }
}
