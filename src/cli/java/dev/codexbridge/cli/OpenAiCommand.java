package dev.codexbridge.cli;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ShortLivedCodex;
import dev.codexbridge.openai.OpenAiModels;
import dev.codexbridge.openai.OpenAiServer;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Serves codex behind OpenAI's HTTP API until stopped (docs/openai.md): the Responses API and
 * Chat Completions at {@code http://HOST:PORT/v1}, for OpenAI's SDKs and the clients built on them.
 * Callers, tenants, the host's approval policy and the store are the {@code a2a} command's.
 */
@Command(name = "openai", mixinStandardHelpOptions = true,
        description = "Serve codex behind OpenAI's HTTP API (the Responses API and Chat Completions at http://HOST:PORT/v1; "
                + "each caller's API key is its bearer token) until stopped.")
final class OpenAiCommand implements Callable<Integer> {
    /** How long listing codex's models may take on a codex started for it (a codex per principal). */
    private static final Duration MODELS_BUDGET = Duration.ofSeconds(30);

    @Option(names = "--listen", paramLabel = "HOST:PORT", required = true,
            description = "Where to listen, e.g. 127.0.0.1:8080 (port 0: any free port); the SDKs' base URL is http://HOST:PORT/v1.")
    String listen;

    @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
    Path codexBin;

    @Option(names = "--codex-home", description = "CODEX_HOME for codex (default: inherited, i.e. ~/.codex).")
    Path codexHome;

    @Option(names = "--workspace",
            description = "The folder holding one workspace per principal (default: in each principal's tenant folder); with "
                    + "--shared-codex, the working directory of every conversation's codex thread (default: the current one).")
    Path workspace;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "20",
            description = "On stop, how long the turns in flight are waited for before they are interrupted (default: ${DEFAULT-VALUE}).")
    long drainSeconds;

    @Option(names = "--caller-wait", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long a codex turn waits for the caller's answer to what it asked (a function call's output, an "
                    + "approval) in the caller's next request; past it the call fails, the approval is declined and the turn ends "
                    + "(default: ${DEFAULT-VALUE}, at most 540). A restart loses a waiting turn.")
    long callerWaitSeconds;

    @Mixin
    CallerAuthOptions callers;

    @Mixin
    CallerCodexOptions callerCodex;

    @Mixin
    HostPolicyOptions hostPolicy;

    @Mixin
    StorageOptions storage;

    @Option(names = "--offline-demo",
            description = "codex on the bundled scripted model in a throw-away CODEX_HOME: no credentials. It echoes; a message "
                    + "containing 'run' makes codex ask to run 'pwd' outside the sandbox (an mcp_approval_request with "
                    + "--caller-approvals, else declined).")
    boolean offlineDemo;

    @Override
    public Integer call() throws Exception {
        JettyLogging.quiet();
        PrintStream err = System.err;
        ListenAddress at = ListenAddress.parse(listen);
        String host = at.host();
        int port = at.port();
        if (offlineDemo && codexHome != null) {
            throw new IllegalArgumentException("--offline-demo makes its own CODEX_HOME; leave out --codex-home");
        }
        if (callerWaitSeconds < 1 || callerWaitSeconds > OpenAiServer.MAX_CALLER_WAIT.toSeconds()) {
            throw new IllegalArgumentException("--caller-wait must be 1 to " + OpenAiServer.MAX_CALLER_WAIT.toSeconds() + " seconds");
        }
        callerCodex.remembered();   // refused before anything starts
        Path work = workspace != null ? workspace.toAbsolutePath() : Path.of("").toAbsolutePath();
        if (!Files.isDirectory(work)) {
            throw new IllegalArgumentException("--workspace is not a directory: " + work);
        }
        try (OrderlyStop stop = new OrderlyStop("openai", err)) {
            // closed last: the sessions store into it as they close
            ConversationStorage conversations = storage.open("openai", stop);
            Authenticator authenticator = callers.authenticator("openai", err);
            Path binary = PinnedCodex.locateOrInstall(codexBin, System.err);
            ScriptedModelServer model = offlineDemo ? stop.add(ScriptedModelServer.start().recording(false)
                    .respondWhenEmpty(new OfflineDemoModel())) : null;
            List<Path> secrets = new ArrayList<>(callers.secretFiles());
            secrets.addAll(storage.store.secrets());
            IsolatedCodexHome.Builder demo = model == null ? null
                    : IsolatedCodexHome.builder(Files.createTempDirectory("codex-bridge-openai-"), model.baseUrl())
                            .askForApproval("on-request").sandboxMode("read-only");
            Path demoHome = demo != null ? demo.write() : null;
            Path demoRoot = demo != null && !callerCodex.shared ? OfflineDemoModel.tenantsRoot("openai") : null;
            if (demoRoot != null) {
                stop.add(() -> OfflineDemoModel.deleteTenantsRoot(demoRoot));
            }
            // the callers' function tools are codex dynamic tools: codex's experimental API
            callerCodex.experimentalApi = true;
            CallerCodexOptions.Backend backend = callerCodex.backend("openai", true, binary, demo != null && callerCodex.shared ? demoHome
                    : codexHome, workspace == null && !callerCodex.shared ? null : work, demo != null ? demo.configToml() : null, demoRoot,
                    secrets, conversations);
            stop.add(backend.resources());
            // closed after the server (which closes them) and before codex and the store: each conversation stored and let go;
            // the server waits for its conversations' stores itself, after its drain: this wait shares that one's bound
            OpenSessions sessions = stop.add(new OpenSessions("openai", err, OpenSessions.sharedWith(stop,
                    Duration.ofSeconds(Math.max(0, drainSeconds)).plus(OpenSessions.SERVER_AFTER_DRAIN))));
            OpenAiServer server = stop.add(OpenAiServer.builder().host(host).port(port).authenticator(authenticator)
                    .anonymous(callers.anonymous).allowedOrigins(callers.allowedOrigins).allowedHosts(callers.allowedHosts)
                    .readiness(StorageOptions.readiness(conversations)).drainTimeout(Duration.ofSeconds(Math.max(0, drainSeconds)))
                    .models(models(backend, binary, demoHome != null ? demoHome : codexHome))
                    .callerWait(Duration.ofSeconds(callerWaitSeconds)).responsesKept(callerCodex.remembered())
                    .gateway(backend.gateway().approvals(hostPolicy.policy()).callerApprovals(hostPolicy.callerApprovals)
                            .onOpen(sessions::opened).build())
                    .start());
            // SIGTERM ends the wait: the command returns, closing everything in order, and exits 0 (docs/deploy)
            CountDownLatch stopped = stop.catchStopSignals();
            err.println("codex-bridge openai: OpenAI API at " + server.uri().resolve("/v1") + ", " + backend.describe()
                    + (conversations != null ? ", " + storage.store.describe() : "")
                    + (offlineDemo ? ", offline demo model at " + model.baseUrl() : "") + "; Ctrl-C stops it");
            stopped.await();
            return 0;
        }
    }

    /**
     * Codex's models: the shared codex's own list; with a codex per principal, the list of a codex
     * started for it on the host's codex home, read when first asked and kept a while.
     */
    static OpenAiModels models(CallerCodexOptions.Backend backend, Path binary, @Nullable Path home) {
        if (backend.resources() instanceof CodexClient shared) {
            return OpenAiModels.of(shared);
        }
        return OpenAiModels.kept(() -> {
            try (ShortLivedCodex codex = ShortLivedCodex.start(ShortLivedCodex.launch(binary, home, "codex-bridge-openai-models"),
                    "openai_models", MODELS_BUDGET)) {
                return OpenAiModels.listed(codex.client());
            }
        });
    }
}
