package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.Scenario;
import dev.codexbridge.testkit.ScenarioRunner;
import dev.codexbridge.testkit.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-records every scenario with the pinned codex and compares it structurally with the committed
 * fixture (the same messages, in each direction, in the same order), so protocol drift shows the
 * day the pin moves. {@code -Dcodexbridge.recordFixtures=true} rewrites {@code fixtures/*.jsonl}.
 */
class FixtureRecordingLiveTest {
    private static final boolean RECORD = Boolean.getBoolean("codexbridge.recordFixtures");
    static final Path FIXTURES = Paths.get(System.getProperty("codexbridge.fixturesDir", "fixtures"));

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyScenarioStillRecordsTheSameConversation() {
        Path codex = LiveCodex.binary();
        return Scenarios.all().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> {
            Path out = RECORD ? FIXTURES.resolve(s.name() + ".jsonl") : tmp.resolve(s.name() + ".jsonl");
            ScenarioRunner.Outcome outcome = ScenarioRunner.record(s, codex, out);
            assertThat(outcome.failures()).as("recording %s", s.name()).isEmpty();
            if (!RECORD) {
                assertThat(shape(out)).as("shape of %s against the committed fixture", s.name())
                        .isEqualTo(shape(FIXTURES.resolve(s.name() + ".jsonl")));
            }
        }));
    }

    /** One line per message: connection, direction, and what it is (method, or answer/error). */
    static List<String> shape(Path fixture) throws Exception {
        List<String> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(fixture);
        for (String line : lines.subList(1, lines.size())) {
            JsonNode l = Json.parse(line);
            JsonNode m = l.path("msg");
            String what = m.has("method") ? m.get("method").asText() + (m.has("id") ? " (request)" : "")
                    : m.has("error") ? "error answer" : "answer";
            out.add(l.path("conn").asInt() + " " + l.path("dir").asText() + " " + what);
        }
        return out;
    }
}
