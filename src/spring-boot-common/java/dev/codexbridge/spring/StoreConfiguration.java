package dev.codexbridge.spring;

import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationRetention;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.ClassUtils;

/**
 * The conversation store ({@code codex-bridge.store.*}, docs/store.md): a
 * {@link ConversationStore} bean of the type named, and a {@link ConversationStorage} bean on it
 * (or on the application's own store) that the client's sessions, the pool, the tenants and the
 * gateway of the A2A and MCP servers all keep their conversations in. The store bean is made
 * before the beans that use it and so closed after them; {@link CodexShutdown} has closed every
 * session, waiting for its conversation to be stored, before any of them closes.
 */
@Configuration(proxyBeanMethods = false)
class StoreConfiguration {

    /** {@code codex-bridge.store.type} disk or postgresql; an application's own store wins. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Conditional(StoreTypeSet.class)
    ConversationStore codexConversationStore(CodexBridgeProperties properties, ObjectProvider<DataSource> dataSource,
                                             ResourceLoader loader) {
        PropertiesMapping.validateStore(properties);
        StoreProperties s = properties.getStore();
        if (s.getType() == StoreProperties.Type.DISK) {
            try {
                return DiskConversationStore.open(s.getDisk().getPath());
            } catch (RuntimeException e) {
                throw new CodexPropertiesException("codex-bridge.store.disk.path " + s.getDisk().getPath() + ": the store cannot be opened: "
                        + e.getMessage(), e);
            }
        }
        // the application's class loader, so that a host without the artifact is told which one to add
        if (!ClassUtils.isPresent(PostgresStores.STORE, loader.getClassLoader())) {
            throw new CodexPropertiesException("codex-bridge.store.type=postgresql needs dev.codexbridge:codex-bridge-store-postgresql "
                    + "on the class path (the starter depends on it optionally)");
        }
        DataSource applications = null;
        if (s.getPostgresql().getUrl() == null) {
            applications = dataSource.getIfUnique();
            if (applications == null) {
                throw new CodexPropertiesException(dataSource.stream().findAny().isPresent()
                        ? "codex-bridge.store.type=postgresql without codex-bridge.store.postgresql.url uses the application's DataSource "
                        + "bean, and it has several with none @Primary: mark one @Primary, or set codex-bridge.store.postgresql.url"
                        : "codex-bridge.store.type=postgresql needs codex-bridge.store.postgresql.url, or a DataSource bean of the "
                        + "application's (spring.datasource.*) for the store to use");
            }
        }
        return PostgresStores.open(s.getPostgresql(), applications, s.getLeaseTime());
    }

    /**
     * How every session of the application keeps its conversation in the store; the owner is each
     * session's. Declared after the store bean: a bean condition sees the definitions made before it.
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(ConversationStore.class)
    ConversationStorage codexConversationStorage(ConversationStore store, CodexBridgeProperties properties) {
        PropertiesMapping.validateStore(properties);
        StoreProperties s = properties.getStore();
        return ConversationStorage.builder(store, s.getHolder() != null ? s.getHolder().strip() : defaultHolder())
                .leaseTime(s.getLeaseTime()).exportAfterEachTurn(s.isAfterEachTurn())
                .keepSleptCopy(s.getKeepSleptCopy()).build();
    }

    /**
     * Retention ({@code codex-bridge.store.retention.*}): conversations last stored longer ago than
     * their tenant's bound deleted, swept while the application runs; stopped before the store closes.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(ConversationStore.class)
    @ConditionalOnProperty(prefix = "codex-bridge.store.retention", name = {"keep-for"})
    ConversationRetention codexConversationRetention(ConversationStore store, ConversationStorage storage, CodexBridgeProperties properties) {
        PropertiesMapping.validateStore(properties);
        StoreProperties.Retention r = properties.getStore().getRetention();
        ConversationRetention.Builder b = ConversationRetention.builder(store).holder(storage.holder() + " (retention)").keepFor(r.getKeepFor());
        r.getTenants().forEach(b::keepFor);
        if (r.getSweepEvery() != null) {
            b.sweepEvery(r.getSweepEvery());
        }
        return b.start();
    }

    /**
     * The host's name (a Kubernetes pod's, from HOSTNAME) and a random suffix: unique per start, so
     * two replicas on one host, or an instance and its restart, are told apart in a lease refusal.
     */
    static String defaultHolder() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "host";
            }
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * A store to report on: one of {@code codex-bridge.store.type}, or the application's own bean.
     * The type, not the bean, for the first: the health configuration is read before this one, so
     * a bean condition there would not see the store made here.
     */
    static final class StoreToWatch extends AnyNestedCondition {
        StoreToWatch() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @Conditional(StoreTypeSet.class)
        static final class Configured {
        }

        @ConditionalOnBean(ConversationStore.class)
        static final class ApplicationsOwn {
        }
    }

    /** {@code codex-bridge.store.type} is set to a store (anything but none; a word that is no type fails its binding). */
    static final class StoreTypeSet extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String type = context.getEnvironment().getProperty("codex-bridge.store.type");
            boolean set = type != null && !type.isBlank() && !type.strip().toLowerCase(Locale.ROOT).equals("none");
            return set ? ConditionOutcome.match("codex-bridge.store.type is " + type)
                    : ConditionOutcome.noMatch("codex-bridge.store.type is none");
        }
    }
}
