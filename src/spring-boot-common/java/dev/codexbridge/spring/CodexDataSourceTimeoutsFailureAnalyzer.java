package dev.codexbridge.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an application's pool that would hold the store's requests too long into Spring Boot's
 * "APPLICATION FAILED TO START" report: the properties to set are the application's
 * {@code spring.datasource.*}, not codex-bridge.* (CodexPropertiesFailureAnalyzer's advice).
 */
final class CodexDataSourceTimeoutsFailureAnalyzer extends AbstractFailureAnalyzer<CodexDataSourceTimeoutsException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, CodexDataSourceTimeoutsException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Set the spring.datasource.* properties named above (a DataSource the application builds itself: "
                        + "HikariConfig.setConnectionTimeout and addDataSourceProperty(\"socketTimeout\", ...)). Or give the store a "
                        + "pool of its own with codex-bridge.store.postgresql.url, or set " + DataSourceTimeouts.REQUIRE
                        + "=false to start with a warning instead (docs/spring-boot.md, \"Conversations in a store\").", cause);
    }
}
