package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.MatrixCodex;
import dev.codexbridge.support.Slow;
import dev.codexbridge.testkit.Scenario;
import dev.codexbridge.testkit.ScenarioRunner;
import dev.codexbridge.testkit.Scenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario against each release the matrix keeps beside the pinned one ({@link MatrixCodex}:
 * the previous pin and 0.130.0, each in its own folder the build installed), each behaving exactly
 * as {@code fixtures/compatibility/VERSION.json} (and docs/compatibility.md) says. With
 * {@code -Dcodexbridge.compatSurvey=DIR} nothing is checked: what each scenario did on the
 * compatibility version ({@code -Dcodexbridge.compatVersion}, the release bin/codex-release names)
 * is written to {@code DIR/VERSION.json} in the fixture's format, for {@code bin/codex-release} to
 * report and a maintainer to commit.
 */
@Slow("every recorded scenario on each release the matrix keeps (21 scenarios on 0.169.0 and 0.130.0): about 35 s on two quiet cores")
class CompatibilityLiveTest {
    /** The folder a survey is written to, or null to check against the committed matrix. */
    static final String SURVEY = System.getProperty("codexbridge.compatSurvey");
    private static final Map<String, Map<String, ObjectNode>> SURVEYED = new ConcurrentHashMap<>();

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicContainer> everyScenarioOnEachReleaseOfTheMatrixBehavesAsDocumented() throws Exception {
        LiveCodex.binary();
        List<DynamicContainer> releases = new ArrayList<>();
        for (MatrixCodex release : MatrixCodex.all()) {
            releases.add(DynamicContainer.dynamicContainer(release.toString(), scenarios(release)));
        }
        return releases.stream();
    }

    private Stream<DynamicTest> scenarios(MatrixCodex release) throws Exception {
        Path codex = release.binary();
        String version = release.version();
        if (SURVEY != null) {
            Map<String, ObjectNode> surveyed = SURVEYED.computeIfAbsent(version, v -> new ConcurrentHashMap<>());
            return Scenarios.all().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> surveyed.put(s.name(), survey(s, codex, version))));
        }
        Path committed = Paths.get("fixtures", "compatibility", version + ".json");
        assertThat(committed).as("no matrix for codex %s: survey it with bin/codex-release %s (docs/compatibility.md)", version, version)
                .exists();
        JsonNode matrix = Json.parse(Files.readString(committed));
        assertThat(matrix.path("scenarios").size()).isEqualTo(Scenarios.all().size());
        return Scenarios.all().stream().map(s -> DynamicTest.dynamicTest(s.name(),
                () -> check(s, codex, version, matrix.path("scenarios").path(s.name()))));
    }

    private void check(Scenario s, Path codex, String version, JsonNode expected) throws Exception {
        assertThat(expected.isObject()).as("%s is in the compatibility matrix of %s", s.name(), version).isTrue();
        ScenarioRunner.Outcome outcome = ScenarioRunner.record(s, codex, tmp.resolve(version + "-" + s.name() + ".jsonl"));
        String status = expected.path("status").asText();
        if ("passes".equals(status)) {
            assertThat(outcome.failures()).as("%s on codex %s", s.name(), version).isEmpty();
        } else if ("varies".equals(status)) {
            // documented as passing on a quiet machine and not always under load: when it does not pass, it fails as documented
            if (!outcome.ok()) {
                assertThat(String.join("\n", outcome.failures())).as("%s on codex %s", s.name(), version)
                        .contains(expected.path("symptom").asText());
            }
        } else {
            assertThat(outcome.ok()).as("%s is documented as differing on %s but passed", s.name(), version).isFalse();
            assertThat(String.join("\n", outcome.failures())).contains(expected.path("symptom").asText());
        }
    }

    /** What {@code s} did on this codex: passes, or differs with its first failure as the symptom (all of them under failures). */
    private ObjectNode survey(Scenario s, Path codex, String version) {
        ObjectNode o = Json.object();
        List<String> failures;
        try {
            failures = ScenarioRunner.record(s, codex, tmp.resolve(version + "-" + s.name() + ".jsonl")).failures();
        } catch (Exception e) {
            failures = List.of(e.getClass().getSimpleName() + ": " + e.getMessage());
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
        if (SURVEY == null) {
            return;
        }
        for (Map.Entry<String, Map<String, ObjectNode>> release : SURVEYED.entrySet()) {
            writeSurvey(release.getKey(), release.getValue());
        }
    }

    private static void writeSurvey(String version, Map<String, ObjectNode> surveyed) throws Exception {
        ObjectNode doc = Json.object();
        doc.put("codexVersion", version);
        doc.put("about", "How each scenario behaved on codex " + version + " with codex-bridge pinned to " + CodexVersion.PINNED
                + ", surveyed by CompatibilityLiveTest for bin/codex-release. To keep it in the matrix: copy it to fixtures/compatibility/, "
                + "give each 'differs' a 'why' and drop the 'failures'; CompatibilityLiveTest checks it on every build once the pom names "
                + version + " (codex.previous.version, or codex.compat.version).");
        ObjectNode scenarios = doc.putObject("scenarios");
        Scenarios.all().forEach(s -> {
            if (surveyed.containsKey(s.name())) {
                scenarios.set(s.name(), surveyed.get(s.name()));
            }
        });
        Path out = Paths.get(SURVEY, version + ".json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, Json.mapper().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n");
    }
}
