package dev.codexbridge.cli;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * The command line's telemetry: off unless the environment names an OpenTelemetry exporter
 * ({@code OTEL_TRACES_EXPORTER}, {@code OTEL_METRICS_EXPORTER}, {@code OTEL_LOGS_EXPORTER}, or
 * their {@code otel.*} system properties), else the SDK configured from {@code OTEL_*}
 * ({@link OtelSdkTelemetry}). This type holds no OpenTelemetry type, so a run without those
 * variables loads none of OpenTelemetry's classes (decision 0025).
 */
interface CliTelemetry extends AutoCloseable {
    /** The variables, any of which (set, not {@code none}) turns the SDK on. */
    String[] EXPORTER_VARIABLES = {"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"};

    /** Nothing traced, nothing measured. */
    CliTelemetry OFF = new CliTelemetry() {
        @Override
        public CodexClient.Builder client(CodexClient.Builder b) {
            return b;
        }

        @Override
        public CodexSession.Builder session(CodexSession.Builder b) {
            return b;
        }

        @Override
        public int traced(String name, IntSupplier body) {
            return body.getAsInt();
        }

        @Override
        public void close() {
        }
    };

    /** A shared client ({@code --connect}) traces its requests and its sessions' turns. */
    CodexClient.Builder client(CodexClient.Builder b);

    /** A session on a connection of its own traces its turns and its connection's requests. */
    CodexSession.Builder session(CodexSession.Builder b);

    /** Runs the command under a span of that name (the root of the run's trace); returns its exit code. */
    int traced(String name, IntSupplier body);

    /** Ends the SDK: exports what is still buffered, waiting a bounded time. */
    @Override
    void close();

    /** The SDK {@link #startEarly} is starting, until {@link #fromEnvironment} takes it. */
    AtomicReference<CompletableFuture<CliTelemetry>> EARLY = new AtomicReference<>();

    /**
     * Starts the SDK on a thread of its own when {@code env} names an exporter, for the next
     * {@link #fromEnvironment} to take: the process's entry calls it before parsing the command
     * line, so the SDK's start-up (0.1–0.2 s) overlaps the JVM's and picocli's instead of
     * following them.
     */
    static void startEarly(Map<String, String> env) {
        if (!exporterNamed(env)) {
            return;
        }
        CompletableFuture<CliTelemetry> started = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                started.complete(OtelSdkTelemetry.start(env));
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        }, "codex-bridge-telemetry-start");
        t.setDaemon(true);
        EARLY.set(started);
        t.start();
    }

    /**
     * The telemetry this process's environment asks for: the one {@link #startEarly} began, else
     * started here.
     *
     * @throws IllegalArgumentException when the {@code OTEL_*} settings cannot be applied (an
     *     exporter or protocol this command line does not carry)
     */
    static CliTelemetry fromEnvironment(Map<String, String> env) {
        CompletableFuture<CliTelemetry> early = EARLY.getAndSet(null);
        if (early != null) {
            try {
                return early.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw e;
            }
        }
        return exporterNamed(env) ? OtelSdkTelemetry.start(env) : OFF;
    }

    /** Whether an exporter is named and the SDK is not disabled. */
    static boolean exporterNamed(Map<String, String> env) {
        if ("true".equalsIgnoreCase(setting(env, "OTEL_SDK_DISABLED"))) {
            return false;
        }
        for (String name : EXPORTER_VARIABLES) {
            String value = setting(env, name);
            if (value != null && !value.isBlank() && !value.strip().equalsIgnoreCase("none")) {
                return true;
            }
        }
        return false;
    }

    /** The variable, or its system property ({@code OTEL_SDK_DISABLED} as {@code otel.sdk.disabled}), which wins as in the SDK. */
    static String setting(Map<String, String> env, String variable) {
        String property = System.getProperty(variable.toLowerCase(Locale.ROOT).replace('_', '.'));
        return property != null ? property : env.get(variable);
    }
}
