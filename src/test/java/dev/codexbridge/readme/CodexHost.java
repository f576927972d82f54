package dev.codexbridge.readme;

// docs/embedding.md:BEGIN
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.config.ConfigMigrator;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.process.CodexInstaller;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.ListMcpServerStatusParams;
import dev.codexbridge.protocol.McpServerStatusUpdatedNotification;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Scanner;
import java.util.concurrent.CompletableFuture;

/** A host with one codex for all its conversations: its MCP servers migrated, each approval asked. */
public final class CodexHost implements AutoCloseable {
    private final CodexClient codex;
    private final ApprovalPolicy approvals;

    /**
     * @param codexBinary the codex to run ("Finding codex" below)
     * @param codexHome   codex's config, auth and threads; the host's MCP servers are migrated into it
     * @param mcpServers  the host's own MCP config: {"mcpServers": {...}}, VS Code's mcp.json, ...
     */
    public CodexHost(Path codexBinary, Path codexHome, Path mcpServers, ApprovalHandler ask) {
        MigrationReport migrated = ConfigMigrator.builder()
                .codexHome(codexHome)
                .hostConfig(HostMcpConfig.read(mcpServers))
                .build()
                .migrate(false);                                          // true: a dry run with the diff
        if (migrated.hasErrors()) {
            throw new IllegalStateException(migrated.summary());
        }
        codex = CodexClient.builder()                                     // one codex app-server process
                .process(CodexLaunch.appServer(codexBinary).codexHome(codexHome).build())
                .connect();
        codex.subscribe(event -> {                                        // everything codex sends, in order
            if (event instanceof CodexEvent.Notification n
                    && n.params() instanceof McpServerStatusUpdatedNotification s) {
                System.err.println("MCP server " + s.name() + ": " + s.status().wire());
            }
        });
        approvals = ApprovalPolicy.builder()
                .commandRules(CommandRules.builder()                      // never match request.command(): see below
                        .allowPrograms("ls", "cat")                       // one simple command: these run unasked
                        .askHandlerForOthers(true)                        // any other command: ask
                        .build())
                .handler(ask)                                             // commands, patches, MCP tools, questions
                .deadline(Duration.ofMinutes(2))                          // no answer in time = deny
                .build();
    }

    /** A conversation: a codex thread of its own on the shared connection, its MCP servers up. */
    public CodexSession conversation(Path workspace) {
        CodexSession session = CodexSession.builder()
                .client(codex)
                .replaceThreadOptions(ThreadOptions.builder()
                        .cwd(workspace)
                        .askForApproval(AskForApproval.UNTRUSTED)         // codex asks about every command: the rules see them all
                        .build())
                .approvals(approvals)
                .limits(TurnLimits.of(Duration.ofMinutes(10), Duration.ofMinutes(2)))  // wall clock, idle
                .build();
        session.start();                                                  // thread/start: codex starts the MCP servers
        // a turn does not wait for them; this typed request (CodexApi) is answered once they are up
        codex.mcpServerStatusList(ListMcpServerStatusParams.builder().threadId(session.threadId()).build())
                .data().forEach(s -> System.err.println("MCP server " + s.name() + " tools: "
                        + (s.tools() == null ? s.toolsError() : s.tools().keySet())));
        return session;
    }

    @Override
    public void close() {
        codex.close();                                                    // stops codex
    }

    /** CODEX_DIR CODEX_HOME MCP_JSON WORKSPACE MESSAGE...: a conversation on the terminal. */
    public static void main(String[] args) {
        Path codex = CodexInstaller.ensureInstalled(Path.of(args[0]), CodexVersion.PINNED, System.err);  // npm, once
        Scanner terminal = new Scanner(System.in);
        ApprovalHandler ask = request -> CompletableFuture.supplyAsync(() -> {
            synchronized (terminal) {
                System.out.println("codex asks: " + request.title() + " -- allow once? [y/N]");
                return terminal.hasNextLine() && terminal.nextLine().strip().equals("y")
                        ? ApprovalDecision.once() : ApprovalDecision.deny("the user said no");
            }
        });
        try (CodexHost host = new CodexHost(codex, Path.of(args[1]), Path.of(args[2]), ask);
             CodexSession chat = host.conversation(Path.of(args[3]))) {
            for (String message : Arrays.copyOfRange(args, 4, args.length)) {
                TurnResult r = chat.runTurn(TurnInput.text(message));
                System.out.println(r.status() == TurnOutcome.COMPLETED ? r.finalText() : "codex stopped: " + r.status().wire());
            }
            chat.rename("terminal chat");                                 // the thread's own operations
            String fork = chat.fork().thread().id();
            System.out.println("thread " + chat.threadId() + ": " + chat.read(true).thread().turns().size()
                    + " turns, forked as " + fork);
        }
    }
}
// docs/embedding.md:END
