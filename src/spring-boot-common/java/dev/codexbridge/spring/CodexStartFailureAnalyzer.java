package dev.codexbridge.spring;

import dev.codexbridge.process.CodexNotFoundException;
import dev.codexbridge.process.CodexProcessException;
import dev.codexbridge.process.CodexVersion;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a codex that is missing or does not start into Spring Boot's "APPLICATION FAILED TO START"
 * report: the library's message once as the description (it already lists where codex was looked
 * for, or codex's exit and output), and an action that names {@code codex-bridge.process.binary}.
 */
final class CodexStartFailureAnalyzer extends AbstractFailureAnalyzer<CodexProcessException> {
    static final String PROPERTY = "codex-bridge.process.binary";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, CodexProcessException cause) {
        String action = cause instanceof CodexNotFoundException
                ? "Set " + PROPERTY + " to the codex " + CodexVersion.PINNED + " executable, or leave it unset and provide codex "
                        + "in one of the ways listed above: the dependency dev.codexbridge:codex-bridge-codex-PLATFORM needs no Node "
                        + "(docs/embedding.md, \"Finding codex\"; docs/spring-boot.md)."
                : "Check the codex that " + PROPERTY + " names (or, when it is unset, the one located: CODEX_BIN, "
                        + "-Dcodexbridge.codexDir, .codex-cli/, the codex-bridge-codex artifact, PATH): it must be codex "
                        + CodexVersion.PINNED + " and start with the codex-bridge.process.* settings above "
                        + "(docs/spring-boot.md).";
        return new FailureAnalysis(cause.getMessage(), action, cause);
    }
}
