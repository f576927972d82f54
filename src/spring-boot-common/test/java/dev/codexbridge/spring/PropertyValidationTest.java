package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.process.AppServerRecycle;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Property combinations that cannot work fail the start, before any codex is started or
 * connected to, with a message naming the properties. No codex needed.
 */
class PropertyValidationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CodexBridgeAutoConfiguration.class));

    @TempDir
    Path tmp;

    @Test
    void oneEndpointAndAPoolTogetherAreRefused() {
        runner.withPropertyValues("codex-bridge.endpoint.url=ws://127.0.0.1:4500",
                        "codex-bridge.pool.endpoints.a.url=ws://127.0.0.1:4501")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.endpoint.* and codex-bridge.pool.endpoints.* are both set"));
    }

    @Test
    void anOwnProcessAndARemoteEndpointTogetherAreRefused() {
        runner.withPropertyValues("codex-bridge.endpoint.url=ws://127.0.0.1:4500", "codex-bridge.process.binary=/usr/bin/codex")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.process.* is set together with a remote endpoint"));
        runner.withPropertyValues("codex-bridge.pool.endpoints.a.url=ws://127.0.0.1:4500", "codex-bridge.process.codex-home=/tmp/x")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.process.* is set together with a remote pool"));
    }

    @Test
    void aTokenFileAndAJwtTogetherAreRefused() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "t");
        runner.withPropertyValues("codex-bridge.endpoint.url=ws://127.0.0.1:4500", "codex-bridge.endpoint.token-file=" + token,
                        "codex-bridge.endpoint.jwt.secret-file=" + token, "codex-bridge.endpoint.jwt.issuer=i",
                        "codex-bridge.endpoint.jwt.audience=a")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.endpoint.token-file and codex-bridge.endpoint.jwt.* are both set"));
    }

    @Test
    void aJwtNeedsSecretIssuerAndAudience() {
        runner.withPropertyValues("codex-bridge.endpoint.url=ws://127.0.0.1:4500", "codex-bridge.endpoint.jwt.issuer=i")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.endpoint.jwt needs secret-file, issuer and audience together"));
    }

    @Test
    void aPoolEndpointWithoutUrlAndAnEndpointWithABadUrlAreNamed() {
        runner.withPropertyValues("codex-bridge.pool.endpoints.east.token-file=/tmp/t",
                        "codex-bridge.pool.endpoints.west.url=http://127.0.0.1:4500")
                .run(c -> failure(c)
                        .hasMessageContaining("codex-bridge.pool.endpoints.east.url is missing")
                        .hasMessageContaining("codex-bridge.pool.endpoints.west.url:"));
    }

    @Test
    void plainWebSocketToAnotherHostNeedsConsent() {
        runner.withPropertyValues("codex-bridge.endpoint.url=ws://10.1.2.3:4500")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.endpoint.url: ws://10.1.2.3:4500 is plain ws://")
                        .hasMessageContaining("codex-bridge.endpoint.allow-plaintext-remote=true"));
    }

    @Test
    void limitsMustBePositive() {
        runner.withPropertyValues("codex-bridge.max-threads-per-connection=0", "codex-bridge.reconnect.max-attempts=0",
                        "codex-bridge.session.turn-timeout=0s", "codex-bridge.request-timeout=0s",
                        "codex-bridge.shutdown.await-turns=-1s", "codex-bridge.conversations-remembered=0")
                .run(c -> failure(c)
                        .hasMessageContaining("codex-bridge.max-threads-per-connection must be at least 1 (is 0)")
                        .hasMessageContaining("codex-bridge.conversations-remembered must be at least 1 (is 0)")
                        .hasMessageContaining("codex-bridge.reconnect.*: maxAttempts")
                        .hasMessageContaining("codex-bridge.session.turn-timeout must be positive")
                        .hasMessageContaining("codex-bridge.request-timeout must be positive")
                        .hasMessageContaining("codex-bridge.shutdown.await-turns must not be negative"));
        runner.withPropertyValues("codex-bridge.pool.endpoints.a.url=ws://127.0.0.1:4500", "codex-bridge.pool.endpoints.a.max-threads=0")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.pool.endpoints.a.max-threads must be at least 1"));
    }

    @Test
    void hibernateAfterIsNeverOrAtLeastASecond() {
        runner.withPropertyValues("codex-bridge.session.hibernate-after=-1s")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.session.hibernate-after must be 0 (never) or at least 1s (is -1s)"));
        runner.withPropertyValues("codex-bridge.session.hibernate-after=500ms")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.session.hibernate-after must be 0 (never) or at least 1s (is 500ms)"));
        for (String accepted : new String[] {"0", "1s", "30m"}) {
            runner.withPropertyValues(NO_CODEX, "codex-bridge.session.hibernate-after=" + accepted)
                    .run(c -> assertThat(c).hasNotFailed().hasSingleBean(CodexSessions.class));
        }
    }

    @Test
    void aRecycleBoundIsNeverNegativeAndItsHoldIsPositive() {
        runner.withPropertyValues("codex-bridge.process.recycle-after=-1")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.process.recycle-after").hasMessageContaining("must not be negative"));
        runner.withPropertyValues("codex-bridge.process.recycle-hold=0s")
                .run(c -> failure(c).hasMessageContaining("recycle-hold").hasMessageContaining("must be positive"));
    }

    @Test
    void theRecycleBoundsReachCodexsLaunch() {
        ProcessProperties p = new ProcessProperties();
        assertThat(PropertiesMapping.launch(p).recycle().enabled()).as("off by default").isFalse();
        p.setRecycleAfter(500);
        p.setRecycleAboveMib(256);
        p.setRecycleHold(Duration.ofSeconds(20));
        assertThat(PropertiesMapping.launch(p).recycle()).isEqualTo(new AppServerRecycle(500, 256L << 20, Duration.ofSeconds(20)));
    }

    @Test
    void hibernateAfterIsCheckedWithTheApplicationsOwnClientToo() {
        // the starter's own pool bean, which validates the properties, is not made: the session factory checks its own
        runner.withBean(CodexPool.class, () -> CodexPool.builder().endpoint("own", CodexEndpoint.parse("ws://127.0.0.1:1")).build())
                .withPropertyValues(NO_CODEX, "codex-bridge.session.hibernate-after=-5s")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.session.hibernate-after must be 0 (never) or at least 1s (is -5s)"));
    }

    @Test
    void codexsOwnSettingsAreCheckedByName() {
        runner.withPropertyValues("codex-bridge.session.ask-for-approval=sometimes")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.session.*").hasMessageContaining("sometimes"));
    }

    @Test
    void aPoolAlwaysReconnects() {
        runner.withPropertyValues("codex-bridge.pool.endpoints.a.url=ws://127.0.0.1:4500", "codex-bridge.reconnect.enabled=false")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.reconnect.enabled=false does not apply to a pool"));
    }

    @Test
    void migrationNeedsAHostConfigAndAnOwnProcess() {
        runner.withPropertyValues("codex-bridge.migration.enabled=true")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.migration.enabled=true needs codex-bridge.migration.host-config"));
        runner.withPropertyValues("codex-bridge.migration.enabled=true", "codex-bridge.migration.host-config=/tmp/mcp.json",
                        "codex-bridge.endpoint.url=ws://127.0.0.1:4500")
                .run(c -> failure(c).hasMessageContaining("needs a codex the application starts itself"));
    }

    @Test
    void migrationWithoutTheMigratorOnTheClassPathSaysWhichArtifactToAdd() {
        runner.withClassLoader(new FilteredClassLoader("dev.codexbridge.config"))
                .withPropertyValues("codex-bridge.migration.enabled=true", "codex-bridge.migration.host-config=/tmp/mcp.json")
                .run(c -> failure(c).hasMessageContaining("needs dev.codexbridge:codex-bridge-migration on the class path"));
    }

    @Test
    void everyProblemIsListedAtOnce() {
        runner.withPropertyValues("codex-bridge.max-threads-per-connection=0", "codex-bridge.endpoint.url=ws://127.0.0.1:4500",
                        "codex-bridge.endpoint.max-threads=3")
                .run(c -> failure(c)
                        .hasMessageStartingWith("Invalid codex-bridge properties:")
                        .hasMessageContaining("max-threads-per-connection must be at least 1")
                        .hasMessageContaining("codex-bridge.endpoint.max-threads applies to pool endpoints only")
                        .hasMessageContaining("docs/spring-boot.md"));
    }

    @Test
    void disabledMeansNoBeans() {
        runner.withPropertyValues("codex-bridge.enabled=false", "codex-bridge.max-threads-per-connection=0")
                .run(c -> {
                    assertThat(c).hasNotFailed();
                    assertThat(c).doesNotHaveBean(CodexClient.class).doesNotHaveBean(CodexPool.class)
                            .doesNotHaveBean(CodexSessions.class);
                });
    }

    @Test
    void aMissingBinaryFailsWithTheLibrarysAdvice() {
        runner.withPropertyValues("codex-bridge.process.binary=" + tmp.resolve("no-codex-here"))
                .run(c -> failure(c).hasMessageContaining("codex-bridge.process.binary: " + tmp.resolve("no-codex-here") + " does not exist"));
    }

    /** A pool on a port nothing listens on: its bean is made without connecting, so no codex is started whatever follows. */
    private static final String NO_CODEX = "codex-bridge.pool.endpoints.a.url=ws://127.0.0.1:1";

    @Test
    void aStoresSettingsGoWithItsType() {
        runner.withPropertyValues("codex-bridge.store.disk.path=" + tmp, "codex-bridge.store.postgresql.url=jdbc:postgresql://db/app")
                .run(c -> failure(c)
                        .hasMessageContaining("codex-bridge.store.disk.path is set but codex-bridge.store.type is none: set "
                                + "codex-bridge.store.type=disk")
                        .hasMessageContaining("codex-bridge.store.postgresql.* is set but codex-bridge.store.type is none"));
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=disk", "codex-bridge.store.postgresql.username=app")
                .run(c -> failure(c)
                        .hasMessageContaining("codex-bridge.store.type=disk needs codex-bridge.store.disk.path")
                        .hasMessageContaining("codex-bridge.store.postgresql.* is set but codex-bridge.store.type is disk"));
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=postgresql", "codex-bridge.store.postgresql.password=secret")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.store.postgresql.username and .password go with "
                        + "codex-bridge.store.postgresql.url").hasMessageNotContaining("secret"));
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=postgresql", "codex-bridge.store.postgresql.url=postgres://db?password=secret")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.store.postgresql.url must be a PostgreSQL JDBC URL")
                        .hasMessageNotContaining("secret"));
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=postgresql", "codex-bridge.store.postgresql.url=jdbc:postgresql://db/app",
                        "codex-bridge.store.postgresql.require-data-source-timeouts=false")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.store.postgresql.require-data-source-timeouts is about the "
                        + "application's DataSource; with codex-bridge.store.postgresql.url the store's own pool waits the lease time"));
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=disk", "codex-bridge.store.disk.path=" + tmp,
                        "codex-bridge.store.postgresql.require-data-source-timeouts=false")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.store.postgresql.* is set but codex-bridge.store.type is disk"));
    }

    @Test
    void aLeaseShorterThanTheStoresMinimumAndABlankHolderAreRefused() {
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=disk", "codex-bridge.store.disk.path=" + tmp,
                        "codex-bridge.store.lease-time=4s", "codex-bridge.store.holder= ", "codex-bridge.shutdown.await-store=-1s",
                        "codex-bridge.store.keep-slept-copy=-1s", "codex-bridge.store.retention.tenants.trial=0s",
                        "codex-bridge.store.retention.sweep-every=-5m")
                .run(c -> failure(c)
                        .hasMessageContaining("codex-bridge.store.lease-time must be at least 5s (is 4s)")
                        .hasMessageContaining("codex-bridge.store.keep-slept-copy must be 0s or more")
                        .hasMessageContaining("codex-bridge.store.retention.tenants needs codex-bridge.store.retention.keep-for")
                        .hasMessageContaining("codex-bridge.store.retention.tenants.trial must be positive")
                        .hasMessageContaining("codex-bridge.store.retention.sweep-every must be positive")
                        .hasMessageContaining("codex-bridge.store.holder must not be blank")
                        .hasMessageContaining("codex-bridge.shutdown.await-store must not be negative"));
    }

    @Test
    void retentionRunsOnlyWithAKeepForAndSweepsTheStore() {
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=disk", "codex-bridge.store.disk.path=" + tmp.resolve("kept"))
                .run(c -> assertThat(c).hasNotFailed().doesNotHaveBean(dev.codexbridge.store.ConversationRetention.class));
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=disk", "codex-bridge.store.disk.path=" + tmp.resolve("swept"),
                        "codex-bridge.store.retention.keep-for=30d", "codex-bridge.store.retention.tenants.trial=1d")
                .run(c -> {
                    assertThat(c).hasNotFailed().hasSingleBean(dev.codexbridge.store.ConversationRetention.class);
                    assertThat(c.getBean(dev.codexbridge.store.ConversationRetention.class).sweep().examined()).isZero();
                });
    }

    @Test
    void aDiskStoreThatCannotOpenIsNamed() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a folder");
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=disk", "codex-bridge.store.disk.path=" + file)
                .run(c -> failure(c).hasMessageStartingWith("codex-bridge.store.disk.path " + file + ": the store cannot be opened"));
    }

    @Test
    void postgresqlWithoutItsArtifactSaysWhichToAdd() {
        runner.withClassLoader(new FilteredClassLoader("dev.codexbridge.store.postgresql"))
                .withPropertyValues(NO_CODEX, "codex-bridge.store.type=postgresql", "codex-bridge.store.postgresql.url=jdbc:postgresql://db/app")
                .run(c -> failure(c).hasMessageContaining("needs dev.codexbridge:codex-bridge-store-postgresql on the class path"));
    }

    @Test
    void postgresqlWithoutAUrlNeedsTheApplicationsDataSource() {
        runner.withPropertyValues(NO_CODEX, "codex-bridge.store.type=postgresql")
                .run(c -> failure(c).hasMessageContaining("codex-bridge.store.type=postgresql needs codex-bridge.store.postgresql.url, "
                        + "or a DataSource bean of the application's"));
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> failure(AssertableApplicationContext c) {
        assertThat(c).hasFailed();
        Throwable t = c.getStartupFailure();
        while (t != null && !(t instanceof CodexPropertiesException)) {
            t = t.getCause();
        }
        assertThat(t).as("a CodexPropertiesException in %s", c.getStartupFailure()).isNotNull();
        return assertThat(t);
    }
}
