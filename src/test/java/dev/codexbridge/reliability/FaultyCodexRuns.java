package dev.codexbridge.reliability;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.Scripts;
import dev.codexbridge.support.WireSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * One turn on a {@link FaultyCodex} in a given mode, run as a real child process, and the check
 * that the session left nothing behind: what the fault injection suites share.
 */
final class FaultyCodexRuns {
    private final Path tmp;
    private final LeakCheck baseline;

    /** The folder for the fake's launcher and the session's cwd; the leak baseline is taken now. */
    FaultyCodexRuns(Path tmp) {
        this.tmp = tmp;
        this.baseline = LeakCheck.now();
    }

    record Run(TurnResult result, Duration took, WireSchema.Recorder wire) {
    }

    private Path fake(String mode) {
        return Scripts.write(tmp, "codex-" + mode, "exec " + ChildJvm.shellCommand() + " -Xmx1g -cp '" + ChildJvm.classPath()
                + "' " + FaultyCodex.class.getName() + " " + mode);
    }

    /** Starts a session on a faulty codex, runs one turn, closes, and checks nothing leaked. */
    Run run(String mode, UnaryOperator<CodexSession.Builder> tweak) {
        WireSchema.Recorder wire = new WireSchema.Recorder();
        CodexSession.Builder b = CodexSession.builder()
                // the first rung of the shutdown ladder short: a fake whose output is closed sleeps on, never reading its input's end
                .connection(CodexClient.builder().process(CodexLaunch.appServer(fake(mode))
                                .shutdownGrace(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(2)).build()).wireTap(wire)
                        // bounds a loaded machine cannot reach (a fake JVM writing 50 MiB of stderr before it answers
                        // took over 10 s beside four other builds); a test about a limit sets its own
                        .requestTimeout(Duration.ofSeconds(60)).options())
                .cwd(tmp).limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO))
                .interruptGrace(Duration.ofSeconds(1));
        TurnResult r;
        Duration took;
        try (CodexSession s = tweak.apply(b).build()) {
            try {
                s.start();
            } catch (RuntimeException startFailure) {
                // reported again, as a result, by runTurn
            }
            long t0 = System.nanoTime();
            r = s.runTurn(TurnInput.text("go"));
            took = Duration.ofNanos(System.nanoTime() - t0);
        }
        baseline.awaitBaseline();
        return new Run(r, took, wire);
    }
}
