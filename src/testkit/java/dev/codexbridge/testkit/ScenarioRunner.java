package dev.codexbridge.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.CodexVersionProbe;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.TurnLimits;
import org.jspecify.annotations.Nullable;

/** Records a {@link Scenario} from the real codex into a fixture, or replays a fixture through it. */
public final class ScenarioRunner {
    /** The client identity every scenario uses, so recordings do not depend on the library version. */
    public static final ClientInfo CLIENT = new ClientInfo("codex_bridge_fixture", "codex-bridge fixtures", "0");
    public static final Path REPLAY_WORK = Paths.get("/work");

    private ScenarioRunner() {
    }

    /** What a run produced. */
    public record Outcome(List<TurnResult> results, List<String> failures) {
        public boolean ok() {
            return failures.isEmpty();
        }
    }

    /**
     * Runs {@code scenario} against {@code codexBinary} and the scripted model server in a
     * throw-away home, writes the fixture to {@code out}, and checks the scenario's expectations.
     */
    public static Outcome record(Scenario scenario, Path codexBinary, Path out) throws Exception {
        Path root = Files.createTempDirectory("codex-bridge-record-");
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path work = Files.createDirectories(root.resolve("work"));
            IsolatedCodexHome.Builder home = IsolatedCodexHome.builder(root.resolve("codex-home"), model.baseUrl());
            scenario.prepare(model, home, work);
            Path homeDir = home.write();
            FixtureRecorder recorder = new FixtureRecorder();
            List<CodexSession> opened = new ArrayList<>();
            Scenario.Context ctx = new Scenario.Context() {
                @Override
                public CodexSession open(UnaryOperator<CodexSession.Builder> tweak) {
                    CodexClient.Builder connection = CodexClient.builder()
                            .process(CodexLaunch.appServer(codexBinary).codexHome(homeDir).build())
                            .clientInfo(CLIENT).wireTaps(recorder.wireTaps());
                    CodexSession.Builder b = CodexSession.builder().connection(scenario.connection(connection).options())
                            .cwd(work).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO));
                    CodexSession s = tweak.apply(scenario.session(b)).build();
                    opened.add(s);
                    return s;
                }

                @Override
                public ScriptedModelServer model() {
                    return model;
                }

                @Override
                public Path work() {
                    return work;
                }
            };
            List<TurnResult> results = List.of();
            List<String> failures = new ArrayList<>();
            try {
                results = scenario.drive(ctx);
            } catch (Exception | AssertionError e) {
                failures.add("scenario " + scenario.name() + " failed while running: " + e);
            } finally {
                opened.forEach(CodexSession::close);
            }
            CodexVersion version = CodexVersionProbe.probe(codexBinary, Duration.ofSeconds(20));
            ObjectNode options = Json.object().put("description", scenario.description());
            FixtureNormalizer normalizer = new FixtureNormalizer()
                    .path(work.toRealPath().toString(), "/work").path(work.toString(), "/work")
                    .path(homeDir.toRealPath().toString(), "/codex-home").path(homeDir.toString(), "/codex-home")
                    .path(root.toString(), "/tmp-root");
            recorder.write(out, scenario.name(), version.toString(), options, normalizer);
            if (model.unscriptedRequests() > 0) {
                failures.add(model.unscriptedRequests() + " model request(s) found the script empty");
            }
            if (failures.isEmpty()) {
                verify(scenario, results, failures);
            }
            return new Outcome(results, failures);
        } finally {
            deleteQuietly(root);
        }
    }

    /** Replays {@code fixture} through {@code scenario}'s client code with no codex process. */
    public static Outcome replay(Scenario scenario, Path fixture) throws Exception {
        return replay(scenario, fixture, UnaryOperator.identity());
    }

    /**
     * Replays {@code fixture} as {@link #replay(Scenario, Path)} does, each session's builder
     * passed through {@code configure} last (to add telemetry, for one: the {@code trace} field a
     * traced session adds to its requests is not compared, since fixtures are recorded untraced).
     */
    public static Outcome replay(Scenario scenario, Path fixture, UnaryOperator<CodexSession.Builder> configure) throws Exception {
        FixtureReplayer replayer = FixtureReplayer.load(fixture);
        List<CodexSession> opened = new ArrayList<>();
        Scenario.Context ctx = new Scenario.Context() {
            @Override
            public CodexSession open(UnaryOperator<CodexSession.Builder> tweak) {
                CodexClient.Builder connection = CodexClient.builder().transport(replayer.transport()).clientInfo(CLIENT);
                CodexSession.Builder b = CodexSession.builder().connection(scenario.connection(connection).options())
                        .cwd(REPLAY_WORK).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO));
                CodexSession s = configure.apply(tweak.apply(scenario.session(b))).build();
                opened.add(s);
                return s;
            }

            @Override
            public @Nullable ScriptedModelServer model() {
                return null;
            }

            @Override
            public Path work() {
                return REPLAY_WORK;
            }
        };
        List<TurnResult> results = List.of();
        List<String> failures = new ArrayList<>();
        try {
            results = scenario.drive(ctx);
        } catch (Exception | AssertionError e) {
            failures.add("scenario " + scenario.name() + " failed while replaying: " + e);
        } finally {
            opened.forEach(CodexSession::close);
        }
        try {
            replayer.assertReplayed();
        } catch (AssertionError e) {
            failures.add(e.getMessage());
        }
        if (failures.isEmpty()) {
            verify(scenario, results, failures);
        }
        return new Outcome(results, failures);
    }

    private static void verify(Scenario scenario, List<TurnResult> results, List<String> failures) {
        try {
            scenario.verify(results);
        } catch (AssertionError | RuntimeException e) {
            failures.add("scenario " + scenario.name() + ": " + e.getMessage() + describe(results));
        }
    }

    private static String describe(List<TurnResult> results) {
        StringBuilder sb = new StringBuilder();
        for (TurnResult r : results) {
            sb.append("\n    turn ").append(r.status().wire()).append(r.error() == null ? "" : ": " + r.error().message());
        }
        return sb.toString();
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // leftovers in the temp folder are harmless
        }
    }
}
