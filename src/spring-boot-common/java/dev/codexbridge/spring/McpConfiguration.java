package dev.codexbridge.spring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.gateway.ThreadOwners;
import dev.codexbridge.json.Json;
import dev.codexbridge.mcp.CodexMcpServer;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.McpLimits;
import dev.codexbridge.mcp.McpSessions;
import dev.codexbridge.mcp.ReplayLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;

/**
 * The application's codex sessions as an MCP server over Streamable HTTP: an {@link McpHttpServer}
 * on its own port, listening from the moment the bean is made until the context closes (before
 * codex stops: both beans depend on {@link CodexSessions}). Only with {@code codex-bridge-mcp} on
 * the class path (the starters depend on it optionally) and {@code codex-bridge.mcp.enabled=true}.
 * Conversations open through the application's {@link CodexGateway} bean, else
 * {@link CodexSessions#gateway()}: its defaults, its {@code ApprovalPolicy} bean (the application's
 * handler and {@code codex-bridge.approval.*}), decided before any caller is asked, its tenants and
 * its {@code ThreadAccess} bean. Callers answer what that policy leaves open, by elicitation, only
 * with {@code codex-bridge.approval.caller-approvals=true}. An application's own
 * {@link McpSessions} or {@link CodexMcpServer} bean is used instead of the starter's.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = McpConfiguration.SERVER)
@ConditionalOnProperty(prefix = "codex-bridge.mcp", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(McpProperties.class)
class McpConfiguration {
    static final String SERVER = "dev.codexbridge.mcp.McpHttpServer";

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    CodexMcpServer codexMcpServer(CodexSessions sessions, McpProperties p, CodexBridgeProperties bridge,
                                  ObjectProvider<McpSessions> source, ObjectProvider<CodexGateway> gateway) {
        p.requireCallersApart(sessions, source.getIfUnique() != null || gateway.getIfUnique() != null);
        CodexMcpServer.Builder b = CodexMcpServer.builder().limits(limits(p)).extras(p.isExtras()).outputSchema(outputSchema(p))
                .sessions(source.getIfUnique(() -> {
                    CodexGateway g = gateway.getIfUnique();
                    McpSessions from = McpSessions.of(g != null ? g : sessions.gateway());
                    // callers on the application's one codex home: who opened which thread is kept, so none resumes another's;
                    // with a store, the store's record says (on every replica), and the gateway asks it
                    return g == null && sessions.tenants() == null && sessions.storage() == null
                            ? McpSessions.owned(from, threadOwners(p, bridge.getConversationsRemembered())) : from;
                }));
        if (p.getCallerSettings() != null) {
            try {
                b.callerSettings(Set.copyOf(p.getCallerSettings()));
            } catch (IllegalArgumentException e) {
                throw new CodexPropertiesException("codex-bridge.mcp.caller-settings: " + e.getMessage());
            }
        }
        // a caller's relative cwd means the sessions' folder, not wherever the application was started
        Path cwd = bridge.getSession().getCwd();
        if (cwd != null) {
            b.cwd(cwd);
        }
        return b.build();
    }

    /** {@code sessions} unused but named: the server closes before codex does, whoever made the MCP server. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    McpHttpServer codexMcpHttpServer(CodexMcpServer server, CodexSessions sessions, McpProperties p,
                                     ObjectProvider<Authenticator> authenticator) {
        Authenticator callers = CallerAuthenticators.required(p, authenticator);
        McpHttpServer.Builder b = McpHttpServer.builder(server).host(p.getHost()).port(p.getPort()).authenticator(callers)
                .anonymous(p.getAnonymous()).replay(replay(p.getReplay())).allowedOrigins(p.getAllowedOrigins())
                .allowedHosts(p.getAllowedHosts());
        try {
            b.sessionIdleTimeout(p.getSessionIdleTimeout());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodexPropertiesException("codex-bridge.mcp.session-idle-timeout: " + e.getMessage());
        }
        return b.start();
    }

    /** Who opened each thread: one file each in thread-owners-directory, else in memory, as many as conversations-remembered. */
    static ThreadOwners threadOwners(McpProperties p, int remembered) {
        return p.getThreadOwnersDirectory() != null ? ThreadOwners.files(p.getThreadOwnersDirectory()) : ThreadOwners.inMemory(remembered);
    }

    static McpLimits limits(McpProperties p) {
        try {
            return new McpLimits(p.getConversationsPerPrincipal(), p.getTurnsPerPrincipal(), p.getConversations(),
                    p.getElicitationDeadline(), p.getMaxRequestBytes(), p.getSessionsPerPrincipal());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodexPropertiesException("codex-bridge.mcp limits: " + e.getMessage());
        }
    }

    static ReplayLimits replay(McpProperties.Replay r) {
        try {
            return new ReplayLimits(r.getEventsPerStream(), r.getBytesPerStream(), r.getKeptAfterEnd(), r.getStreams());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodexPropertiesException("codex-bridge.mcp.replay: " + e.getMessage());
        }
    }

    private static JsonNode outputSchema(McpProperties p) {
        Resource r = p.getOutputSchema();
        if (r == null) {
            return null;
        }
        String text;
        try (InputStream in = r.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CodexPropertiesException("codex-bridge.mcp.output-schema " + r.getDescription() + " cannot be read: " + e.getMessage());
        }
        JsonNode schema;
        try {
            schema = Json.parse(text);
        } catch (RuntimeException e) {
            throw new CodexPropertiesException("codex-bridge.mcp.output-schema " + r.getDescription() + ": " + e.getMessage());
        }
        if (!schema.isObject()) {
            throw new CodexPropertiesException("codex-bridge.mcp.output-schema " + r.getDescription() + " is not a JSON object");
        }
        return schema;
    }
}
