package dev.codexbridge.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a store's database that cannot be reached into Spring Boot's "APPLICATION FAILED TO START"
 * report, telling it from wrong properties: the action is to start the database or mend the
 * network, not to change codex-bridge.* (CodexPropertiesFailureAnalyzer's advice).
 */
final class CodexDatabaseUnreachableFailureAnalyzer extends AbstractFailureAnalyzer<CodexDatabaseUnreachableException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, CodexDatabaseUnreachableException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Start the database at " + cause.database() + ", or check the network between this application and it (host, "
                        + "port, firewall, DNS), then start the application again. The codex-bridge.* properties are not the "
                        + "problem, unless the URL names the wrong host or port.", cause);
    }
}
