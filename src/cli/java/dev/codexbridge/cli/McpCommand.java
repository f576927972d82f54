package dev.codexbridge.cli;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.Readiness;
import dev.codexbridge.mcp.CodexMcpServer;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.McpSessions;
import dev.codexbridge.mcp.ReplayLimits;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Serves codex as an MCP server (docs/mcp.md), in place of the {@code codex mcp-server} that codex
 * 0.154 removed: the {@code codex} and {@code codex-reply} tools on stdio (default; stdout carries
 * MCP only, notices go to stderr) or Streamable HTTP ({@code --http}), one codex app-server shared
 * by every conversation.
 */
@Command(name = "mcp", mixinStandardHelpOptions = true,
        description = "Serve codex as an MCP server (the codex and codex-reply tools of the removed 'codex mcp-server') on stdio, "
                + "or over Streamable HTTP with --http, until stopped.")
final class McpCommand implements Callable<Integer> {
    @Option(names = "--http", paramLabel = "[HOST:]PORT",
            description = "Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio (host default 127.0.0.1; port 0: any free port).")
    String http;

    @Option(names = "--session-idle-timeout", paramLabel = "SECONDS", defaultValue = "1800",
            description = "Over --http, end an MCP session after this long without a request in flight; its client then opens a new one "
                    + "and reaches its conversations by thread id (default: ${DEFAULT-VALUE}).")
    long sessionIdleSeconds;

    @Option(names = "--replay-streams", paramLabel = "N", defaultValue = "4096",
            description = "Over HTTP, how many tool calls' response streams are kept for clients that reconnect with Last-Event-ID, "
                    + "those that ended longest ago forgotten first, each at most 5 minutes after its end (default: ${DEFAULT-VALUE}); "
                    + "about 0.8 KiB for a short answer's.")
    int replayStreams;

    @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
    Path codexBin;

    @Option(names = "--codex-home", description = "CODEX_HOME for codex (default: inherited, i.e. ~/.codex).")
    Path codexHome;

    @Option(names = "--workspace",
            description = "Working directory of every conversation's codex thread (default: the current one); over HTTP with a codex "
                    + "per principal, the folder holding one workspace per principal (default: in each principal's tenant folder).")
    Path workspace;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "20",
            description = "Over HTTP, on stop, how long the tool calls in flight are waited for before their turns are interrupted "
                    + "(default: ${DEFAULT-VALUE}).")
    long drainSeconds;

    @Mixin
    CallerAuthOptions callers;

    @Mixin
    CallerCodexOptions callerCodex;

    @Option(names = "--caller-settings", paramLabel = "SETTING", split = ",",
            description = "The codex tool's settings callers may give: model, cwd, sandbox, approval-policy, base-instructions, "
                    + "developer-instructions, config, compact-prompt. Over HTTP the default is none, and a named setting can only "
                    + "narrow the host's (docs/mcp.md); on stdio all of them, as codex mcp-server took them.")
    java.util.List<String> callerSettings;

    @Mixin
    HostPolicyOptions hostPolicy;

    @Mixin
    StorageOptions storage;

    @Option(names = "--offline-demo",
            description = "codex on the bundled scripted model in a throw-away CODEX_HOME: no credentials. It echoes; a prompt "
                    + "containing 'run' makes codex ask to run 'pwd' outside the sandbox (an elicitation with --caller-approvals, "
                    + "else declined).")
    boolean offlineDemo;

    @Override
    public Integer call() throws Exception {
        JettyLogging.quiet();
        PrintStream err = System.err;
        if (offlineDemo && codexHome != null) {
            throw new IllegalArgumentException("--offline-demo makes its own CODEX_HOME; leave out --codex-home");
        }
        if (http == null && callers.given()) {
            throw new IllegalArgumentException("--tokens, --anonymous and the --jwt-* options are for --http; stdio has one local client");
        }
        ReplayLimits replay = replayLimits();   // refused before anything starts
        callerCodex.remembered();
        Path work = workspace != null ? workspace.toAbsolutePath() : Path.of("").toAbsolutePath();
        if (!Files.isDirectory(work)) {
            throw new IllegalArgumentException("--workspace is not a directory: " + work);
        }
        // stdio serves the local user, who started it: one codex, as codex mcp-server was
        boolean perPrincipal = http != null && !callerCodex.shared;
        if (!perPrincipal) {
            callerCodex.shared = true;
        }
        try (OrderlyStop stop = new OrderlyStop("mcp", err)) {
            // closed last: the sessions store into it as they close
            ConversationStorage conversations = storage.open("mcp", stop);
            ScriptedModelServer model = offlineDemo ? stop.add(ScriptedModelServer.start().recording(false).respondWhenEmpty(new OfflineDemoModel()))
                    : null;
            List<Path> secrets = new ArrayList<>(callers.secretFiles());
            secrets.addAll(storage.store.secrets());
            IsolatedCodexHome.Builder demo = model == null ? null
                    : IsolatedCodexHome.builder(Files.createTempDirectory("codex-bridge-mcp-"), model.baseUrl())
                            .askForApproval("on-request").sandboxMode("read-only");
            Path demoRoot = perPrincipal && demo != null ? OfflineDemoModel.tenantsRoot("mcp") : null;
            if (demoRoot != null) {
                stop.add(() -> OfflineDemoModel.deleteTenantsRoot(demoRoot));
            }
            Path home = demo != null && !perPrincipal ? demo.write() : codexHome;
            Path backendWork = perPrincipal && workspace == null ? null : work;
            String template = demo != null ? demo.configToml() : null;
            CallerCodexOptions.Backend tenants = null;
            CodexStart<CallerCodexOptions.Backend> shared = null;
            if (perPrincipal) {
                // each principal's codex starts on its first call: the server waits for none
                Path binary = PinnedCodex.locateOrInstall(codexBin, System.err);
                tenants = stop.add(callerCodex.backend("mcp", true, binary, home, backendWork, template, demoRoot, secrets, conversations));
            } else {
                // the one codex starts beside the server, which answers the MCP handshake meanwhile (decision 0110);
                // a --codex-bin that is not there is still refused at once
                Path given = codexBin != null ? PinnedCodex.locateOrInstall(codexBin, System.err) : null;
                shared = stop.add(new CodexStart<>("mcp", err, () -> callerCodex.backend("mcp", http != null,
                        given != null ? given : PinnedCodex.locateOrInstall(null, System.err), home, backendWork, template, demoRoot, secrets,
                        conversations), CallerCodexOptions.Backend::describe));
            }
            // closed after the server (which closes them) and before codex and the store: each conversation stored and let go;
            // the server waits for its conversations' stores itself, after its drain: this wait shares that one's bound
            OpenSessions sessions = stop.add(new OpenSessions("mcp", err, OpenSessions.sharedWith(stop,
                    Duration.ofSeconds(Math.max(0, drainSeconds)).plus(OpenSessions.SERVER_AFTER_DRAIN))));
            java.util.function.Function<CallerCodexOptions.Backend, McpSessions> sessionsOf = b -> McpSessions.of(b.gateway()
                    .approvals(hostPolicy.policy()).callerApprovals(hostPolicy.callerApprovals).onOpen(sessions::opened).build());
            CodexMcpServer.Builder mcp = CodexMcpServer.builder().cwd(work).sessions(tenants != null ? sessionsOf.apply(tenants)
                    : McpSessions.starting(shared.started().thenApply(sessionsOf), McpSessions.START_WAIT));
            if (callerSettings != null) {
                mcp.callerSettings(java.util.Set.copyOf(callerSettings));
            }
            CodexMcpServer server = stop.add(mcp.build());
            String stored = conversations != null ? ", " + storage.store.describe() : "";
            String demoModel = model != null ? ", offline demo model at " + model.baseUrl() : "";
            if (http == null) {
                stop.onSignal(() -> { });
                err.println("codex-bridge mcp: MCP server on stdio, workspace " + work + stored + demoModel);
                server.stdio(System.in, System.out).awaitEnd();
                return 0;
            }
            McpHttpServer served = stop.add(serveHttp(server, StorageOptions.readiness(conversations), replay));
            // SIGTERM ends the wait: the command returns, closing everything in order, and exits 0 (docs/deploy)
            CountDownLatch stopped = stop.catchStopSignals();
            err.println("codex-bridge mcp: MCP server (Streamable HTTP) at " + served.uri() + ", "
                    + (tenants != null ? tenants.describe() : "one shared codex (starting)") + stored + demoModel + "; Ctrl-C stops it");
            stopped.await();
            return 0;
        }
    }

    /** {@link ReplayLimits#DEFAULTS} with {@code --replay-streams}. */
    private ReplayLimits replayLimits() {
        ReplayLimits d = ReplayLimits.DEFAULTS;
        if (replayStreams < 1) {
            throw new IllegalArgumentException("--replay-streams must be at least 1, not " + replayStreams);
        }
        return new ReplayLimits(d.eventsPerStream(), d.bytesPerStream(), d.keptAfterEnd(), replayStreams);
    }

    private McpHttpServer serveHttp(CodexMcpServer server, Readiness readiness, ReplayLimits replay) throws Exception {
        int colon = http.lastIndexOf(':');
        String host = colon > 0 ? http.substring(0, colon).replace("[", "").replace("]", "") : "127.0.0.1";
        int port;
        try {
            port = Integer.parseInt(http.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--http must be [HOST:]PORT, not '" + http + "'");
        }
        Authenticator authenticator = callers.authenticator("mcp", System.err);
        return McpHttpServer.builder(server).host(host).port(port).authenticator(authenticator).anonymous(callers.anonymous)
                .allowedOrigins(callers.allowedOrigins).allowedHosts(callers.allowedHosts)
                .sessionIdleTimeout(java.time.Duration.ofSeconds(sessionIdleSeconds)).readiness(readiness).replay(replay)
                .drainTimeout(java.time.Duration.ofSeconds(Math.max(0, drainSeconds))).start();
    }

}
