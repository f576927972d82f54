package dev.codexbridge.spring;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code codex-bridge.session.*} properties: what every session from CodexSessions starts
 * with (a session's own configure step may change it).
 */
public class SessionProperties {
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
    /**
     * How long a session stays awake while idle (no turn running, no question of codex's awaiting its answer) before it
     * sleeps: codex unloads the thread, the conversation stays in the store or codex's rollouts, and the next turn wakes it
     * on the same session. 0: never; otherwise at least 1s.
     */
    private Duration hibernateAfter = Duration.ofMinutes(2);

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

    public Duration getHibernateAfter() {
        return hibernateAfter;
    }

    public void setHibernateAfter(Duration hibernateAfter) {
        this.hibernateAfter = hibernateAfter;
    }
}
