package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.cli.Main;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.OtlpReceiver;
import dev.codexbridge.support.OtlpReceiver.ReceivedSpan;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code codex-bridge run} in a process of its own with the standard {@code OTEL_*} environment:
 * its spans reach an OTLP/HTTP receiver before it exits, in one trace with codex's own (codex
 * exporting to the same receiver); without an exporter variable no OpenTelemetry class loads.
 */
class OtelEnvironmentLiveTest {
    @TempDir
    Path tmp;

    @Test
    void runExportsTheTurnsSpansOnExitInOneTraceWithCodexs() throws Exception {
        oneTrace(LiveCodex.binary(), true);
    }

    /**
     * The same with codex 0.130.0 (docs/compatibility.md): it parents its spans on the CLI's the
     * same way; it runs the scripted escalated command without asking, so there is no approval span.
     */
    @Test
    void oneTraceWithCodex0130() throws Exception {
        LiveCodex.binary();
        Path dir = Paths.get(System.getProperty("codexbridge.compatDir", ".codex-cli-0.130.0"));
        oneTrace(CodexLocator.findInInstall(dir).orElseThrow(() -> new AssertionError("codex 0.130.0 not installed in " + dir)), false);
    }

    private void oneTrace(Path codex, boolean asks) throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             OtlpReceiver receiver = OtlpReceiver.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request")
                    .extraToml(receiver.codexOtelToml()).write();
            model.enqueue(ModelReply.builder().execCommandEscalated("call-cmd", "echo traced", "Need to run it").build(),
                    ModelReply.message("done"));
            Child run = cli(codex, home, Map.of("OTEL_TRACES_EXPORTER", "otlp",
                    "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.baseUrl().toString(),
                    "OTEL_SERVICE_NAME", "cli-under-test"), List.of(), "--approve", "once");
            assertThat(run.exit()).as(run.output()).isZero();

            // the CLI's spans are there as soon as it has exited: it flushed them itself
            List<ReceivedSpan> cli = receiver.spans().stream().filter(s -> s.service().equals("cli-under-test")).toList();
            assertThat(cli).as("the CLI's spans among %s; its output:%n%s", receiver.spans(), run.output()).isNotEmpty();
            ReceivedSpan root = only(cli, "codex-bridge run");
            ReceivedSpan turn = only(cli, "invoke_agent codex");
            ReceivedSpan command = only(cli, "execute_tool commandExecution");
            assertThat(root.parentSpanId()).isEmpty();
            assertThat(root.attributes()).containsEntry("process.exit.code", "0");
            assertThat(turn.traceId()).isEqualTo(root.traceId());
            assertThat(turn.parentSpanId()).isEqualTo(root.spanId());
            assertThat(command.parentSpanId()).isEqualTo(turn.spanId());
            if (asks) {
                assertThat(only(cli, "await_approval").parentSpanId()).isEqualTo(command.spanId());
            } else {
                assertThat(cli).noneMatch(s -> s.name().equals("await_approval"));
            }

            // codex (a child of the CLI, flushing as it exits) handled turn/start under the turn's span
            await().atMost(Duration.ofSeconds(60)).until(() -> rpc(receiver.spans(), "turn/start") != null);
            ReceivedSpan turnStart = rpc(receiver.spans(), "turn/start");
            assertThat(turnStart.service()).isNotEqualTo("cli-under-test");
            assertThat(turnStart.traceId()).isEqualTo(root.traceId());
            assertThat(turnStart.parentSpanId()).isEqualTo(turn.spanId());
            // with no MCP server configured codex ends its thread/start span at once, so it is
            // exported too, under the turn that opened the thread (docs/observability.md)
            await().atMost(Duration.ofSeconds(90)).until(() -> rpc(receiver.spans(), "thread/start") != null);
            ReceivedSpan threadStart = rpc(receiver.spans(), "thread/start");
            assertThat(threadStart.traceId()).isEqualTo(root.traceId());
            assertThat(threadStart.parentSpanId()).isEqualTo(turn.spanId());
        }
    }

    @Test
    void withoutAnExporterVariableNoOpenTelemetryClassIsLoaded() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            model.enqueue(ModelReply.message("done"));
            // an endpoint alone names no exporter, nor does an exporter set to none
            Child run = cli(LiveCodex.binary(), home, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9", "OTEL_TRACES_EXPORTER", "none"),
                    List.of("-Xlog:class+load=info:file=" + tmp.resolve("classes.log")), "--json");
            assertThat(run.exit()).as(run.output()).isZero();
            assertThat(run.output()).contains("\"finalText\":\"done\"");
            String loaded = Files.readString(tmp.resolve("classes.log"));
            assertThat(loaded).contains("dev.codexbridge.cli.RunCommand").doesNotContain("io.opentelemetry");
        }
    }

    private record Child(int exit, String output) {
    }

    /** {@code codex-bridge run "run it"} in a new JVM on this test's class path, with exactly these OTEL_* variables. */
    private Child cli(Path codex, Path home, Map<String, String> otel, List<String> jvmOptions, String... more) throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "run it",
                "--codex-bin", codex.toString(), "--codex-home", home.toString(), "--cwd", work.toString(),
                "--timeout", "120"));
        command.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("cli.out").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("OTEL_"));
        pb.environment().putAll(otel);
        Process child = pb.start();
        assertThat(child.waitFor(180, TimeUnit.SECONDS)).as("the CLI exited").isTrue();
        return new Child(child.exitValue(), Files.readString(tmp.resolve("cli.out"), StandardCharsets.UTF_8));
    }

    private static ReceivedSpan only(List<ReceivedSpan> spans, String name) {
        List<ReceivedSpan> named = spans.stream().filter(s -> s.name().equals(name)).toList();
        assertThat(named).as("spans named %s among %s", name, spans.stream().map(ReceivedSpan::name).toList()).hasSize(1);
        return named.get(0);
    }

    /** codex's server span for the request with that method. */
    private static ReceivedSpan rpc(List<ReceivedSpan> spans, String method) {
        return spans.stream().filter(s -> method.equals(s.attributes().get("rpc.method"))).findFirst().orElse(null);
    }
}
