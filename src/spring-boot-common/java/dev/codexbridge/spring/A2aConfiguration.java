package dev.codexbridge.spring;

import dev.codexbridge.a2a.A2aLimits;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.a2a.PushOptions;
import dev.codexbridge.a2a.SessionSource;
import dev.codexbridge.gateway.CodexGateway;
import java.net.URI;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application's codex sessions as an A2A agent: an {@link A2aServer} listening from the
 * moment the bean is made until the context closes (before codex stops: the server depends on
 * {@link CodexSessions}). Only with {@code codex-bridge-a2a} on the class path (the starters
 * depend on it optionally) and {@code codex-bridge.a2a.enabled=true}. Contexts open through the
 * application's {@link CodexGateway} bean, else {@link CodexSessions#gateway()}: its defaults, its
 * {@code ApprovalPolicy} bean (the application's handler and {@code codex-bridge.approval.*}), decided
 * before any caller is asked, and its {@code ThreadAccess} bean. Callers answer what that policy
 * leaves open only with {@code codex-bridge.approval.caller-approvals=true}. An application with its
 * own {@link SessionSource} or {@link ContextStore} bean gets those used instead.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = A2aConfiguration.SERVER)
@ConditionalOnProperty(prefix = "codex-bridge.a2a", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(A2aProperties.class)
class A2aConfiguration {
    static final String SERVER = "dev.codexbridge.a2a.A2aServer";

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    A2aServer codexA2aServer(CodexSessions sessions, A2aProperties p, ObjectProvider<SessionSource> source,
                             ObjectProvider<CodexGateway> gateway,
                             ObjectProvider<ContextStore> store, ObjectProvider<Authenticator> authenticator) {
        Authenticator callers = CallerAuthenticators.required(p, authenticator);
        p.requireCallersApart(sessions, source.getIfUnique() != null || gateway.getIfUnique() != null);
        A2aLimits limits;
        try {
            int share = Math.min(A2aLimits.DEFAULTS.streamsPerPrincipal(), p.getStreams());
            limits = new A2aLimits(p.getTasksPerPrincipal(), p.getContextsPerPrincipal(), p.getStreams(), p.getQueuedEvents(),
                    p.getApprovalDeadline(), p.getBlockingWait(), p.getMaxRequestBytes(),
                    p.getStreamsPerPrincipal() != null ? p.getStreamsPerPrincipal() : share,
                    p.getBlockingSendsPerPrincipal() != null ? p.getBlockingSendsPerPrincipal() : share, p.getTasks());
        } catch (IllegalArgumentException e) {
            throw new CodexPropertiesException("codex-bridge.a2a limits: " + e.getMessage());
        }
        ContextStore contexts = store.getIfUnique(() -> p.getContextsDirectory() == null ? ContextStore.inMemory(p.getMaxContexts())
                : ContextStore.files(p.getContextsDirectory(), p.getMaxContexts()));
        A2aProperties.Push push = p.getPush();
        A2aServer.Builder b = A2aServer.builder().host(p.getHost()).port(p.getPort()).limits(limits).contexts(contexts)
                .anonymous(p.getAnonymous()).allowedOrigins(p.getAllowedOrigins()).allowedHosts(p.getAllowedHosts()).sessions(source.getIfUnique(() -> SessionSource.of(gateway.getIfUnique(sessions::gateway)))).authenticator(callers)
                .push(!push.isEnabled() ? null : push.isAllowPrivateAddresses() ? PushOptions.DEFAULTS.allowingPrivateAddresses()
                        : PushOptions.DEFAULTS);
        if (p.getPublicUrl() != null) {
            b.publicUri(URI.create(p.getPublicUrl()));
        }
        if (p.getDescription() != null) {
            b.describedAs(p.getName(), p.getDescription());
        }
        return b.start();
    }
}
