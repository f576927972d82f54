package dev.codexbridge.spring;

import java.time.Duration;

/**
 * The {@code codex-bridge.reconnect.*} properties: reopening a lost connection (codex died, a
 * socket dropped) and resuming its threads.
 */
public class ReconnectProperties {
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
