package dev.codexbridge.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code codex-bridge.openai.*} properties: the application's codex sessions behind OpenAI's
 * HTTP API (docs/openai.md, "Spring Boot"), on the application's own servlet web server at
 * {@code path}, when {@code codex-bridge-openai} is on the class path and {@code enabled} is true.
 * Callers are {@link CallerProperties}; the defaults are {@code OpenAiServer.Builder}'s.
 */
@ConfigurationProperties(prefix = "codex-bridge.openai")
public class OpenAiProperties extends CallerProperties {
    /** Whether to serve OpenAI's API (needs dev.codexbridge:codex-bridge-openai and a servlet web server). */
    private boolean enabled;
    /** Where the API is served on the application's web server: the SDKs' base URL is http://HOST:PORT/CONTEXT + this path. */
    private String path = "/v1";
    /** Conversations held open, all callers together; the least recently used idle one is let go to make room. */
    private int conversations = 1000;
    /** Conversations one caller holds open. */
    private int conversationsPerPrincipal = 100;
    /** How long a codex turn waits for the caller's answer to a function call or an approval (at most 9 minutes). */
    private Duration callerWait = Duration.ofMinutes(5);
    /** Largest request body, in bytes (at least 1024; default 8 MiB). */
    private int maxRequestBytes = 8_388_608;
    /** Responses and chat histories remembered, the least recently used forgotten first. */
    private int responsesKept = 100_000;
    /** How long the door's close waits for the turns in flight before it interrupts them. */
    private Duration drainTimeout = Duration.ofSeconds(20);

    @Override
    String prefix() {
        return "codex-bridge.openai";
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public int getConversations() {
        return conversations;
    }

    public void setConversations(int conversations) {
        this.conversations = conversations;
    }

    public int getConversationsPerPrincipal() {
        return conversationsPerPrincipal;
    }

    public void setConversationsPerPrincipal(int conversationsPerPrincipal) {
        this.conversationsPerPrincipal = conversationsPerPrincipal;
    }

    public Duration getCallerWait() {
        return callerWait;
    }

    public void setCallerWait(Duration callerWait) {
        this.callerWait = callerWait;
    }

    public int getMaxRequestBytes() {
        return maxRequestBytes;
    }

    public void setMaxRequestBytes(int maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    public int getResponsesKept() {
        return responsesKept;
    }

    public void setResponsesKept(int responsesKept) {
        this.responsesKept = responsesKept;
    }

    public Duration getDrainTimeout() {
        return drainTimeout;
    }

    public void setDrainTimeout(Duration drainTimeout) {
        this.drainTimeout = drainTimeout;
    }
}
