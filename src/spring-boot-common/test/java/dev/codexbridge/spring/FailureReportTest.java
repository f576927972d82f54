package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A whole application started with invalid properties: Spring Boot's failure report names them;
 * started with right ones but the store's database down: the report says so instead. No codex
 * needed (a pool on a port nothing listens on is made without connecting), no database either.
 */
@ExtendWith(OutputCaptureExtension.class)
class FailureReportTest {
    private static final String NO_CODEX = "codex-bridge.pool.endpoints.a.url=ws://127.0.0.1:1";

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    /**
     * The application's own DataSource on a database that is down, connecting at its first use and
     * bound to {@code spring.datasource.hikari.*}, as Spring Boot's is.
     */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class AppWithDataSource {
        @Bean(destroyMethod = "close")
        HikariDataSource dataSource(@Value("${test.database.url}") String url, Environment environment) {
            return SpringBootHikari.pool(url, environment);
        }
    }

    /** What the report asks of the application's pool: a connection within the lease, a socket timeout. */
    private static final String[] BOUNDED_POOL = {"spring.datasource.hikari.connection-timeout=6000",
        "spring.datasource.hikari.data-source-properties.socketTimeout=60"};

    @Test
    void invalidPropertiesAreReportedAsSuchAtStartUp(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.endpoint.url=ws://127.0.0.1:4500", "codex-bridge.endpoint.jwt.issuer=me",
                        "spring.main.banner-mode=off")
                .run()).hasRootCauseInstanceOf(CodexPropertiesException.class);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("codex-bridge.endpoint.jwt needs secret-file, issuer and audience together")
                .contains("Fix the codex-bridge.* properties named above");
    }

    @Test
    void aStoresDatabaseThatIsDownIsReportedAsSuchNotAsWrongProperties(CapturedOutput output) throws IOException {
        int port = portNobodyListensOn();
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties(NO_CODEX, "codex-bridge.store.type=postgresql",
                        "codex-bridge.store.postgresql.url=jdbc:postgresql://127.0.0.1:" + port + "/app?user=app&password=secret",
                        "spring.main.banner-mode=off")
                .run()).satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(CodexDatabaseUnreachableException.class));
        String database = "jdbc:postgresql://127.0.0.1:" + port + "/app";
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("codex-bridge.store.type=postgresql: the database at " + database + " cannot be reached: Connection to "
                        + "127.0.0.1:" + port + " refused")
                .contains("Start the database at " + database + ", or check the network")
                .contains("The codex-bridge.* properties are not the problem")
                .doesNotContain("Fix the codex-bridge.* properties named above").doesNotContain("secret");
    }

    @Test
    void theApplicationsDataSourceOnADatabaseThatIsDownIsNamedByItsUrl(CapturedOutput output) throws IOException {
        int port = portNobodyListensOn();
        assertThatThrownBy(() -> new SpringApplicationBuilder(AppWithDataSource.class).web(WebApplicationType.NONE)
                .properties(NO_CODEX, "codex-bridge.store.type=postgresql",
                        "test.database.url=jdbc:postgresql://127.0.0.1:" + port + "/app?password=secret", "spring.main.banner-mode=off")
                .properties(BOUNDED_POOL)
                .run()).satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(CodexDatabaseUnreachableException.class));
        assertThat(output).contains("the database at jdbc:postgresql://127.0.0.1:" + port + "/app (the application's DataSource) "
                        + "cannot be reached")
                .contains("The codex-bridge.* properties are not the problem").doesNotContain("secret");
    }

    @Test
    void anApplicationPoolThatWouldHoldRequestsPastTheLeaseFailsTheStartNamingWhatToSet(CapturedOutput output) throws IOException {
        int port = portNobodyListensOn();
        // HikariCP's defaults, which Spring Boot keeps: 30 s for a connection, no socketTimeout; refused before anything connects
        assertThatThrownBy(() -> new SpringApplicationBuilder(AppWithDataSource.class).web(WebApplicationType.NONE)
                .properties(NO_CODEX, "codex-bridge.store.type=postgresql",
                        "test.database.url=jdbc:postgresql://127.0.0.1:" + port + "/app?password=secret", "spring.main.banner-mode=off")
                .run()).satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(CodexDataSourceTimeoutsException.class));
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("runs the store on the application's DataSource (HikariCP, jdbc:postgresql://127.0.0.1:" + port + "/app)")
                .contains("it waits 30 s for a connection (HikariCP's connectionTimeout) while the store's lease is 6 s")
                .contains("set spring.datasource.hikari.connection-timeout=6000 (milliseconds)")
                .contains("its connections have no socketTimeout")
                .contains("set spring.datasource.hikari.data-source-properties.socketTimeout=60 (seconds")
                .contains("codex-bridge.store.postgresql.require-data-source-timeouts=false to start with a warning instead")
                .doesNotContain("Fix the codex-bridge.* properties named above").doesNotContain("secret");
        // a longer lease is a longer bound; a socketTimeout in the URL counts as in the pool's properties
        assertThatThrownBy(() -> new SpringApplicationBuilder(AppWithDataSource.class).web(WebApplicationType.NONE)
                .properties(NO_CODEX, "codex-bridge.store.type=postgresql", "codex-bridge.store.lease-time=30s",
                        "test.database.url=jdbc:postgresql://127.0.0.1:" + port + "/app?socketTimeout=60", "spring.main.banner-mode=off")
                .run()).satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(CodexDatabaseUnreachableException.class)
                        .noneMatch(CodexDataSourceTimeoutsException.class::isInstance));
    }

    private static int portNobodyListensOn() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> all = new ArrayList<>();
        for (Throwable t = e; t != null && all.size() < 20; t = t.getCause()) {
            all.add(t);
        }
        return all;
    }
}
