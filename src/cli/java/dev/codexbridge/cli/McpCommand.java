package dev.codexbridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.a2a.Authenticator;
import dev.codexbridge.a2a.BearerTokens;
import dev.codexbridge.a2a.JwtAuthenticator;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.mcp.CodexMcpServer;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.McpSessions;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import picocli.CommandLine.Command;
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

    @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
    Path codexBin;

    @Option(names = "--codex-home", description = "CODEX_HOME for codex (default: inherited, i.e. ~/.codex).")
    Path codexHome;

    @Option(names = "--workspace", description = "Working directory of every conversation's codex thread (default: the current one).")
    Path workspace;

    @Option(names = "--tokens", paramLabel = "FILE",
            description = "With --http: bearer tokens, one 'PRINCIPAL TOKEN' per line (default: one made-up token, printed).")
    Path tokens;

    @Option(names = "--anonymous", paramLabel = "PRINCIPAL",
            description = "With --http: serve calls without a token as PRINCIPAL (trusted callers only, e.g. on a loopback address).")
    String anonymous;

    @Option(names = "--jwt-jwks", paramLabel = "FILE|URL",
            description = "With --http: authenticate callers by JWTs signed RS256 or ES256 with these keys, instead of --tokens.")
    String jwtJwks;

    @Option(names = "--jwt-hs256-secret-file", paramLabel = "FILE",
            description = "With --http: authenticate callers by JWTs signed HS256 with the secret in FILE, instead of --tokens.")
    Path jwtSecretFile;

    @Option(names = "--jwt-issuer", paramLabel = "ISS", description = "The iss every JWT must carry.")
    String jwtIssuer;

    @Option(names = "--jwt-audience", paramLabel = "AUD", description = "An aud every JWT must name.")
    String jwtAudience;

    @Option(names = "--jwt-principal-claim", paramLabel = "CLAIM", defaultValue = "sub",
            description = "The JWT claim naming the principal (default: ${DEFAULT-VALUE}).")
    String jwtPrincipalClaim;

    @Option(names = "--allow", paramLabel = "PROGRAM", split = ",",
            description = "Programs codex may run without asking when it asks about one simple command of theirs (an allow-list, "
                    + "as CommandRules.allowing); every other command is declined unless --caller-approvals asks the MCP client.")
    List<String> allow = new ArrayList<>();

    @Option(names = "--caller-approvals",
            description = "Ask the MCP client (by elicitation, when it declared the capability) what --allow does not decide: other "
                    + "commands, file changes, permissions, questions. Without it those are declined.")
    boolean callerApprovals;

    @Option(names = "--offline-demo",
            description = "codex on the bundled scripted model in a throw-away CODEX_HOME: no credentials. It echoes; a prompt "
                    + "containing 'run' makes codex ask to run 'pwd' outside the sandbox (an elicitation with --caller-approvals, "
                    + "else declined).")
    boolean offlineDemo;

    private static final String JETTY_LEVEL = "org.slf4j.simpleLogger.log.org.eclipse.jetty";

    @Override
    public Integer call() throws Exception {
        if (System.getProperty(JETTY_LEVEL) == null) {
            System.setProperty(JETTY_LEVEL, "warn");
        }
        PrintStream err = System.err;
        if (offlineDemo && codexHome != null) {
            throw new IllegalArgumentException("--offline-demo makes its own CODEX_HOME; leave out --codex-home");
        }
        if (http == null && (tokens != null || anonymous != null || jwtJwks != null || jwtSecretFile != null)) {
            throw new IllegalArgumentException("--tokens, --anonymous and the --jwt-* options are for --http; stdio has one local client");
        }
        Path work = workspace != null ? workspace.toAbsolutePath() : Path.of("").toAbsolutePath();
        if (!Files.isDirectory(work)) {
            throw new IllegalArgumentException("--workspace is not a directory: " + work);
        }
        Path binary = new CodexLocator().locate(codexBin).binary();
        ScriptedModelServer model = offlineDemo ? ScriptedModelServer.start().recording(false).respondWhenEmpty(new DemoModel()) : null;
        Path home = model != null ? IsolatedCodexHome.builder(Files.createTempDirectory("codex-bridge-mcp-"), model.baseUrl())
                .askForApproval("on-request").sandboxMode("read-only").write() : codexHome;
        try (CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(home).build()).connect();
            CodexMcpServer server = CodexMcpServer.builder().cwd(work)
                    .sessions(McpSessions.of(CodexGateway.builder().client(codex).configure(b -> b.thread(ThreadOptions.in(work)))
                            .approvals(policy()).callerApprovals(callerApprovals).build()))
                    .build()) {
            if (http == null) {
                err.println("codex-bridge mcp: MCP server on stdio, workspace " + work
                        + (offlineDemo ? ", offline demo model at " + model.baseUrl() : ""));
                server.stdio(System.in, System.out).awaitEnd();
                return 0;
            }
            return serveHttp(server, work, model, err);
        } finally {
            if (model != null) {
                model.close();
            }
        }
    }

    private int serveHttp(CodexMcpServer server, Path work, ScriptedModelServer model, PrintStream err) throws Exception {
        int colon = http.lastIndexOf(':');
        String host = colon > 0 ? http.substring(0, colon).replace("[", "").replace("]", "") : "127.0.0.1";
        int port;
        try {
            port = Integer.parseInt(http.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--http must be [HOST:]PORT, not '" + http + "'");
        }
        Authenticator callers = jwt();
        if (callers != null && tokens != null) {
            throw new IllegalArgumentException("give --tokens or the --jwt-* options, not both");
        }
        if (callers == null) {
            callers = tokens != null ? BearerTokens.read(tokens) : anonymous != null ? null : madeUpToken(err);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (McpHttpServer served = McpHttpServer.builder(server).host(host).port(port).authenticator(callers).anonymous(anonymous).start()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                served.close();
                stopped.countDown();
            }, "codex-bridge-mcp-stop"));
            err.println("codex-bridge mcp: MCP server (Streamable HTTP) at " + served.uri() + ", workspace " + work
                    + (model != null ? ", offline demo model at " + model.baseUrl() : "") + "; Ctrl-C stops it");
            stopped.await();
            return 0;
        }
    }

    private ApprovalPolicy policy() {
        ApprovalPolicy.Builder b = ApprovalPolicy.builder();
        if (!allow.isEmpty()) {
            b.commandRules(CommandRules.builder().allowPrograms(allow.toArray(String[]::new)).askHandlerForOthers(true).build());
        }
        return b.build();
    }

    private Authenticator jwt() throws java.io.IOException {
        if (jwtJwks == null && jwtSecretFile == null) {
            if (jwtIssuer != null || jwtAudience != null) {
                throw new IllegalArgumentException("--jwt-issuer and --jwt-audience need --jwt-jwks or --jwt-hs256-secret-file");
            }
            return null;
        }
        if (jwtJwks != null && jwtSecretFile != null) {
            throw new IllegalArgumentException("give --jwt-jwks or --jwt-hs256-secret-file, not both");
        }
        JwtAuthenticator.Builder b = JwtAuthenticator.builder().issuer(jwtIssuer).audience(jwtAudience).principalClaim(jwtPrincipalClaim);
        return (jwtSecretFile != null ? b.hmacSecretFile(jwtSecretFile) : b.jwks(jwtJwks)).build();
    }

    private static BearerTokens madeUpToken(PrintStream err) {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        err.println("codex-bridge mcp: no --tokens; principal 'default' has the bearer token " + token);
        return BearerTokens.of(Map.of(token, "default"));
    }

    /** The offline demo's model: echoes, or asks to run {@code pwd} when the prompt says "run". */
    private static final class DemoModel implements Function<RecordedRequest, ModelReply> {
        private final AtomicInteger calls = new AtomicInteger();

        @Override
        public ModelReply apply(RecordedRequest request) {
            List<JsonNode> items = request.inputItems();
            JsonNode last = items.isEmpty() ? null : items.get(items.size() - 1);
            if (last != null && "function_call_output".equals(last.path("type").asText())) {
                return ModelReply.message("Ran it. Output: " + request.functionCallOutput(last.path("call_id").asText()).orElse("").strip());
            }
            String text = request.lastUserText().orElse("");
            if (text.toLowerCase(Locale.ROOT).contains("run")) {
                return ModelReply.builder().execCommandEscalated("demo-call-" + calls.incrementAndGet(), "pwd",
                        "The offline demo runs pwd when asked to run something").build();
            }
            return ModelReply.message("Offline demo (scripted model): you said \"" + text + "\".");
        }
    }
}
