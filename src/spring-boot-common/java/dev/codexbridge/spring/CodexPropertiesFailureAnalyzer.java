package dev.codexbridge.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link CodexPropertiesException} into Spring Boot's "APPLICATION FAILED TO START"
 * report: the problems as the description, what to do as the action, no stack trace to read.
 */
final class CodexPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<CodexPropertiesException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, CodexPropertiesException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Fix the codex-bridge.* properties named above (application.properties, application.yaml, the environment); "
                        + "docs/spring-boot.md lists them all.", cause);
    }
}
