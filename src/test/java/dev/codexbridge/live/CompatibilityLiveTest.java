package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario against a codex installed beside the pinned one — 0.130.0 unless
 * {@code -Dcodexbridge.compatVersion} (the pom's {@code codex.compat.version}) names another, in
 * {@code -Dcodexbridge.compatDir} — each behaving exactly as {@code fixtures/compatibility/VERSION.json}
 * (and docs/compatibility.md) says. With {@code -Dcodexbridge.compatSurvey=DIR} nothing is checked:
 * what each scenario did is written to {@code DIR/VERSION.json} in the fixture's format, for
 * {@code bin/codex-release} to report and a maintainer to commit.
 */
class CompatibilityLiveTest {
    static final String VERSION = System.getProperty("codexbridge.compatVersion", "0.130.0");
    /** The folder a survey is written to, or null to check against the committed matrix. */
    static final String SURVEY = System.getProperty("codexbridge.compatSurvey");
    private static final Map<String, ObjectNode> SURVEYED = new ConcurrentHashMap<>();

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyScenarioOnTheCompatibilityVersionBehavesAsDocumented() throws Exception {
        LiveCodex.binary();
        Path codex = binary();
        Path committed = Paths.get("fixtures", "compatibility", VERSION + ".json");
        if (SURVEY != null) {
            return Scenarios.all().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> SURVEYED.put(s.name(), survey(s, codex))));
        }
        assertThat(committed).as("no matrix for codex %s: survey it with bin/codex-release %s (docs/compatibility.md)", VERSION, VERSION)
                .exists();
        JsonNode matrix = Json.parse(Files.readString(committed));
        assertThat(matrix.path("scenarios").size()).isEqualTo(Scenarios.all().size());
        return Scenarios.all().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> check(s, codex, matrix.path("scenarios").path(s.name()))));
    }

    /** The compatibility version's binary, checked to report that version. */
    static Path binary() {
        Path dir = Paths.get(System.getProperty("codexbridge.compatDir", ".codex-cli-" + VERSION));
        Path codex = CodexLocator.findInInstall(dir).orElseThrow(() -> new AssertionError("codex " + VERSION + " not installed in " + dir));
        assertThat(CodexVersionProbe.probe(codex, Duration.ofSeconds(20))).isEqualTo(CodexVersion.parse(VERSION).orElseThrow());
        return codex;
    }

    private void check(Scenario s, Path codex, JsonNode expected) throws Exception {
        assertThat(expected.isObject()).as("%s is in the compatibility matrix", s.name()).isTrue();
        ScenarioRunner.Outcome outcome = ScenarioRunner.record(s, codex, tmp.resolve(s.name() + ".jsonl"));
        if ("passes".equals(expected.path("status").asText())) {
            assertThat(outcome.failures()).as("%s on codex %s", s.name(), VERSION).isEmpty();
        } else {
            assertThat(outcome.ok()).as("%s is documented as differing on %s but passed", s.name(), VERSION).isFalse();
            assertThat(String.join("\n", outcome.failures())).contains(expected.path("symptom").asText());
        }
    }

    /** What {@code s} did on this codex: passes, or differs with its first failure as the symptom (all of them under failures). */
    private ObjectNode survey(Scenario s, Path codex) {
        ObjectNode o = Json.object();
        java.util.List<String> failures;
        try {
            failures = ScenarioRunner.record(s, codex, tmp.resolve(s.name() + ".jsonl")).failures();
        } catch (Exception e) {
            failures = java.util.List.of(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (failures.isEmpty()) {
            return o.put("status", "passes");
        }
        String first = failures.get(0).replace(tmp.toString(), "<tmp>").lines().findFirst().orElse("");
        o.put("status", "differs").put("symptom", first.length() > 200 ? first.substring(0, 200) : first);
        failures.forEach(f -> o.withArray("failures").add(f.replace(tmp.toString(), "<tmp>")));
        return o;
    }

    @AfterAll
    static void writeSurvey() throws Exception {
        if (SURVEY == null || SURVEYED.isEmpty()) {
            return;
        }
        ObjectNode doc = Json.object();
        doc.put("codexVersion", VERSION);
        doc.put("about", "How each scenario behaved on codex " + VERSION + " with codex-bridge pinned to " + CodexVersion.PINNED
                + ", surveyed by CompatibilityLiveTest for bin/codex-release. To keep it in the matrix: copy it to fixtures/compatibility/, "
                + "give each 'differs' a 'why' and drop the 'failures'; CompatibilityLiveTest then checks it with -Dcodex.compat.version="
                + VERSION + ".");
        ObjectNode scenarios = doc.putObject("scenarios");
        Scenarios.all().forEach(s -> {
            if (SURVEYED.containsKey(s.name())) {
                scenarios.set(s.name(), SURVEYED.get(s.name()));
            }
        });
        Path out = Paths.get(SURVEY, VERSION + ".json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, Json.mapper().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n");
    }
}
