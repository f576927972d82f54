package dev.codexbridge.spring;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantListener;
import dev.codexbridge.telemetry.CodexTelemetry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The beans both Spring Boot generations make alike: the client or pool, the session factory,
 * the approval policy, the rate-limit governor, telemetry, the Micrometer binder, shutdown,
 * migration and the conversation store ({@link StoreConfiguration}, given to every backend). Each
 * starter's {@code CodexBridgeAutoConfiguration} imports it and adds what moved between Spring
 * Boot 3 and 4 (the health types, the auto-configuration names it runs after).
 */
@Configuration(proxyBeanMethods = false)
@Import({MigrationConfiguration.class, StoreConfiguration.class, A2aConfiguration.class, McpConfiguration.class, OpenAiConfiguration.class,
        OpenAiReactiveConfiguration.class,
        SpringAiConfiguration.class})
class CodexBridgeConfiguration {

    /**
     * How sessions answer codex: the application's {@link CommandRules} bean (else the rules of
     * {@code codex-bridge.approval.allow-programs}), then its {@link ApprovalHandler} bean, then deny. Without a handler bean every question the rules do
     * not settle is denied (fail closed).
     */
    @Bean
    @ConditionalOnMissingBean
    ApprovalPolicy codexApprovalPolicy(CodexBridgeProperties properties, ObjectProvider<ApprovalHandler> handler,
                                       ObjectProvider<CommandRules> rules) {
        ApprovalProperties a = properties.getApproval();
        ApprovalPolicy.Builder b = ApprovalPolicy.builder().deadline(a.getDeadline())
                .autoApproveFileChanges(a.isAutoApproveFileChanges());
        a.getTrustedMcpServers().forEach(b::trustMcpServer);
        // several handlers and none @Primary: refused, not silently none (a caller would then answer everything)
        if (handler.stream().limit(2).count() > 1 && handler.getIfUnique() == null) {
            throw new CodexPropertiesException("the application has several ApprovalHandler beans and none is @Primary: mark the "
                    + "one that decides codex's requests @Primary, or make it the only one");
        }
        handler.ifUnique(b::handler);
        CommandRules own = rules.getIfUnique();
        if (own != null) {
            b.commandRules(own);
        } else if (!a.getAllowPrograms().isEmpty()) {
            b.commandRules(CommandRules.builder().allowPrograms(a.getAllowPrograms().toArray(String[]::new))
                    .askHandlerForOthers(a.isAskHandlerForOthers()).build());
        }
        return b.build();
    }

    /** One governor for every session: a rate limit one session meets holds back all of them. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "codex-bridge.rate-limits", name = "enabled", havingValue = "true", matchIfMissing = true)
    RateLimitGovernor codexRateLimitGovernor() {
        return RateLimitGovernor.builder().build();
    }

    /**
     * Running turns finish or are interrupted, the sessions' conversations are stored (with a
     * store), then codex is stopped, within Spring's shutdown.
     */
    @Bean
    CodexShutdown codexShutdown(CodexSessions sessions, CodexBridgeProperties properties) {
        return new CodexShutdown(sessions, properties.getShutdown().getAwaitTurns(), properties.getShutdown().getAwaitStore());
    }

    /** Codex through its own process or one running app-server. */
    @Configuration(proxyBeanMethods = false)
    @Conditional({PoolCondition.None.class, TenantsCondition.None.class})
    static class ClientConfiguration {
        @Bean
        @ConditionalOnMissingBean({CodexClient.class, CodexPool.class})
        CodexClient codexClient(CodexBridgeProperties properties, ObjectProvider<CodexStartupMigration> migration,
                                ObjectProvider<TelemetryHooks> telemetry) {
            PropertiesMapping.validate(properties);
            // migrated before codex reads its config; no migration bean although asked: the migrator is missing
            if (migration.getIfAvailable() == null && properties.getMigration().isEnabled()) {
                throw new CodexPropertiesException("codex-bridge.migration.enabled=true needs dev.codexbridge:codex-bridge-migration "
                        + "on the class path (the starter depends on it optionally)");
            }
            CodexClient.Builder b = CodexClient.builder();
            PropertiesMapping.clientSettings(b, properties);
            telemetry.ifUnique(b::telemetry);
            if (properties.getEndpoint().isSet()) {
                return b.connect(PropertiesMapping.endpoint(properties.getEndpoint()));
            }
            return b.process(PropertiesMapping.launch(properties.getProcess())).connect();
        }

        @Bean
        @ConditionalOnMissingBean
        CodexSessions codexSessions(CodexClient client, CodexBridgeProperties properties, ApprovalPolicy approvals,
                                    ObjectProvider<RateLimitGovernor> rateLimits, ObjectProvider<ThreadAccess> access,
                                    ObjectProvider<ConversationStorage> storage) {
            return new CodexSessions(client, null, PropertiesMapping.threadOptions(properties.getSession()),
                    PropertiesMapping.limits(properties.getSession()),
                    PropertiesMapping.hibernateAfter(properties.getSession()), approvals, rateLimits.getIfUnique())
                    .threadAccess(access.getIfUnique()).callerApprovals(properties.getApproval().isCallerApprovals())
                    .storage(storage.getIfUnique()).threadsRemembered(properties.getConversationsRemembered());
        }
    }

    /** Codex through several running app-servers. */
    @Configuration(proxyBeanMethods = false)
    @Conditional({PoolCondition.Some.class, TenantsCondition.None.class})
    static class PoolConfiguration {
        @Bean
        @ConditionalOnMissingBean({CodexClient.class, CodexPool.class})
        CodexPool codexPool(CodexBridgeProperties properties, ObjectProvider<TelemetryHooks> telemetry,
                            ObjectProvider<ThreadAccess> access, ObjectProvider<ConversationStorage> storage) {
            PropertiesMapping.validate(properties);
            PoolProperties p = properties.getPool();
            CodexPool.Builder b = CodexPool.builder().maxThreadsPerEndpoint(properties.getMaxThreadsPerConnection())
                    .sharedCodexHome(p.isSharedCodexHome()).threadsRemembered(properties.getConversationsRemembered())
                    .clientConfigurer(c -> PropertiesMapping.clientSettings(c, properties));
            access.ifUnique(b::threadAccess);
            storage.ifUnique(b::storage);
            if (p.getHealthInterval() != null) {
                b.healthInterval(p.getHealthInterval());
            }
            if (p.getProbeTimeout() != null) {
                b.probeTimeout(p.getProbeTimeout());
            }
            for (Map.Entry<String, EndpointProperties> e : p.getEndpoints().entrySet()) {
                Integer max = e.getValue().getMaxThreads();
                b.endpoint(e.getKey(), PropertiesMapping.endpoint(e.getValue()),
                        max != null ? max : properties.getMaxThreadsPerConnection());
            }
            telemetry.ifUnique(b::telemetry);
            return b.build();
        }

        @Bean
        @ConditionalOnMissingBean
        CodexSessions codexSessions(CodexPool pool, CodexBridgeProperties properties, ApprovalPolicy approvals,
                                    ObjectProvider<RateLimitGovernor> rateLimits, ObjectProvider<ThreadAccess> access,
                                    ObjectProvider<ConversationStorage> storage) {
            return new CodexSessions(null, pool, PropertiesMapping.threadOptions(properties.getSession()),
                    PropertiesMapping.limits(properties.getSession()),
                    PropertiesMapping.hibernateAfter(properties.getSession()), approvals, rateLimits.getIfUnique())
                    .threadAccess(access.getIfUnique()).callerApprovals(properties.getApproval().isCallerApprovals())
                    .storage(storage.getIfUnique()).threadsRemembered(properties.getConversationsRemembered());
        }
    }

    /**
     * One codex per tenant ({@code codex-bridge.tenants.homes-root} set): a {@link CodexTenants}
     * bean from {@code codex-bridge.tenants.*}, each tenant's codex launched as
     * {@code codex-bridge.process.*} says (binary, environment, config overrides; never a shared
     * {@code codex-home}), its connection set up as the client's would be; no shared codex is
     * started. Sessions get {@code codex-bridge.session.*}, the {@link ApprovalPolicy} bean and the
     * {@link ThreadAccess} bean like any other.
     */
    @Configuration(proxyBeanMethods = false)
    @Conditional(TenantsCondition.Some.class)
    @EnableConfigurationProperties(TenantsProperties.class)
    static class TenantsConfiguration {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        CodexTenants codexTenants(CodexBridgeProperties properties, TenantsProperties t, ObjectProvider<ThreadAccess> access,
                                  ObjectProvider<TelemetryHooks> telemetry, TenantCounts counts,
                                  ObjectProvider<TenantListener> listener, ObjectProvider<ConversationStorage> storage,
                                  org.springframework.core.env.Environment environment) {
            PropertiesMapping.validate(properties);
            if (properties.getEndpoint().isSet() || !properties.getPool().getEndpoints().isEmpty()) {
                throw new CodexPropertiesException("codex-bridge.tenants.homes-root is set together with codex-bridge.endpoint.* or "
                        + "codex-bridge.pool.*: tenants start a codex of their own each; remove one of them");
            }
            if (properties.getProcess().getCodexHome() != null) {
                throw new CodexPropertiesException("codex-bridge.process.codex-home is set together with codex-bridge.tenants.homes-root: "
                        + "each tenant has its own home under the homes root; remove process.codex-home");
            }
            CodexTenants.Builder b = CodexTenants.builder().homesRoot(t.getHomesRoot())
                    .launch(PropertiesMapping.launch(properties.getProcess()))
                    .client(c -> {
                        PropertiesMapping.clientSettings(c, properties);
                        telemetry.ifUnique(c::telemetry);
                    })
                    .idleTimeout(t.getIdleTimeout()).retryAfter(t.getRetryAfter())
                    .inheritEnvironment(t.getInheritEnvironment());
            try {
                b.maxProcesses(t.getMaxProcesses()).maxProcessesPerTenant(t.getMaxProcessesPerTenant())
                        .maxThreadsPerProcess(t.getMaxThreadsPerProcess()).threadsRemembered(properties.getConversationsRemembered());
                if (t.getMaxThreadsPerTenant() != null) {
                    b.maxThreadsPerTenant(t.getMaxThreadsPerTenant());
                }
            } catch (IllegalArgumentException e) {
                throw new CodexPropertiesException("codex-bridge.tenants: " + e.getMessage());
            }
            if (t.getMountNamespace() != null) {
                b.mountNamespace(t.getMountNamespace());
            }
            if (t.getCodexDefaults() != null) {
                b.codexDefaults(t.getCodexDefaults());
            }
            if (t.getConfigTemplate() != null) {
                try {
                    b.template(java.nio.file.Files.readString(t.getConfigTemplate()));
                } catch (java.io.IOException e) {
                    throw new CodexPropertiesException("codex-bridge.tenants.config-template " + t.getConfigTemplate()
                            + " cannot be read: " + e.getMessage());
                }
            }
            if (t.getWorkspacesRoot() != null) {
                b.workspacesRoot(t.getWorkspacesRoot());
            }
            if (properties.getSession().getCwd() != null) {
                throw new CodexPropertiesException("codex-bridge.session.cwd is set together with codex-bridge.tenants.homes-root: each "
                        + "tenant's threads run in its own workspace (codex-bridge.tenants.workspaces-root, else workspace/ in the "
                        + "tenant's folder); a shared folder would be visible to every tenant. Remove session.cwd");
            }
            b.hide(hiddenFromTenants(t, environment));
            access.ifUnique(b::threadAccess);
            storage.ifUnique(b::storage);
            b.listener(counts.listener(listener.getIfUnique()));
            return b.build();
        }

        /**
         * What no tenant's command may read: the application's listed paths, the callers'
         * credential files of the A2A and MCP servers, and the OS user's own codex home (decision 0048).
         */
        static java.util.List<java.nio.file.Path> hiddenFromTenants(TenantsProperties t, org.springframework.core.env.Environment env) {
            java.util.List<java.nio.file.Path> hidden = new java.util.ArrayList<>(t.getHiddenPaths());
            for (String server : new String[] {"a2a", "mcp"}) {
                for (String file : new String[] {"tokens-file", "jwt.hs256-secret-file"}) {
                    String path = env.getProperty("codex-bridge." + server + "." + file);
                    if (path != null && !path.isBlank()) {
                        hidden.add(java.nio.file.Path.of(path));
                    }
                }
            }
            hidden.add(java.nio.file.Path.of(System.getProperty("user.home"), ".codex"));
            return hidden;
        }

        /** The tenants' process events, counted for health and meters. */
        @Bean
        TenantCounts codexTenantCounts() {
            return new TenantCounts();
        }

        @Bean
        @ConditionalOnMissingBean
        CodexSessions codexSessions(CodexTenants tenants, CodexBridgeProperties properties, ApprovalPolicy approvals,
                                    ObjectProvider<RateLimitGovernor> rateLimits, ObjectProvider<ConversationStorage> storage) {
            // the tenants ask the ThreadAccess bean themselves (built with it above), and keep their conversations in the store
            return new CodexSessions(null, null, tenants, PropertiesMapping.threadOptions(properties.getSession()),
                    PropertiesMapping.limits(properties.getSession()),
                    PropertiesMapping.hibernateAfter(properties.getSession()), approvals, rateLimits.getIfUnique())
                    .callerApprovals(properties.getApproval().isCallerApprovals()).storage(storage.getIfUnique())
                    .threadsRemembered(properties.getConversationsRemembered());
        }
    }

    /**
     * Traces and the library's metrics through the application's OpenTelemetry (decision 0025):
     * its own bean, or the one Spring Boot makes (Spring Boot 4: {@code spring-boot-starter-opentelemetry}).
     * An application's own {@link TelemetryHooks} bean wins (decision 0052).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.opentelemetry.api.OpenTelemetry", "dev.codexbridge.telemetry.CodexTelemetry"})
    static class TelemetryConfiguration {
        @Bean
        @ConditionalOnMissingBean(TelemetryHooks.class)
        @ConditionalOnBean(type = "io.opentelemetry.api.OpenTelemetry")
        CodexTelemetry codexTelemetry(OpenTelemetry openTelemetry, CodexBridgeProperties properties) {
            return CodexTelemetry.builder(openTelemetry).captureContent(properties.getTelemetry().isCaptureContent()).build();
        }
    }

    /** Connection gauges and turn counts in the application's MeterRegistry (decision 0027). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class MetricsConfiguration {
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnProperty(prefix = "codex-bridge.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
        MeterBinder codexMeterBinder(CodexSessions sessions, ObjectProvider<TenantCounts> tenantCounts) {
            return new CodexMeterBinder(sessions, tenantCounts.getIfAvailable());
        }
    }
}
