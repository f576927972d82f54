package dev.codexbridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexConnection;
import dev.codexbridge.process.CodexInstaller;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexNotFoundException;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.protocol.InitializeCapabilities;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.protocol.Methods;
import dev.codexbridge.rpc.Inbox;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Fully offline, no credentials: the real codex binary against the bundled scripted model server
 * in a throw-away {@code CODEX_HOME}. Codex runs a command the "model" asks for and answers.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run one scripted turn offline: real codex, bundled model server, no credentials.")
final class DemoCommand implements Callable<Integer> {
    private static final Duration RPC_TIMEOUT = Duration.ofSeconds(30);

    @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
    Path codexBin;

    @Option(names = "--timeout", description = "Seconds the turn may take (default: ${DEFAULT-VALUE}).", defaultValue = "120")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        Path codex = resolveCodex(err);
        Path root = Files.createTempDirectory("codex-bridge-demo-");
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path work = Files.createDirectories(root.resolve("work"));
            Path home = IsolatedCodexHome.builder(root.resolve("codex-home"), model.baseUrl())
                    .sandboxMode("danger-full-access").write();
            model.enqueue(
                    ModelReply.builder().reasoning("The user wants to know the working directory.", null)
                            .execCommand("call-demo-1", "pwd && echo codex-bridge demo").build(),
                    ModelReply.message("Codex ran `pwd` in the demo workspace and it printed the path above."));
            err.println("codex-bridge demo: codex " + CodexVersion.PINNED + " at " + codex);
            err.println("scripted model at " + model.baseUrl() + ", CODEX_HOME " + home);
            Inbox inbox = new Inbox();
            try (CodexConnection conn = CodexConnection.open(
                    CodexLaunch.appServer(codex).codexHome(home).workingDirectory(work).build(),
                    peer -> peer.inbound(inbox))) {
                InitializeResponse init = conn.initialize(new InitializeParams(
                        new ClientInfo("codex_bridge_demo", "codex-bridge demo", dev.codexbridge.BuildInfo.version()),
                        InitializeCapabilities.experimental(true)), RPC_TIMEOUT);
                err.println("connected: " + init.userAgent());
                String threadId = conn.call(Methods.THREAD_START, Json.object().put("cwd", work.toString()), RPC_TIMEOUT)
                        .path("thread").path("id").asText();
                ObjectNode turn = Json.object().put("threadId", threadId);
                turn.putArray("input").addObject().put("type", "text").put("text", "Which directory am I in?");
                out.println("user> Which directory am I in?");
                conn.call(Methods.TURN_START, turn, RPC_TIMEOUT);
                return followTurn(conn, inbox, out, err);
            }
        } finally {
            deleteQuietly(root);
        }
    }

    private int followTurn(CodexConnection conn, Inbox inbox, PrintStream out, PrintStream err) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        boolean midMessage = false;
        while (System.nanoTime() < deadline) {
            JsonRpcMessage.Inbound m = inbox.poll(Duration.ofMillis(500));
            if (m instanceof JsonRpcMessage.Request r) {
                // approvals arrive with the session layer; this demo runs without them
                conn.peer().respondError(r.id(), new RpcError(RpcError.METHOD_NOT_FOUND, "demo answers no requests"));
                continue;
            }
            if (!(m instanceof JsonRpcMessage.Notification n)) {
                continue;
            }
            JsonNode p = n.params();
            switch (n.method()) {
                case Methods.AGENT_MESSAGE_DELTA -> {
                    if (!midMessage) {
                        out.print("codex> ");
                        midMessage = true;
                    }
                    out.print(p.path("delta").asText());
                    out.flush();
                }
                case Methods.ITEM_STARTED -> {
                    JsonNode item = p.path("item");
                    if (item.path("type").asText().equals("commandExecution")) {
                        err.println("  $ " + item.path("command").asText());
                    }
                }
                case Methods.ITEM_COMPLETED -> {
                    JsonNode item = p.path("item");
                    switch (item.path("type").asText()) {
                        case "commandExecution" -> {
                            item.path("aggregatedOutput").asText().lines().forEach(l -> err.println("  | " + l));
                            err.println("  (exit " + item.path("exitCode").asText() + ", "
                                    + item.path("durationMs").asText() + " ms)");
                        }
                        case "reasoning" -> item.path("summary").forEach(s -> err.println("  (thinking) " + s.asText()));
                        case "agentMessage" -> {
                            if (midMessage) {
                                out.println();
                                midMessage = false;
                            } else {
                                out.println("codex> " + item.path("text").asText());
                            }
                        }
                        default -> { }
                    }
                }
                case Methods.TURN_COMPLETED -> {
                    String status = p.path("turn").path("status").asText();
                    err.println("turn " + status);
                    return "completed".equals(status) ? 0 : 1;
                }
                default -> { }
            }
        }
        err.println("turn did not complete within " + timeoutSeconds + " s");
        return 3;
    }

    private Path resolveCodex(PrintStream err) {
        if (codexBin != null) {
            return new CodexLocator().locate(codexBin).binary();
        }
        try {
            return new CodexLocator().locate(null).binary();
        } catch (CodexNotFoundException e) {
            err.println("codex not found; installing the pinned " + CodexVersion.PINNED + " first");
            return CodexInstaller.ensureInstalled(InstallCodexCommand.Installs.defaultDir(), CodexVersion.PINNED, err);
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
