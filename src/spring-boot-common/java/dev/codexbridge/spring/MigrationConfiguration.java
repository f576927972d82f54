package dev.codexbridge.spring;

import dev.codexbridge.CodexException;
import dev.codexbridge.config.ConfigMigrator;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.internal.SafeLogger;
import org.slf4j.Logger;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application's MCP servers migrated into the codex process's {@code CODEX_HOME} before codex
 * starts. Only with the migrator on the class path (it brings the TOML, YAML and diff parsers a
 * host that only runs sessions does not need).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = MigrationConfiguration.MIGRATOR)
@ConditionalOnProperty(prefix = "codex-bridge.migration", name = "enabled", havingValue = "true")
class MigrationConfiguration {
    static final String MIGRATOR = "dev.codexbridge.config.ConfigMigrator";
    private static final Logger LOG = SafeLogger.getLogger(MigrationConfiguration.class);

    @Bean
    CodexStartupMigration codexStartupMigration(CodexBridgeProperties properties) {
        PropertiesMapping.validate(properties);
        MigrationProperties m = properties.getMigration();
        ConfigMigrator.Builder b = ConfigMigrator.builder().hostConfig(HostMcpConfig.read(m.getHostConfig()));
        if (properties.getProcess().getCodexHome() != null) {
            b.codexHome(properties.getProcess().getCodexHome());
        }
        MigrationReport report = b.build().migrate(m.isDryRun());
        LOG.info("codex-bridge migration ({}): {}", report.outcome(), report.summary());
        if (report.hasErrors() && m.isFailOnError()) {
            throw new CodexException("codex-bridge.migration: some MCP servers could not be migrated "
                    + "(codex-bridge.migration.fail-on-error=false starts anyway):\n" + report.summary());
        }
        return new CodexStartupMigration(report.outcome(), report.summary(), report.hasErrors());
    }
}
