package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.OtlpReceiver;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the pinned codex does with the {@code [otel]} keys docs/observability.md shows besides
 * {@code trace_exporter}: {@code exporter} (its logs) and {@code metrics_exporter}, each pointed
 * at the in-test receiver's own path, JSON.
 */
class CodexOtelExportKeysLiveTest {
    @TempDir
    Path tmp;

    @Test
    void logsAndMetricsArriveWhereTheKeysPointThem() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start();
             OtlpReceiver receiver = OtlpReceiver.start()) {
            String base = receiver.baseUrl().toString();
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).extraToml("[otel]\n"
                    + "environment = \"test\"\n"
                    + "exporter = { otlp-http = { endpoint = \"" + base + "/v1/logs\", protocol = \"json\" } }\n"
                    + "metrics_exporter = { otlp-http = { endpoint = \"" + base + "/v1/metrics\", protocol = \"json\" } }\n").write();
            model.enqueue(ModelReply.message("done"));
            TurnResult r;
            try (CodexClient client = CodexClient.connect(CodexClient.builder()
                    .process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).build()).options());
                 CodexSession session = CodexSession.builder().client(client)
                         .cwd(Files.createDirectories(tmp.resolve("work"))).build()) {
                r = session.runTurn(TurnInput.text("hello"));
            }
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            // codex flushes as it exits (the client's close stopped it)
            await().atMost(Duration.ofSeconds(90)).until(() -> receiver.posts().containsKey("/v1/logs json")
                    && receiver.posts().containsKey("/v1/metrics json"));
            assertThat(receiver.posts()).as("no trace_exporter key: no traces").doesNotContainKey("/v1/traces json");
            assertThat(receiver.failures()).isEmpty();
        }
    }
}
