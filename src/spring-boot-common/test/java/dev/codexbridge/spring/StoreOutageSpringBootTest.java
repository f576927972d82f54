package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.callers.Readiness;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.PostgresServer;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The PostgreSQL store on the application's own {@code DataSource} while its database is down
 * (issue 71): a real, throw-away server stopped under running applications. A pool set as the
 * start-up check asks fails a store call within the lease, not HikariCP's 30 s; the store's health
 * answers DOWN within its own 2 s even on a pool left at 30 s (started with the check turned off,
 * which says so in one WARN); a DataSource that is not HikariCP starts with a WARN. No codex.
 */
@ExtendWith(OutputCaptureExtension.class)
class StoreOutageSpringBootTest {
    private static final String NO_CODEX = "codex-bridge.pool.endpoints.a.url=ws://127.0.0.1:1";
    /** Far below the 30 s the check prevents, far above the 6 s lease a slow machine adds to. */
    private static final Duration STORE_BOUND = Duration.ofSeconds(15);
    /** Far below the 30 s of a pool's wait, above the indicator's 2 s. */
    private static final Duration HEALTH_BOUND = Duration.ofSeconds(6);

    private static PostgresServer server;

    @BeforeAll
    static void startPostgres() throws Exception {
        server = PostgresServer.start(false);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** The application's DataSource as Spring Boot makes one: HikariCP bound to spring.datasource.hikari.*. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class HikariApp {
        @Bean(destroyMethod = "close")
        HikariDataSource dataSource(@Value("${test.database.url}") String url, Environment environment) {
            return SpringBootHikari.pool(url, environment);
        }
    }

    /** An application whose DataSource is not a pool the starter can read. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class PlainApp {
        @Bean
        DataSource dataSource(@Value("${test.database.url}") String url) {
            PGSimpleDataSource plain = new PGSimpleDataSource();
            plain.setURL(url);
            return plain;
        }
    }

    @Test
    void aDatabaseThatStopsIsToldWithinTheLeaseAndTheHealthWithinItsOwnTwoSeconds(CapturedOutput output) throws Exception {
        String database = server.newDatabase();
        ConfigurableApplicationContext bounded = start(HikariApp.class, database, "spring.datasource.hikari.pool-name=bounded",
                "spring.datasource.hikari.connection-timeout=6000", "spring.datasource.hikari.data-source-properties.socketTimeout=60");
        ConfigurableApplicationContext thirty = start(HikariApp.class, database, "spring.datasource.hikari.pool-name=thirty",
                "codex-bridge.store.postgresql.require-data-source-timeouts=false");
        ConfigurableApplicationContext plain = start(PlainApp.class, database);
        try {
            assertThat(output).as("the pool as the check asks: nothing to say")
                    .doesNotContain("runs the store on the application's DataSource (HikariCP bounded");
            assertThat(output).contains("codex-bridge.store.type=postgresql runs the store on the application's DataSource "
                            + "(HikariCP thirty, jdbc:postgresql://")
                    .contains("(codex-bridge.store.postgresql.require-data-source-timeouts=false lets it start)")
                    .contains("it waits 30 s for a connection").contains("set spring.datasource.hikari.connection-timeout=6000")
                    .contains("set spring.datasource.hikari.data-source-properties.socketTimeout=60");
            assertThat(output).contains("runs on the application's DataSource, a org.postgresql.ds.PGSimpleDataSource and not HikariCP: "
                    + "the starter cannot check how long it waits");
            for (ConfigurableApplicationContext c : new ConfigurableApplicationContext[] {bounded, thirty, plain}) {
                assertThat(health(c)).isEqualTo("UP {store=postgresql, state=answering}");
            }

            // the store's leases are counted in the application's meters: one held, then refused to another holder
            ConversationStore leasing = bounded.getBean(ConversationStore.class);
            String heldHere = UUID.randomUUID().toString();
            leasing.lease(heldHere, "replica-a", Duration.ofSeconds(6));
            assertThatThrownBy(() -> leasing.lease(heldHere, "replica-b", Duration.ofSeconds(6)))
                    .isInstanceOf(dev.codexbridge.store.ConversationLeasedException.class);
            io.micrometer.core.instrument.MeterRegistry leaseMeters = bounded.getBean(io.micrometer.core.instrument.MeterRegistry.class);
            assertThat(leaseMeters.get("codex.bridge.store.leases").tag("event", "refused").functionCounter().count()).isEqualTo(1.0);
            assertThat(leaseMeters.get("codex.bridge.store.leases").tag("event", "taken_over").functionCounter().count()).isZero();

            server.stop(PostgresServer.Shutdown.FAST);
            Thread.sleep(Readiness.CACHED_FOR.toMillis() + 100);       // the UP answers above are kept that long

            // the pool left at 30 s: ping() waits there, the indicator does not
            long t0 = System.nanoTime();
            String thirtysHealth = health(thirty);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(thirtysHealth).isEqualTo("DOWN {store=postgresql, state=unavailable, reason=the store did not answer within 2 s}");
            assertThat(took).as("the store's health on a pool that waits 30 s").isLessThan(HEALTH_BOUND);

            t0 = System.nanoTime();
            assertThat(health(bounded)).startsWith("DOWN {store=postgresql, state=unavailable, reason=");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(HEALTH_BOUND);

            // a store call through the starter's store on the pool the check asks for: told within the lease, not after 30 s
            ConversationStore store = bounded.getBean(ConversationStore.class);
            t0 = System.nanoTime();
            assertThatThrownBy(() -> store.lease(UUID.randomUUID().toString(), "replica-a", Duration.ofSeconds(6)))
                    .isInstanceOf(ConversationStoreException.class);
            took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).as("a store call while the database is down").isLessThan(STORE_BOUND);
            // the next call is refused without a try (its message says so), and the application's meters say the store is down
            t0 = System.nanoTime();
            assertThatThrownBy(() -> store.lease(UUID.randomUUID().toString(), "replica-a", Duration.ofSeconds(6)))
                    .hasMessageContaining("was not tried: the database has not answered");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused, not waited on").isLessThan(STORE_BOUND);
            io.micrometer.core.instrument.MeterRegistry meters = bounded.getBean(io.micrometer.core.instrument.MeterRegistry.class);
            assertThat(meters.get("codex.bridge.store.down").gauge().value()).isEqualTo(1.0);
            assertThat(meters.get("codex.bridge.store.outages").functionCounter().count()).isEqualTo(1.0);
            assertThat(meters.get("codex.bridge.store.refused").functionCounter().count()).isGreaterThanOrEqualTo(1.0);
        } finally {
            server.start();
            plain.close();
            thirty.close();
            bounded.close();
        }
    }

    private static ConfigurableApplicationContext start(Class<?> app, String database, String... properties) {
        return new SpringApplicationBuilder(app).web(WebApplicationType.NONE)
                .properties(NO_CODEX, "codex-bridge.store.type=postgresql", "test.database.url=" + database, "spring.main.banner-mode=off")
                .properties(properties).run();
    }

    /** The store's indicator's status and details ({@code /actuator/health/codexStore}), through either generation's types. */
    private static String health(ConfigurableApplicationContext c) throws ReflectiveOperationException {
        Object indicator = c.getBean("codexStoreHealthContributor");
        Object health = indicator.getClass().getMethod("health").invoke(indicator);
        return health.getClass().getMethod("getStatus").invoke(health) + " " + health.getClass().getMethod("getDetails").invoke(health);
    }
}
