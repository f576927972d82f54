package dev.codexbridge.cli;

import dev.codexbridge.testkit.FixtureReplayer;
import dev.codexbridge.testkit.ScenarioRunner;
import dev.codexbridge.testkit.Scenarios;
import dev.codexbridge.session.TurnResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay recorded fixtures through CodexSession with no codex process, checking every client message.",
            "OTEL_* traces the replayed turns as for run (docs/observability.md).",
            "Exit codes: 0 every fixture replayed, 1 a mismatch (shown as a diff), 2 usage error."})
final class ReplayCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Fixture files (.jsonl).")
    List<Path> files;

    @Option(names = "--json", description = "Print each replayed turn's result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CliTelemetry telemetry;
        try {
            telemetry = CliTelemetry.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("codex-bridge replay: " + ApiText.escapeLines(e.getMessage()));
            return 2;
        }
        try (CliTelemetry t = telemetry) {
            return t.traced("codex-bridge replay", () -> replayAll(t));
        }
    }

    private int replayAll(CliTelemetry telemetry) {
        int failed = 0;
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                System.err.println("codex-bridge replay: no such file " + file);
                return 2;
            }
            String scenario = FixtureReplayer.load(file).scenario();
            ScenarioRunner.Outcome outcome;
            try {
                outcome = ScenarioRunner.replay(Scenarios.get(scenario), file, telemetry::session);
            } catch (IllegalArgumentException e) {
                System.err.println("codex-bridge replay: " + file + ": " + e.getMessage());
                return 2;
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                // to picocli's handler, as when call() threw it
                throw new IllegalStateException(file + ": " + e, e);
            }
            System.out.println((outcome.ok() ? "ok      " : "FAILED  ") + file + " (" + scenario + ", "
                    + outcome.results().size() + " turn" + (outcome.results().size() == 1 ? "" : "s") + ")");
            if (json) {
                for (TurnResult r : outcome.results()) {
                    System.out.println(r.toJson());
                }
            }
            outcome.failures().forEach(f -> System.out.println(f.indent(2)));
            failed += outcome.ok() ? 0 : 1;
        }
        return failed == 0 ? 0 : 1;
    }
}
