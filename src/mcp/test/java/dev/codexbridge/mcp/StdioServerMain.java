package dev.codexbridge.mcp;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.WireSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The server as a stdio MCP server process, for the stdio tests (a client starts it the way a host
 * starts {@code codex-bridge mcp}): {@code CODEX_BIN CODEX_HOME WORKDIR CALLER_APPROVALS WIRE_REPORT [ALLOWED_PROGRAMS]}.
 * It serves before codex is up, codex starting beside it. When it ends (its stdin closed, or
 * terminated by the client) it writes what the wire schema check found (empty: every message to
 * codex valid) to WIRE_REPORT, and once before that, as soon as its stdin ends.
 */
public final class StdioServerMain {
    private StdioServerMain() {
    }

    public static void main(String[] args) throws Exception {
        WireSchema.Recorder wire = new WireSchema.Recorder();
        WireReport report = new WireReport(wire, Path.of(args[4]));
        Runtime.getRuntime().addShutdownHook(new Thread(report::write));
        // the report at stdin's end must be written within the 2 s before the TypeScript SDK's SIGTERM (and SIGKILL 2 s
        // later); on a loaded machine reading the schema, and checking the whole conversation at the end, took longer: the
        // messages are checked as they are sent, on a thread of their own, so the end checks only the last few
        Thread checking = new Thread(() -> {
            while (true) {
                report.catchUp();
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "wire-check");
        checking.setDaemon(true);
        checking.start();
        ApprovalPolicy.Builder policy = ApprovalPolicy.builder();
        if (args.length > 5) {
            policy.commandRules(CommandRules.builder().allowPrograms(args[5].split(",")).askHandlerForOthers(true).build());
        }
        // codex starts beside the server, as codex-bridge mcp starts it: the client's initialize is answered at once
        CompletableFuture<CodexClient> codex = new CompletableFuture<>();
        Thread start = new Thread(() -> {
            try {
                codex.complete(CodexClient.builder().process(CodexLaunch.appServer(Path.of(args[0])).codexHome(Path.of(args[1])).build())
                        .wireTap(wire).connect());
            } catch (Throwable e) {
                codex.completeExceptionally(e);
            }
        }, "codex-start");
        start.setDaemon(true);
        start.start();
        CompletableFuture<McpSessions> sessions = codex.thenApply(c -> McpSessions.of(CodexGateway.builder().client(c)
                .configure(b -> b.cwd(Path.of(args[2])).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))
                .approvals(policy.build()).callerApprovals(Boolean.parseBoolean(args[3])).build()));
        try (CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.starting(sessions, McpSessions.START_WAIT))
                .cwd(Path.of(args[2])).build()) {
            CodexMcpServer.Stdio stdio = server.stdio(System.in, System.out);
            stdio.awaitEnd();
            // written now as well as at the end: the MCP TypeScript SDK's close ends stdin, then sends SIGTERM after 2 s and
            // SIGKILL 2 s later, and a loaded machine's stop (the drain, codex's shutdown) can take longer than that
            report.write();
        } finally {
            start.join();
            if (!codex.isCompletedExceptionally()) {
                codex.join().close();
            }
        }
    }

    /** What the wire schema check found in the messages sent to codex, checked as they go and written whole on demand. */
    private static final class WireReport {
        private final WireSchema.Recorder wire;
        private final Path file;
        private final java.util.List<String> problems = new java.util.ArrayList<>();
        private int checked;

        WireReport(WireSchema.Recorder wire, Path file) {
            this.wire = wire;
            this.file = file;
        }

        /** Checks the messages sent since the last look. */
        synchronized void catchUp() {
            int sent = wire.sent().size();
            if (sent > checked) {
                problems.addAll(WireSchema.pinned().validateConversation(wire, checked, sent));
                checked = sent;
            }
        }

        synchronized void write() {
            try {
                catchUp();
                // whole or not at all: a kill mid-write must not leave a short report that reads as "no problems"
                Path part = file.resolveSibling(file.getFileName() + ".part");
                Files.writeString(part, (checked == 0 ? "nothing was sent to codex\n" : "") + String.join("\n", problems));
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (Exception e) {
                System.err.println("wire report not written: " + e);
            }
        }
    }
}
