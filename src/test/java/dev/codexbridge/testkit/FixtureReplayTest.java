package dev.codexbridge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import dev.codexbridge.client.CodexClient;

/** Every fixture recorded from the real codex replays green through CodexSession, with no process. */
class FixtureReplayTest {
    static final Path FIXTURES = Paths.get(System.getProperty("codexbridge.fixturesDir", "fixtures"));

    static List<Path> fixtureFiles() throws IOException {
        try (Stream<Path> files = Files.list(FIXTURES)) {
            return files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureReplaysThroughItsScenario() throws IOException {
        List<Path> files = fixtureFiles();
        assertThat(files).extracting(p -> p.getFileName().toString().replace(".jsonl", ""))
                .containsExactlyInAnyOrderElementsOf(Scenarios.all().stream().map(Scenario::name).toList());
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            FixtureReplayer r = FixtureReplayer.load(file);
            ScenarioRunner.Outcome outcome = ScenarioRunner.replay(Scenarios.get(r.scenario()), file);
            assertThat(outcome.failures()).isEmpty();
        }));
    }

    @Test
    void aDeliberatelyWrongClientMessageFailsWithADiff() {
        FixtureReplayer replay = FixtureReplayer.load(FIXTURES.resolve("simple-turn.jsonl"));
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(replay.transport()).clientInfo(ScenarioRunner.CLIENT).options()).cwd(Paths.get("/somewhere/else")).build()) {
            TurnResult r = s.runTurn(TurnInput.text("say hello"));
            assertThat(r.completed()).isFalse();
        }
        assertThatThrownBy(replay::assertReplayed).isInstanceOf(AssertionError.class)
                .hasMessageContaining("the client sent something else than recorded")
                .hasMessageContaining("--- recorded")
                .hasMessageContaining("+++ sent")
                .hasMessageContaining("-    \"cwd\" : \"/work\"")
                .hasMessageContaining("+    \"cwd\" : \"/somewhere/else\"");
    }

    @Test
    void aClientThatStopsEarlyIsReportedWithWhatWasExpectedNext() {
        FixtureReplayer replay = FixtureReplayer.load(FIXTURES.resolve("multi-turn.jsonl"));
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(replay.transport()).clientInfo(ScenarioRunner.CLIENT).options()).cwd(ScenarioRunner.REPLAY_WORK).build()) {
            assertThat(s.runTurn(TurnInput.text("remember 42")).completed()).isTrue();
        }
        assertThatThrownBy(replay::assertReplayed).hasMessageContaining("the client closed the connection; next expected: client → codex request turn/start");
    }
}
