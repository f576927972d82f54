package dev.codexbridge.spring;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.io.Resource;

/**
 * The {@code codex-bridge.mcp.*} properties: the application's codex sessions served as an MCP
 * server over Streamable HTTP (docs/mcp.md, "Spring Boot"), when {@code codex-bridge-mcp} is on the
 * class path and {@code enabled} is true. The limits' defaults are {@code McpLimits.DEFAULTS}; host
 * and callers are {@link CallerProperties}.
 */
@ConfigurationProperties(prefix = "codex-bridge.mcp")
public class McpProperties extends ListenerProperties {
    /** Whether to serve the MCP server (needs dev.codexbridge:codex-bridge-mcp on the class path). */
    private boolean enabled;
    /** The port to listen on (0: any free one); the endpoint is http://HOST:PORT/mcp. */
    private int port = 8931;
    /** Conversations (codex threads) one caller holds open; the least recently used idle one is closed to make room. */
    private int conversationsPerPrincipal = 32;
    /** Turns one caller may have running at once; one more is an error result. */
    private int turnsPerPrincipal = 4;
    /** Conversations held open, all callers together. */
    private int conversations = 1024;
    /** How long a caller may take to answer an approval (an elicitation) before it counts as declined. */
    private Duration elicitationDeadline = Duration.ofMinutes(5);
    /** Largest HTTP request body, in bytes (at least 1024; default 4 MiB). */
    private int maxRequestBytes = 4_194_304;
    /**
     * Which of the codex tool's settings callers may give (model, cwd, sandbox, approval-policy,
     * base-instructions, developer-instructions, profile, config, compact-prompt); unset: all of
     * them, as codex mcp-server took them.
     */
    private List<String> callerSettings;
    /** MCP sessions one principal may hold at once (an initialize beyond them is answered 429). */
    private int sessionsPerPrincipal = 16;
    /** How long an MCP session lives without a request in flight; its client then opens a new one (conversations stay). */
    private Duration sessionIdleTimeout = Duration.ofMinutes(30);
    /**
     * Where the server keeps who opened each thread when callers share the application's codex
     * (shared-codex): one owner-only file per thread, so an evicted or restarted conversation stays
     * its caller's. Unset: in memory (after a restart no caller resumes an earlier thread).
     */
    private java.nio.file.Path threadOwnersDirectory;

    public int getSessionsPerPrincipal() {
        return sessionsPerPrincipal;
    }

    public void setSessionsPerPrincipal(int sessionsPerPrincipal) {
        this.sessionsPerPrincipal = sessionsPerPrincipal;
    }

    public Duration getSessionIdleTimeout() {
        return sessionIdleTimeout;
    }

    public void setSessionIdleTimeout(Duration sessionIdleTimeout) {
        this.sessionIdleTimeout = sessionIdleTimeout;
    }

    public java.nio.file.Path getThreadOwnersDirectory() {
        return threadOwnersDirectory;
    }

    public void setThreadOwnersDirectory(java.nio.file.Path threadOwnersDirectory) {
        this.threadOwnersDirectory = threadOwnersDirectory;
    }
    /** A JSON Schema (a resource: file: or classpath:) every turn's final message follows; its parse is the result's output. */
    private Resource outputSchema;
    /** Whether to serve more than codex mcp-server did: the codex-transcript tool and the threads as resources. */
    private boolean extras = true;
    /** What the server keeps of its response streams for clients that reconnect with Last-Event-ID. */
    private final Replay replay = new Replay();

    public Replay getReplay() {
        return replay;
    }

    /** {@code codex-bridge.mcp.replay.*}: the bounds of Streamable HTTP resumption (defaults: ReplayLimits.DEFAULTS). */
    public static class Replay {
        /** Events kept per stream (the oldest dropped first). */
        private int eventsPerStream = 1000;
        // an expression the configuration processor cannot read: its default is in additional-spring-configuration-metadata.json
        /** Bytes of event data kept per stream. */
        private int bytesPerStream = 1024 * 1024;
        /** How long a stream is kept after its last event. */
        private Duration keptAfterEnd = Duration.ofMinutes(5);
        /** Streams kept in all, those that ended longest ago dropped first. */
        private int streams = 4096;

        public int getEventsPerStream() {
            return eventsPerStream;
        }

        public void setEventsPerStream(int eventsPerStream) {
            this.eventsPerStream = eventsPerStream;
        }

        public int getBytesPerStream() {
            return bytesPerStream;
        }

        public void setBytesPerStream(int bytesPerStream) {
            this.bytesPerStream = bytesPerStream;
        }

        public Duration getKeptAfterEnd() {
            return keptAfterEnd;
        }

        public void setKeptAfterEnd(Duration keptAfterEnd) {
            this.keptAfterEnd = keptAfterEnd;
        }

        public int getStreams() {
            return streams;
        }

        public void setStreams(int streams) {
            this.streams = streams;
        }
    }

    @Override
    String prefix() {
        return "codex-bridge.mcp";
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

    public int getConversationsPerPrincipal() {
        return conversationsPerPrincipal;
    }

    public void setConversationsPerPrincipal(int conversationsPerPrincipal) {
        this.conversationsPerPrincipal = conversationsPerPrincipal;
    }

    public int getTurnsPerPrincipal() {
        return turnsPerPrincipal;
    }

    public void setTurnsPerPrincipal(int turnsPerPrincipal) {
        this.turnsPerPrincipal = turnsPerPrincipal;
    }

    public int getConversations() {
        return conversations;
    }

    public void setConversations(int conversations) {
        this.conversations = conversations;
    }

    public Duration getElicitationDeadline() {
        return elicitationDeadline;
    }

    public void setElicitationDeadline(Duration elicitationDeadline) {
        this.elicitationDeadline = elicitationDeadline;
    }

    public int getMaxRequestBytes() {
        return maxRequestBytes;
    }

    public void setMaxRequestBytes(int maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    public List<String> getCallerSettings() {
        return callerSettings;
    }

    public void setCallerSettings(List<String> callerSettings) {
        this.callerSettings = callerSettings;
    }

    public Resource getOutputSchema() {
        return outputSchema;
    }

    public void setOutputSchema(Resource outputSchema) {
        this.outputSchema = outputSchema;
    }

    public boolean isExtras() {
        return extras;
    }

    public void setExtras(boolean extras) {
        this.extras = extras;
    }
}
