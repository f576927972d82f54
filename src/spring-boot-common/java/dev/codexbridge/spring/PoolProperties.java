package dev.codexbridge.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code codex-bridge.pool.*} properties: several running app-servers; set: a CodexPool
 * bean instead of a CodexClient.
 */
public class PoolProperties {
    /** The endpoints by name (the name shows in health and metrics). */
    private Map<String, EndpointProperties> endpoints = new LinkedHashMap<>();
    /** Whether the endpoints share CODEX_HOME (any of them can resume any thread). */
    private boolean sharedCodexHome;
    /** How often each endpoint's /readyz is asked. */
    private Duration healthInterval;
    /** How long one probe may take. */
    private Duration probeTimeout;

    public Map<String, EndpointProperties> getEndpoints() {
        return endpoints;
    }

    public void setEndpoints(Map<String, EndpointProperties> endpoints) {
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
