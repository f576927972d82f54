package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.CodexVersionProbe;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.Scenario;
import dev.codexbridge.testkit.ScenarioRunner;
import dev.codexbridge.testkit.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario against codex 0.130.0 (installed by the build next to the pinned one): each
 * behaves exactly as {@code fixtures/compatibility/0.130.0.json} (and docs/compatibility.md) says.
 */
class CompatibilityLiveTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyScenarioOnCodex0130BehavesAsDocumented() throws Exception {
        LiveCodex.binary();
        JsonNode matrix = Json.parse(Files.readString(Paths.get("fixtures", "compatibility", "0.130.0.json")));
        Path dir = Paths.get(System.getProperty("codexbridge.compatDir", ".codex-cli-0.130.0"));
        Path codex = CodexLocator.findInInstall(dir).orElseThrow(() -> new AssertionError("codex 0.130.0 not installed in " + dir));
        assertThat(CodexVersionProbe.probe(codex, Duration.ofSeconds(20))).isEqualTo(new CodexVersion(0, 130, 0));
        assertThat(matrix.path("scenarios").size()).isEqualTo(Scenarios.all().size());
        return Scenarios.all().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> check(s, codex, matrix.path("scenarios").path(s.name()))));
    }

    private void check(Scenario s, Path codex, JsonNode expected) throws Exception {
        assertThat(expected.isObject()).as("%s is in the compatibility matrix", s.name()).isTrue();
        ScenarioRunner.Outcome outcome = ScenarioRunner.record(s, codex, tmp.resolve(s.name() + ".jsonl"));
        if ("passes".equals(expected.path("status").asText())) {
            assertThat(outcome.failures()).as("%s on codex 0.130.0", s.name()).isEmpty();
        } else {
            assertThat(outcome.ok()).as("%s is documented as differing on 0.130.0 but passed", s.name()).isFalse();
            assertThat(String.join("\n", outcome.failures())).contains(expected.path("symptom").asText());
        }
    }
}
