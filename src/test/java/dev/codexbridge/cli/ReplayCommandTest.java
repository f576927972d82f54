package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.OtlpReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
    @TempDir
    Path tmp;


    @Test
    void replaysFixturesAndFailsWithADiffOnATamperedOne() throws Exception {
        String[] ok = run("replay", "fixtures/simple-turn.jsonl", "fixtures/multi-turn.jsonl", "--json");
        assertThat(ok[0]).isEqualTo("0");
        assertThat(ok[1]).contains("ok      fixtures/simple-turn.jsonl (simple-turn, 1 turn)").contains("\"status\":\"completed\"");

        Path tampered = tmp.resolve("simple-turn.jsonl");
        Files.writeString(tampered, Files.readString(Paths.get("fixtures/simple-turn.jsonl")).replace("\"text\":\"say hello\"", "\"text\":\"say goodbye\""));
        String[] bad = run("replay", tampered.toString());
        assertThat(bad[0]).isEqualTo("1");
        assertThat(bad[1]).contains("FAILED").contains("-").contains("say goodbye").contains("say hello");

        assertThat(run("replay", tmp.resolve("missing.jsonl").toString())[0]).isEqualTo("2");
        assertThat(run("record", "--scenario", "no-such-scenario")[0]).isEqualTo("2");
        assertThat(run("record", "--list")[1]).contains("simple-turn").contains("resume-in-new-process");
    }

    /**
     * With OTEL_* the replayed turns are traced as run's are (in a JVM of its own, which reads
     * that environment): the recorded exchange still matches, since the {@code trace} field a
     * traced request carries is not compared.
     */
    @Test
    void withOtelVariablesTheReplayedTurnsAreTracedAndStillMatch() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            List<String> command = ChildJvm.command();
            command.addAll(List.of("-cp", ChildJvm.classPath(), Main.class.getName(), "replay",
                    "fixtures/command-approval-accept.jsonl"));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("replay.out").toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("OTEL_"));
            pb.environment().putAll(Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.baseUrl().toString()));
            Process child = pb.start();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(tmp.resolve("replay.out"));
            assertThat(child.exitValue()).as(output).isZero();
            assertThat(output).contains("ok      fixtures/command-approval-accept.jsonl");

            List<String> names = receiver.spans().stream().map(OtlpReceiver.ReceivedSpan::name).toList();
            assertThat(names).contains("codex-bridge replay", "invoke_agent codex", "execute_tool commandExecution", "await_approval");
            String trace = receiver.spans().get(0).traceId();
            assertThat(receiver.spans()).allSatisfy(span -> assertThat(span.traceId()).isEqualTo(trace));
        }
    }

    /**
     * A collector that is not there costs the command nothing but a line per failed export: the SDK's
     * failure is one escaped line on stderr instead of java.util.logging's header and stack trace,
     * and the exit code is the replay's.
     */
    @Test
    void anUnreachableCollectorIsOneLineOnStderr() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), Main.class.getName(), "replay", "fixtures/simple-turn.jsonl"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("OTEL_"));
        pb.environment().putAll(Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + closed,
                "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true"));
        Process child = pb.start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(tmp.resolve("err"));
        assertThat(child.exitValue()).as(err).isZero();
        assertThat(Files.readString(tmp.resolve("out"))).contains("ok      fixtures/simple-turn.jsonl");
        // one line per export that failed: the spans usually go in one, but on a slow machine the
        // batch's schedule can send them in two before the command's end flushes the rest
        assertThat(err.lines().toList()).as(err).isNotEmpty().allSatisfy(line -> assertThat(line)
                .startsWith("codex-bridge: OpenTelemetry error: Failed to export ")
                .contains("spans")
                .contains("ConnectException"));
    }
}
