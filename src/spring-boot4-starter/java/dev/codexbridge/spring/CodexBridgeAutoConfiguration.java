package dev.codexbridge.spring;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.store.ConversationStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * codex-bridge for Spring Boot 4: from {@code codex-bridge.*} properties a {@link CodexClient}
 * (own process, or one running app-server) or a {@link CodexPool} (several), a
 * {@link CodexSessions} factory, the {@link ApprovalPolicy} and {@link RateLimitGovernor} sessions
 * use (the application's own beans win), health, Micrometer meters, OpenTelemetry when the
 * application has it, migration at start-up and graceful shutdown. docs/spring-boot.md.
 *
 * <p>The beans are the ones the Spring Boot 3 starter makes too ({@code CodexBridgeConfiguration},
 * shared source); here are only Spring Boot 4's names: the per-technology auto-configurations it
 * runs after ({@code spring-boot-opentelemetry}, {@code spring-boot-micrometer-metrics}) and the
 * health types of {@code spring-boot-health} (decision 0029).
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnProperty(prefix = "codex-bridge", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(CodexBridgeProperties.class)
@Import(CodexBridgeConfiguration.class)
public class CodexBridgeAutoConfiguration {

    /**
     * On the other Spring Boot generation parts would go missing silently: the start fails before
     * any bean is made (codex is not started), naming the starter to use.
     */
    @Bean
    static BeanFactoryPostProcessor codexBridgeSpringBootGeneration() {
        return beanFactory -> SpringBootGeneration.require(4, "codex-bridge-spring-boot4-starter", "codex-bridge-spring-boot-starter", 3);
    }

    /** {@code /actuator/health/codex}: the connection, each pool endpoint, or the tenants. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class HealthConfiguration {
        // on the method: the class-level conditions are all loaded before any is checked
        @Bean(name = "codexHealthContributor")
        @ConditionalOnEnabledHealthIndicator("codex")
        @ConditionalOnMissingBean(name = "codexHealthContributor")
        HealthContributor codexHealthContributor(CodexSessions sessions, CodexBridgeProperties properties,
                                                 ObjectProvider<TenantCounts> tenantCounts) {
            if (sessions.tenants() != null) {
                return new CodexTenantsHealthIndicator(sessions.tenants(), tenantCounts.getObject(), sessions);
            }
            return sessions.client() != null
                    ? new CodexHealthIndicator(sessions.client(), properties.getHealth().getReadinessTimeout())
                    : new CodexPoolHealth(sessions.pool());
        }

        /** {@code /actuator/health/codexStore}: the conversation store, the configured one or the application's own. */
        @Bean(name = "codexStoreHealthContributor")
        @ConditionalOnEnabledHealthIndicator("codexstore")
        @ConditionalOnMissingBean(name = "codexStoreHealthContributor")
        @Conditional(StoreConfiguration.StoreToWatch.class)
        HealthContributor codexStoreHealthContributor(ConversationStore store) {
            return new CodexStoreHealthIndicator(store);
        }
    }
}
