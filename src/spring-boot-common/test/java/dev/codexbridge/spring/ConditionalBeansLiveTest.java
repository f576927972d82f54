package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.telemetry.CodexTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * What the auto-configuration builds depends on the class path and on the application's beans, each
 * against the real codex (offline, the test kit's scripted model): the application's own client and
 * telemetry hooks win, an OpenTelemetry bean turns telemetry on, a class path without Actuator,
 * Micrometer or OpenTelemetry still starts a client, the migration runs before codex starts. These
 * are the Spring Boot version's conditions at work, so every starter module runs them.
 */
class ConditionalBeansLiveTest extends OwnCodexContexts {
    @Test
    void theApplicationsOwnClientWins() {
        runner.withPropertyValues("codex-bridge.max-threads-per-connection=0")      // not used: the starter makes no client
                .withBean(CodexClient.class, () -> CodexClient.builder()
                        .process(CodexLaunch.appServer(binary).codexHome(home).build()).maxThreads(11).connect())
                .run(c -> {
                    assertThat(c).hasNotFailed().hasSingleBean(CodexClient.class);
                    assertThat(c.getBean(CodexClient.class).maxThreads()).isEqualTo(11);
                    assertThat(c.getBean(CodexSessions.class).open(b -> b.replaceThreadOptions(dev.codexbridge.session.ThreadOptions.in(work)))
                            .client()).isSameAs(c.getBean(CodexClient.class));
                });
    }

    @Test
    void withoutActuatorMicrometerOrOpenTelemetryTheClientStillStarts() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CodexBridgeAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(Actuator.HEALTH_PACKAGE, "io.micrometer", "io.opentelemetry"))
                .withPropertyValues(ownProcess())
                .run(c -> {
                    assertThat(c).hasNotFailed().hasSingleBean(CodexClient.class).hasSingleBean(CodexSessions.class)
                            .doesNotHaveBean(Actuator.HEALTH_CONTRIBUTOR).doesNotHaveBean(MeterBinder.class)
                            .doesNotHaveBean(CodexTelemetry.class);
                    assertThat(c.getBean(CodexSessions.class).open().threadId()).isNotBlank();
                });
    }

    @Test
    void anOpenTelemetryBeanTurnsTelemetryOn() {
        runner.withPropertyValues(ownProcess("codex-bridge.telemetry.capture-content=true"))
                .withBean(OpenTelemetry.class, OpenTelemetry::noop)
                .run(c -> {
                    assertThat(c).hasNotFailed().hasSingleBean(CodexTelemetry.class);
                    assertThat(c.getBean(CodexTelemetry.class).capturesContent()).isTrue();
                    assertThat(c.getBean(CodexClient.class).options().telemetry()).isSameAs(c.getBean(CodexTelemetry.class));
                });
        runner.withPropertyValues(ownProcess())
                .run(c -> assertThat(c.getBean(CodexClient.class).options().telemetry()).as("no OpenTelemetry bean").isNull());
    }

    @Test
    void anApplicationsOwnTelemetryHooksWin() {
        TelemetryHooks own = new TelemetryHooks() { };
        runner.withPropertyValues(ownProcess())
                .withBean(OpenTelemetry.class, OpenTelemetry::noop)
                .withBean(TelemetryHooks.class, () -> own)
                .run(c -> {
                    assertThat(c).hasNotFailed().doesNotHaveBean(CodexTelemetry.class);
                    assertThat(c.getBean(CodexClient.class).options().telemetry()).isSameAs(own);
                });
    }

    @Test
    void theMigrationRunsBeforeCodexStarts() throws Exception {
        Path mcp = Files.writeString(tmp.resolve("mcp.json"), "{\"mcpServers\": {\"notes\": {\"command\": \"cat\", \"args\": []}}}");
        runner.withPropertyValues(ownProcess("codex-bridge.migration.enabled=true", "codex-bridge.migration.host-config=" + mcp))
                .run(c -> {
                    assertThat(c).hasNotFailed();
                    CodexStartupMigration migration = c.getBean(CodexStartupMigration.class);
                    assertThat(migration.hasErrors()).isFalse();
                    assertThat(migration.summary()).contains("notes");
                    assertThat(Files.readString(home.resolve("config.toml"))).contains("[mcp_servers.notes]");
                });
        runner.withPropertyValues(ownProcess())
                .run(c -> assertThat(c).doesNotHaveBean(CodexStartupMigration.class));
    }
}
