package dev.codexbridge.spring;

import dev.codexbridge.CodexException;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Each starter is built for one Spring Boot generation (decision 0029). On the other one, parts
 * would go missing without a word (the Spring Boot 3 starter on Spring Boot 4 loses its health
 * indicator: the health types moved), so the start fails instead, naming the artifact to use.
 */
final class SpringBootGeneration {
    private SpringBootGeneration() {
    }

    /** Fails unless the running Spring Boot's major version is {@code major}. */
    static void require(int major, String thisArtifact, String otherArtifact, int otherMajor) {
        check(SpringBootVersion.getVersion(), major, thisArtifact, otherArtifact, otherMajor);
    }

    static void check(String running, int major, String thisArtifact, String otherArtifact, int otherMajor) {
        if (running == null || !running.matches("\\d+(\\..*)?")) {
            return;                                   // no version to read (a repackaged jar): nothing to compare
        }
        int runningMajor = Integer.parseInt(running.split("\\.", 2)[0]);
        if (runningMajor != major) {
            String fix = runningMajor == otherMajor
                    ? "depend on dev.codexbridge:" + otherArtifact + " instead"
                    : "the starters are for Spring Boot " + Math.min(major, otherMajor) + ".x and " + Math.max(major, otherMajor) + ".x";
            throw new Mismatch("dev.codexbridge:" + thisArtifact + " is built for Spring Boot " + major
                    + ".x, and this application runs Spring Boot " + running + ": " + fix + " (docs/spring-boot.md)");
        }
    }

    /** The starter and the application's Spring Boot are of different generations. */
    static final class Mismatch extends CodexException {
        private static final long serialVersionUID = 1L;

        Mismatch(String message) {
            super(message);
        }
    }

    /** The mismatch in Spring Boot's "APPLICATION FAILED TO START" report, with what to do. */
    static final class MismatchFailureAnalyzer extends AbstractFailureAnalyzer<Mismatch> {
        @Override
        protected FailureAnalysis analyze(Throwable rootFailure, Mismatch cause) {
            return new FailureAnalysis(cause.getMessage(), "Depend on the codex-bridge starter of the application's Spring Boot "
                    + "generation (docs/spring-boot.md: which starter for which Spring Boot).", cause);
        }
    }
}
