package dev.codexbridge.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code codex-bridge.tenants.*} properties: one codex per tenant, each with its own home in a
 * mount namespace ({@code CodexTenants}, docs/tenants.md). Setting {@code homes-root} turns tenants
 * on: the application then gets a {@code CodexTenants} bean and no shared codex is started;
 * {@code codex-bridge.session.*} and the {@code ApprovalPolicy} bean apply to every tenant's
 * sessions, and {@code codex-bridge.process.binary} and {@code .environment} to every tenant's
 * codex. Defaults are {@code CodexTenants.Builder}'s.
 */
@ConfigurationProperties(prefix = "codex-bridge.tenants")
public class TenantsProperties {
    /** The folder holding one folder per tenant (created owner-only); setting it turns tenants on. */
    private Path homesRoot;
    /** Codex processes of all tenants together; the idle one longest unused is stopped to make room. */
    private int maxProcesses = 16;
    /** Codex processes one tenant may have. */
    private int maxProcessesPerTenant = 1;
    /** Threads (open sessions) on one process. */
    private int maxThreadsPerProcess = 100;
    /** Threads one tenant may have open (unset: processes per tenant times threads per process). */
    private Integer maxThreadsPerTenant;
    /** A tenant's codex with no open session for this long is stopped. */
    private Duration idleTimeout = Duration.ofMinutes(5);
    /** The retry hint a capacity refusal carries. */
    private Duration retryAfter = Duration.ofSeconds(5);
    /** The bubblewrap to run each tenant's codex under (unset: the one on PATH, else codex's bundled one). */
    private Path mountNamespace;
    /** More variables of this process let through to every tenant's codex (beyond the library's allow-list). */
    private List<String> inheritEnvironment = new ArrayList<>();
    /** Replaces the codex settings (-c key=value, TOML values) every tenant process gets; unset: the library's recommended ones. */
    private Map<String, String> codexDefaults;
    /**
     * The tenants' template: a TOML file (model, provider, MCP servers, permissions) written into a
     * marked block of each tenant's config.toml before every start of its codex, so a change reaches
     * existing tenants on their codex's next start; the rest of the file stays the tenant's. Read at
     * the application's start.
     */
    private Path configTemplate;
    /**
     * The folder holding one workspace per tenant (unset: workspace/ in each tenant's folder); a
     * tenant's threads run in its own workspace, so codex-bridge.session.cwd is not used with tenants.
     */
    private Path workspacesRoot;
    /**
     * The application's files and folders no tenant's command may read (made empty in each tenant's
     * namespace): its secrets, its configuration. The callers' tokens and JWT secret files of
     * codex-bridge.a2a.* and codex-bridge.mcp.*, and ~/.codex (the OS user's own codex home), are
     * hidden without being listed.
     */
    private List<Path> hiddenPaths = new ArrayList<>();

    public List<Path> getHiddenPaths() {
        return hiddenPaths;
    }

    public void setHiddenPaths(List<Path> hiddenPaths) {
        this.hiddenPaths = hiddenPaths;
    }

    public Path getWorkspacesRoot() {
        return workspacesRoot;
    }

    public void setWorkspacesRoot(Path workspacesRoot) {
        this.workspacesRoot = workspacesRoot;
    }

    public Path getHomesRoot() {
        return homesRoot;
    }

    public void setHomesRoot(Path homesRoot) {
        this.homesRoot = homesRoot;
    }

    public int getMaxProcesses() {
        return maxProcesses;
    }

    public void setMaxProcesses(int maxProcesses) {
        this.maxProcesses = maxProcesses;
    }

    public int getMaxProcessesPerTenant() {
        return maxProcessesPerTenant;
    }

    public void setMaxProcessesPerTenant(int maxProcessesPerTenant) {
        this.maxProcessesPerTenant = maxProcessesPerTenant;
    }

    public int getMaxThreadsPerProcess() {
        return maxThreadsPerProcess;
    }

    public void setMaxThreadsPerProcess(int maxThreadsPerProcess) {
        this.maxThreadsPerProcess = maxThreadsPerProcess;
    }

    public Integer getMaxThreadsPerTenant() {
        return maxThreadsPerTenant;
    }

    public void setMaxThreadsPerTenant(Integer maxThreadsPerTenant) {
        this.maxThreadsPerTenant = maxThreadsPerTenant;
    }

    public Duration getIdleTimeout() {
        return idleTimeout;
    }

    public void setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    public Duration getRetryAfter() {
        return retryAfter;
    }

    public void setRetryAfter(Duration retryAfter) {
        this.retryAfter = retryAfter;
    }

    public Path getMountNamespace() {
        return mountNamespace;
    }

    public void setMountNamespace(Path mountNamespace) {
        this.mountNamespace = mountNamespace;
    }

    public List<String> getInheritEnvironment() {
        return inheritEnvironment;
    }

    public void setInheritEnvironment(List<String> inheritEnvironment) {
        this.inheritEnvironment = inheritEnvironment;
    }

    public Map<String, String> getCodexDefaults() {
        return codexDefaults;
    }

    public void setCodexDefaults(Map<String, String> codexDefaults) {
        this.codexDefaults = codexDefaults == null ? null : new LinkedHashMap<>(codexDefaults);
    }

    public Path getConfigTemplate() {
        return configTemplate;
    }

    public void setConfigTemplate(Path configTemplate) {
        this.configTemplate = configTemplate;
    }
}
