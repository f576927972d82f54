package dev.codexbridge.suitecheck;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Whether the tests that start the real codex run in this test JVM. {@code -DskipLiveTests=true}
 * turns them off, except in the top-level classes named (simple names, comma-separated) by
 * {@code -DliveTestsAnyway}: .ci/run's pass on a second JDK runs every test that needs no codex and
 * those live classes in one build. Each module's helper that finds codex for a live test asks
 * {@link #skipped} first; a module whose every class is live (the starters' tests start an
 * application on codex in each) says so ({@code codexbridge.everyClassLive}), and its classes not
 * named are then not run at all.
 *
 * <p>Registered through the service file the modules carry: it notes each top-level class as it
 * starts, before any other extension's callback (Spring's test context included) can reach codex.
 * A fork runs one class at a time, so the class noted is the one running.
 */
public final class LiveTests implements BeforeAllCallback, ExecutionCondition {
    private static volatile String running;

    /** Whether a live test of the class running now is skipped. */
    public static boolean skipped() {
        return Boolean.getBoolean("codexbridge.skipLiveTests") && (running == null || !anyway().contains(running));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (context.getParent().flatMap(ExtensionContext::getParent).isEmpty()) {
            running = context.getRequiredTestClass().getSimpleName();
        }
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestClass().isEmpty() || !Boolean.getBoolean("codexbridge.everyClassLive")
                || !Boolean.getBoolean("codexbridge.skipLiveTests")) {
            return ConditionEvaluationResult.enabled("live tests on, or not every class here is live");
        }
        Class<?> top = context.getRequiredTestClass();
        while (top.getEnclosingClass() != null) {
            top = top.getEnclosingClass();
        }
        return anyway().contains(top.getSimpleName()) ? ConditionEvaluationResult.enabled("named by -DliveTestsAnyway")
                : ConditionEvaluationResult.disabled("every class here is live, and live tests are off (-DskipLiveTests)");
    }

    private static Set<String> anyway() {
        return Arrays.stream(System.getProperty("codexbridge.liveTestsAnyway", "").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }
}
