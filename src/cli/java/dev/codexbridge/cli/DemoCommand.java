package dev.codexbridge.cli;

import dev.codexbridge.BuildInfo;
import dev.codexbridge.protocol.FileChanges;
import dev.codexbridge.protocol.ThreadItem;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.CodexVersionProbe;
import dev.codexbridge.process.NewerCodex;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.TurnLimits;

/**
 * Fully offline, no credentials: the real codex binary against the bundled scripted model server
 * in a throw-away {@code CODEX_HOME}, driven through {@link CodexSession}. Codex asks to run a
 * command (approved here automatically and shown), writes a file with {@code apply_patch}, and
 * answers; the live progress goes to stderr and the transcript to stdout.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run one scripted turn offline: real codex, bundled model server, no credentials.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
    Path codexBin;

    @Option(names = "--timeout", description = "Seconds the turn may take (default: ${DEFAULT-VALUE}).", defaultValue = "120")
    int timeoutSeconds;

    /** slf4j-simple's level for one logger and those below it, read when each logger is created. */
    private static final String CODEX_STDERR_LEVEL = "org.slf4j.simpleLogger.log.dev.codexbridge.codex.stderr";

    @Override
    public Integer call() throws Exception {
        // codex's start-up notices (no bubblewrap on PATH, no metadata for the scripted model) say
        // nothing a newcomer can act on; its warnings and errors still show
        if (System.getProperty(CODEX_STDERR_LEVEL) == null) {
            System.setProperty(CODEX_STDERR_LEVEL, "warn");
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        Path codex = resolveCodex(err);
        Path root = Files.createTempDirectory("codex-bridge-demo-");
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path work = Files.createDirectories(root.resolve("work"));
            Path home = IsolatedCodexHome.builder(root.resolve("codex-home"), model.baseUrl())
                    .askForApproval("on-request").sandboxMode("read-only").write();
            model.enqueue(
                    ModelReply.builder().reasoning("First look at the workspace.", null)
                            .execCommandEscalated("call-demo-1", "pwd && ls -a", "List the workspace").build(),
                    ModelReply.builder().applyPatch("call-demo-2",
                            "*** Begin Patch\n*** Add File: hello.txt\n+Hello from codex-bridge!\n*** End Patch").build(),
                    ModelReply.message("I listed the workspace and wrote hello.txt with a greeting."));
            Optional<CodexVersion> version = reportedVersion(codex);
            err.println("codex-bridge demo: codex " + version.map(CodexVersion::toString).orElse("(no version from --version)") + " at " + codex);
            Optional<String> newer = NewerCodex.line(version.orElse(null));
            if (newer.isPresent()) {
                NewerCodex.firstTime(codex.toString(), version.get());     // shown here: the handshake does not log it again
                err.println("note: " + newer.get());
            }
            err.println("scripted model at " + model.baseUrl() + ", CODEX_HOME " + home);
            ApprovalPolicy approvals = ApprovalPolicy.builder().handler(request -> {
                err.println("  ? approval: " + ApiText.escape(request.title()) + "  (" + ApiText.escape(request.description())
                        + ") -> allowed once");
                return CompletableFuture.completedFuture(ApprovalDecision.once());
            }).build();
            try (CodexSession session = CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer(codex).codexHome(home).build()).clientInfo(new ClientInfo("codex_bridge_demo", "codex-bridge demo", BuildInfo.version())).options()).cwd(work)
                    .approvals(approvals).limits(TurnLimits.of(Duration.ofSeconds(timeoutSeconds), Duration.ZERO)).build()) {
                String prompt = "Look around and leave a greeting in hello.txt.";
                out.println("user> " + prompt);
                TurnResult r = session.runTurn(TurnInput.text(prompt), TurnOptions.DEFAULTS, new Progress(err));
                err.println("turn " + r.status().wire() + " (" + r.toolIterations() + " tool calls)");
                out.println("codex> " + ApiText.escapeLines(r.finalText()));
                out.println();
                out.println("transcript (chat shape):");
                for (TranscriptMessage m : r.messages()) {
                    out.println("  " + ApiText.json(m.toJson()));
                }
                if (Files.exists(work.resolve("hello.txt"))) {
                    out.println("hello.txt: " + ApiText.escapeLines(Files.readString(work.resolve("hello.txt")).strip()));
                }
                return r.status() == TurnOutcome.COMPLETED ? 0 : 1;
            }
        } finally {
            deleteQuietly(root);
        }
    }

    /** Live progress on stderr. */
    private static final class Progress implements TurnListener {
        private final PrintStream err;
        private final CommandClock clock = new CommandClock();

        Progress(PrintStream err) {
            this.err = err;
        }

        @Override
        public void onItemStarted(ThreadItem item) {
            clock.started(item);
            if (item instanceof ThreadItem.CommandExecution c) {
                err.println("  $ " + ApiText.escape(c.command()));
            }
        }

        @Override
        public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
            if (item instanceof ThreadItem.CommandExecution c) {
                (c.aggregatedOutput() == null ? "" : c.aggregatedOutput()).lines().forEach(l -> err.println("  | " + ApiText.escape(l)));
                err.println("  (exit " + (c.exitCode() == null ? "?" : c.exitCode()) + ", "
                        + orUnknown(clock.elapsedMillis(c)) + " ms)");
            } else if (item instanceof ThreadItem.FileChange f && f.changes() != null) {
                f.changes().forEach(ch -> err.println("  ~ " + FileChanges.kind(ch.kind()) + " " + ApiText.escape(ch.path())));
            } else if (item instanceof ThreadItem.Reasoning r && r.summary() != null) {
                r.summary().forEach(line -> err.println("  (thinking) " + ApiText.escape(line)));
            }
        }

        @Override
        public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
            clock.approved(request.itemId());
            err.println("  approved: " + request.kind().name().toLowerCase(Locale.ROOT) + " (" + decision.choice() + ")");
        }
    }

    private static String orUnknown(Object value) {
        return value == null ? "?" : value.toString();
    }

    private Path resolveCodex(PrintStream err) {
        return PinnedCodex.locateOrInstall(codexBin, err);
    }

    /** What the binary itself says it is ({@code --version}), not the version codex-bridge pins. */
    private static Optional<CodexVersion> reportedVersion(Path codex) {
        try {
            return Optional.of(CodexVersionProbe.probe(codex, CodexVersionProbe.DEFAULT_TIMEOUT));
        } catch (RuntimeException e) {
            return Optional.empty();    // the handshake says what is wrong with it
        }
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
