package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.BuildInfo;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Codex as an MCP server (docs/mcp.md): the tools of the removed {@code codex mcp-server}
 * ({@code codex}, {@code codex-reply}), {@code codex-transcript}, and each conversation as a
 * resource, over stdio ({@link #stdio}) or Streamable HTTP ({@link McpHttpServer}). Sessions come
 * from {@link McpSessions} (the gateway), one per conversation; what the host's approval policy
 * leaves undecided is asked of the MCP client by elicitation.
 *
 * <pre>{@code
 * CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).build();
 * server.stdio(System.in, System.out).awaitEnd();
 * }</pre>
 */
public final class CodexMcpServer implements AutoCloseable {
    /** Where the HTTP transport puts the authenticated principal in the SDK's transport context. */
    static final String PRINCIPAL = "dev.codexbridge/principal";
    /** The transport context's key for the MCP session a call came in (Streamable HTTP only). */
    static final String MCP_SESSION = "dev.codexbridge/mcp-session";

    final McpLimits limits;
    final Cancellations cancellations = new Cancellations();
    final CancelTap tap = new CancelTap(cancellations);
    final PendingElicitations elicitations = new PendingElicitations();
    private final Conversations conversations;
    private final ToolCalls calls;
    private final @Nullable JsonNode outputSchema;
    private final boolean extras;
    private final String stdioPrincipal;
    private final ThreadPoolExecutor askers;
    private final List<McpSyncServer> servers = new ArrayList<>();

    private CodexMcpServer(Builder b) {
        this.limits = b.limits;
        this.outputSchema = b.outputSchema;
        this.extras = b.extras;
        this.stdioPrincipal = b.stdioPrincipal;
        // each waiting elicitation holds a thread until answered or the deadline: bounded, refused beyond
        this.askers = new ThreadPoolExecutor(0, 256, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "codex-bridge-mcp-elicitation");
            t.setDaemon(true);
            return t;
        });
        this.conversations = new Conversations(Objects.requireNonNull(b.sessions, "sessions"), limits, askers, elicitations);
        // a source's own record (a gateway's: its store's), else one in this process: every call of this server meets the same
        dev.codexbridge.callers.Resends own = b.resends != null ? b.resends : dev.codexbridge.callers.Resends.inMemory();
        McpSessions source = b.sessions;
        this.calls = new ToolCalls(conversations, cancellations, b.callerSettings, b.cwd, outputSchema, stdioPrincipal,
                new KeyedCalls(() -> b.resends != null || source.resends() == null ? own : source.resends(), () -> stopping.getAsBoolean()));
    }

    /** Whether the door serving this server stops: a keyed copy waiting for its first's answer is then told "send again later". */
    private volatile java.util.function.BooleanSupplier stopping = () -> false;

    /** The HTTP door's drain, set as it is built: its stop ends the copies' waits (issue 81, item 3). */
    void stopsWhen(java.util.function.BooleanSupplier doorStopping) {
        this.stopping = Objects.requireNonNull(doorStopping, "doorStopping");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A running stdio server; {@link #awaitEnd()} returns when the client closes its side. */
    public interface Stdio extends AutoCloseable {
        void awaitEnd() throws InterruptedException;

        @Override
        void close();
    }

    /**
     * Serves one MCP client on {@code in}/{@code out} (newline-delimited JSON-RPC), as principal
     * {@link Builder#stdioPrincipal}. Nothing else may write to {@code out}.
     */
    public Stdio stdio(InputStream in, OutputStream out) {
        java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        InputStream tapped;
        StdoutTap output = new StdoutTap(out, elicitations);
        try {
            tapped = StdioTap.tapped(new BufferedInputStream(in), tap, "stdio", limits.maxRequestBytes(), output::add, ended::countDown);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        McpSyncServer server = serve(McpServer.sync(new StdioServerTransportProvider(McpJsonDefaults.getMapper(), tapped, output)));
        return new Stdio() {
            @Override
            public void awaitEnd() throws InterruptedException {
                ended.await();
            }

            @Override
            public void close() {
                server.closeGracefully();
            }
        };
    }

    McpSyncServer serve(McpServer.SyncSpecification<?> spec) {
        List<McpServerFeatures.SyncToolSpecification> tools = new ArrayList<>();
        for (McpSchema.Tool t : CodexTools.reference(outputSchema)) {
            tools.add(McpServerFeatures.SyncToolSpecification.builder().tool(t)
                    .callHandler(CodexTools.CODEX.equals(t.name()) ? calls::codex : calls::reply).build());
        }
        if (extras) {
            tools.add(McpServerFeatures.SyncToolSpecification.builder().tool(CodexTools.transcript()).callHandler(calls::transcript).build());
        }
        McpSchema.ServerCapabilities.Builder caps = McpSchema.ServerCapabilities.builder().tools(true);
        if (extras) {
            caps.resources(false, false);
        }
        spec.serverInfo(new McpSchema.Implementation("codex-bridge-mcp", "Codex", BuildInfo.version()))
                .capabilities(caps.build())
                // the server's own requests are elicitations, which wait for a person: the elicitation deadline bounds them
                .requestTimeout(limits.elicitationDeadline().plusSeconds(5))
                .jsonSchemaValidator(new OutputSchemaCheck())
                .tools(tools);
        if (extras) {
            spec.resourceTemplates(new McpServerFeatures.SyncResourceTemplateSpecification(CodexTools.threadTemplate(), calls::readThread));
        }
        McpSyncServer server = spec.build();
        synchronized (servers) {
            servers.add(server);
        }
        return server;
    }

    /** The MCP session {@code sessionId} ended: the conversations it used last, idle, are stored and let go. */
    void sessionEnded(String sessionId) {
        conversations.sessionEnded(sessionId);
    }

    /** Interrupts every turn still running (a stopping HTTP server's calls past its drain): each call still gets its answer. */
    void interruptRunningTurns() {
        conversations.interruptRunning();
    }

    /** Conversations held open, of every principal (for tests and metrics). */
    int conversationsHeld() {
        return conversations.size();
    }

    @Override
    public void close() {
        List<McpSyncServer> all;
        synchronized (servers) {
            all = new ArrayList<>(servers);
            servers.clear();
        }
        for (McpSyncServer s : all) {
            try {
                s.closeGracefully();
            } catch (RuntimeException ignored) {
                // the rest still close
            }
        }
        conversations.close();
        askers.shutdownNow();
    }

    public static final class Builder {
        private @Nullable McpSessions sessions;
        private dev.codexbridge.callers.@Nullable Resends resends;
        private McpLimits limits = McpLimits.DEFAULTS;
        private @Nullable Set<String> callerSettings;
        private @Nullable JsonNode outputSchema;
        private boolean extras = true;
        private String stdioPrincipal = "local";
        private Path cwd = Path.of("").toAbsolutePath();

        private Builder() {
        }

        /**
         * Where the calls sent with an idempotency key and their answers are kept (decision 0117),
         * in place of the session source's ({@link McpSessions#resends}: a gateway's, its store's);
         * with neither, in this process.
         */
        public Builder resends(dev.codexbridge.callers.Resends resends) {
            this.resends = Objects.requireNonNull(resends, "resends");
            return this;
        }

        /** Where sessions come from (required): usually {@link McpSessions#of} a gateway. */
        public Builder sessions(McpSessions sessions) {
            this.sessions = Objects.requireNonNull(sessions, "sessions");
            return this;
        }

        public Builder limits(McpLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Which of the {@code codex} tool's settings callers may give: turn settings ({@code model},
         * {@code cwd}, {@code sandbox}, {@code approval-policy}) and thread settings
         * ({@code base-instructions}, {@code developer-instructions}, {@code config},
         * {@code compact-prompt}). Default: all of them on stdio (the local user's own client, as
         * {@code codex mcp-server} took them), none over HTTP. A remote caller may only narrow the
         * host's settings even with a setting named here: a sandbox no wider and an approval setting
         * no looser than the host's, a {@code cwd} inside the conversation's folder (links followed),
         * {@code config} keys from a short allow-list (docs/mcp.md); the host's
         * {@code ApprovalPolicy} decides before the caller either way. A call giving another setting
         * is refused with the reason.
         */
        public Builder callerSettings(Set<String> names) {
            for (String n : names) {
                if (!CallArguments.ALL_SETTINGS.contains(n)) {
                    throw new IllegalArgumentException("callers can be let set " + CallArguments.ALL_SETTINGS + ", not " + n);
                }
            }
            this.callerSettings = Set.copyOf(names);
            return this;
        }

        /**
         * A JSON Schema for codex's final message: every turn runs with it, and a completed turn's
         * {@code structuredContent} carries the message parsed as {@code output}.
         */
        public Builder outputSchema(@Nullable JsonNode schema) {
            if (schema != null && !schema.isObject()) {
                throw new IllegalArgumentException("the output schema must be a JSON object");
            }
            this.outputSchema = schema;
            return this;
        }

        /** Whether to serve more than {@code codex mcp-server} did: {@code codex-transcript} and the threads as resources (default on). */
        public Builder extras(boolean on) {
            this.extras = on;
            return this;
        }

        /** The principal a stdio client acts as (default {@code local}): the gateway's tenant and limits are chosen by it. */
        public Builder stdioPrincipal(String principal) {
            if (principal == null || principal.isBlank()) {
                throw new IllegalArgumentException("the stdio principal must not be blank");
            }
            this.stdioPrincipal = principal;
            return this;
        }

        /** What the stdio client's relative {@code cwd} is resolved against (default: this process's working directory); a remote caller's is the conversation's folder. */
        public Builder cwd(Path cwd) {
            this.cwd = cwd.toAbsolutePath();
            return this;
        }

        public CodexMcpServer build() {
            return new CodexMcpServer(this);
        }
    }
}
