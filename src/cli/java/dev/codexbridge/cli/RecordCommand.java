package dev.codexbridge.cli;

import dev.codexbridge.testkit.Scenario;
import dev.codexbridge.testkit.ScenarioRunner;
import dev.codexbridge.testkit.Scenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "record", mixinStandardHelpOptions = true,
        description = {"Record fixtures from the real codex against the bundled scripted model (offline).",
            "Exit codes: 0 recorded and checked, 1 a scenario's expectations failed, 2 usage error."})
final class RecordCommand implements Callable<Integer> {
    @Option(names = "--scenario", paramLabel = "NAME", description = "Scenario to record (repeatable; default: all).")
    List<String> scenarios = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the fixtures (default: ${DEFAULT-VALUE}).", defaultValue = "fixtures")
    Path out;

    @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
    Path codexBin;

    @Option(names = "--list", description = "List the scenarios and exit.")
    boolean list;

    @Override
    public Integer call() throws Exception {
        if (list) {
            Scenarios.all().forEach(s -> System.out.println(s.name() + "  " + s.description()));
            return 0;
        }
        List<Scenario> chosen = new ArrayList<>();
        try {
            if (scenarios.isEmpty()) {
                chosen.addAll(Scenarios.all());
            } else {
                for (String name : scenarios) {
                    chosen.add(Scenarios.get(name));
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("codex-bridge record: " + e.getMessage());
            return 2;
        }
        Path codex = PinnedCodex.locateOrInstall(codexBin, System.err);
        int failed = 0;
        for (Scenario s : chosen) {
            Path file = out.resolve(s.name() + ".jsonl");
            ScenarioRunner.Outcome outcome = ScenarioRunner.record(s, codex, file);
            System.out.println((outcome.ok() ? "recorded " : "FAILED   ") + file);
            outcome.failures().forEach(f -> System.out.println("  " + f));
            failed += outcome.ok() ? 0 : 1;
        }
        return failed == 0 ? 0 : 1;
    }
}
