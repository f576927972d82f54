package dev.codexbridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.PersistentRule;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transport.AuthenticationException;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.WebSocketAuth;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run one turn with PROMPT, or an interactive conversation on one codex thread when no prompt is given.",
            "Progress goes to stderr; the answer (or, with --json, the TurnResult) to stdout.",
            "Ctrl-C interrupts the turn; a second Ctrl-C exits.",
            "With --connect, the conversation runs on an app-server that is already running",
            "(codex app-server --listen ws://IP:PORT or unix://PATH) instead of a codex this command starts.",
            "Exit codes: 0 completed, 1 failed, 2 usage or configuration error (also: the app-server cannot be reached),",
            "3 the app-server refused the credentials (--connect), 4 timed out, 130 interrupted."})
final class RunCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "PROMPT", description = "What to ask; omit for an interactive conversation.")
    String prompt;

    @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
    Path codexBin;

    @Option(names = "--codex-home", description = "CODEX_HOME for codex (default: inherited, i.e. ~/.codex).")
    Path codexHome;

    @Option(names = "--withhold-env", paramLabel = "NAME", split = ",",
            description = "Environment variables of this process codex must not see (repeatable or comma-separated).")
    List<String> withheldEnvironment = new ArrayList<>();

    @Option(names = "--cwd", description = "Working directory of the thread (default: the current one).")
    Path cwd;

    @Option(names = "--model", description = "Model for the thread.")
    String model;

    @Option(names = "--sandbox", paramLabel = "MODE", description = "read-only | workspace-write | danger-full-access.")
    String sandbox;

    @Option(names = {"--ask-for-approval", "--approval-policy"}, paramLabel = "POLICY",
            description = "When codex asks (codex's own flag name): untrusted | on-request | never.")
    String askForApproval;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Wall-clock limit per turn; 0 disables (default: ${DEFAULT-VALUE}).",
            defaultValue = "600")
    long timeoutSeconds;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", description = "Limit on time without progress; 0 disables (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    long idleSeconds;

    @Option(names = "--max-steps", description = "Agent actions per turn before it is interrupted; 0 means none (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    int maxSteps;

    @Option(names = "--resume", paramLabel = "THREAD_ID", description = "Continue an existing thread.")
    String resume;

    @Option(names = "--output-schema", paramLabel = "FILE", description = "JSON Schema the final answer must follow.")
    Path outputSchema;

    @Option(names = "--approve", paramLabel = "CHOICE",
            description = "Answer approvals without asking: once | session | deny (default: ask on a terminal, else deny).")
    String approve;

    @Option(names = "--json", description = "Print each TurnResult as one JSON object on stdout, its transcript "
            + "(\"messages\") first and written as the turn runs, the other fields when it ends.")
    boolean json;

    @Option(names = "--connect", paramLabel = "URL",
            description = "Run on a running app-server: ws://IP:PORT, wss://HOST[:PORT][/path], unix://PATH, or unix:// "
                    + "for the control socket of CODEX_HOME. Plain ws:// is for loopback only unless --allow-plaintext.")
    String connect;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Capability token for an app-server started with --ws-auth capability-token (its --ws-token-file).")
    Path tokenFile;

    @Option(names = "--jwt-secret-file", paramLabel = "FILE",
            description = "Shared secret of an app-server started with --ws-auth signed-bearer-token: a short-lived HS256 JWT "
                    + "is signed with it for each connection.")
    Path jwtSecretFile;

    @Option(names = "--jwt-issuer", paramLabel = "ISSUER", description = "The JWT's iss (the server's --ws-issuer).")
    String jwtIssuer;

    @Option(names = "--jwt-audience", paramLabel = "AUDIENCE", description = "The JWT's aud (the server's --ws-audience).")
    String jwtAudience;

    @Mixin
    StorageOptions storage;

    @Option(names = "--allow-plaintext",
            description = "Allow plain ws:// to a host that is not loopback (a private network only; prefer wss://).")
    boolean allowPlaintext;

    /** The app-server refused the credentials (--connect); a turn that timed out exits with {@link #EXIT_TIMED_OUT}. */
    static final int EXIT_AUTHENTICATION = 3;
    static final int EXIT_TIMED_OUT = 4;
    /** Codex never received the turn (the connection was lost before it read turn/start): running it again is safe. */
    static final int EXIT_NOT_RECEIVED = 5;
    /** Codex could not be reached to learn how the turn ended: it may have run; check before running it again. */
    static final int EXIT_UNKNOWN = 6;

    private final AtomicInteger interrupts = new AtomicInteger();
    private volatile CodexSession session;
    private volatile boolean turnRunning;
    /** The running turn's progress, which automatic approvals print through to keep the order. */
    private volatile ProgressRenderer progress;
    private TerminalInput input;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        boolean terminal = System.console() != null;
        if (readsStandardInput(terminal)) {
            input = new TerminalInput();
        }
        ApprovalHandler handler;
        JsonNode schema;
        try {
            handler = approvals(terminal, err);
            schema = outputSchema == null ? null : Json.parse(Files.readString(outputSchema));
            if (timeoutSeconds == 0 && idleSeconds == 0) {
                throw new IllegalArgumentException("--timeout and --idle-timeout cannot both be 0");
            }
        } catch (IllegalArgumentException | IOException | CodexException e) {
            err.println("codex-bridge run: " + ApiText.escapeLines(e.getMessage()));
            return 2;
        }
        CodexEndpoint endpoint;
        try {
            endpoint = endpoint();
        } catch (IllegalArgumentException | CodexException e) {
            err.println("codex-bridge run: " + ApiText.escapeLines(e.getMessage()));
            return 2;
        }
        CliTelemetry telemetry;
        try {
            telemetry = CliTelemetry.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            err.println("codex-bridge run: " + ApiText.escapeLines(e.getMessage()));
            return 2;
        }
        // closed (its spans exported) before the exit code goes back to main, which exits at once
        CodexEndpoint at = endpoint;
        try (CliTelemetry t = telemetry) {
            return t.traced("codex-bridge run", () -> connectAndRun(t, at, handler, schema, out, err, terminal));
        }
    }

    private int connectAndRun(CliTelemetry telemetry, CodexEndpoint endpoint, ApprovalHandler handler, JsonNode schema,
                              PrintStream out, PrintStream err, boolean terminal) {
        CodexClient client = null;
        if (endpoint != null) {
            try {
                client = telemetry.client(CodexClient.builder()).connect(endpoint);
            } catch (AuthenticationException e) {
                err.println("codex-bridge run: authentication failed: " + ApiText.escapeLines(e.getMessage()));
                return EXIT_AUTHENTICATION;
            } catch (CodexException e) {
                err.println("codex-bridge run: " + ApiText.escapeLines(e.getMessage()));
                return 2;
            }
        }
        try (CodexClient connection = client) {
            return run(connection, telemetry, handler, schema, out, err, terminal);
        }
    }

    /** The --connect endpoint with its credentials, or null to start codex here. */
    private CodexEndpoint endpoint() {
        boolean credentials = tokenFile != null || jwtSecretFile != null || jwtIssuer != null || jwtAudience != null;
        if (connect == null) {
            if (credentials || allowPlaintext) {
                throw new IllegalArgumentException("--token-file, --jwt-*, and --allow-plaintext need --connect");
            }
            return null;
        }
        if (codexBin != null || codexHome != null || !withheldEnvironment.isEmpty()) {
            throw new IllegalArgumentException("--codex-bin, --codex-home and --withhold-env start a codex here; "
                    + "with --connect the app-server is already running");
        }
        if (tokenFile != null && jwtSecretFile != null) {
            throw new IllegalArgumentException("--token-file and --jwt-secret-file are two different --ws-auth modes; give one");
        }
        if (jwtSecretFile == null && (jwtIssuer != null || jwtAudience != null)) {
            throw new IllegalArgumentException("--jwt-issuer and --jwt-audience need --jwt-secret-file");
        }
        CodexEndpoint ep = CodexEndpoint.parse(connect)
                .allowPlaintextRemote(allowPlaintext);
        if (tokenFile != null) {
            ep = ep.tokenFile(tokenFile);
        } else if (jwtSecretFile != null) {
            ep = ep.auth(WebSocketAuth.signedBearer().sharedSecretFile(jwtSecretFile)
                    .issuer(jwtIssuer).audience(jwtAudience).subject("codex-bridge run").build());
        }
        return ep;
    }

    private int run(CodexClient client, CliTelemetry telemetry, ApprovalHandler handler, JsonNode schema, PrintStream out,
                    PrintStream err, boolean terminal) {
        TurnOptions options = schema == null ? TurnOptions.DEFAULTS : TurnOptions.DEFAULTS.withOutputSchema(schema);
        try (OrderlyStop stop = new OrderlyStop("run", err)) {
            CodexSession.Builder b;
            try {
                ConversationStorage kept = storage.open("run", stop);
                b = sessionBuilder(client, handler, terminal && approve == null);
                storeIn(b, kept, stop);
                if (client == null) {
                    telemetry.session(b);
                }
            } catch (IllegalArgumentException | CodexException e) {
                err.println("codex-bridge run: " + ApiText.escapeLines(e.getMessage()));
                return 2;
            }
            CodexSession s = b.build();
            // at the end (or on SIGTERM) the conversation is stored and its lease given back before the store closes
            stop.add(new OpenSessions("run", err)).opened(s);
            session = s;
            installInterruptHandler(err);
            if (prompt != null) {
                return exitCode(turn(s, prompt, options, out, err));
            }
            return conversation(s, options, out, err, terminal);
        } catch (CodexException e) {
            err.println("codex-bridge run: " + ApiText.escapeLines(e.getMessage()));
            NewerCodexNote.after(err);
            return 2;
        }
    }

    /**
     * With {@code --store} ({@code kept}), the session keeps its conversation in the store, which
     * {@code stop} closes after the session. A resumed conversation keeps the owner the store
     * names (a principal's, when a server stored it); a new one has none, so no server's caller
     * can resume it.
     */
    private void storeIn(CodexSession.Builder b, @Nullable ConversationStorage kept, OrderlyStop stop) {
        if (kept == null) {
            return;
        }
        ConversationOwner owner = resume == null || !RolloutFile.isThreadId(resume) ? null
                : kept.store().get(resume).map(StoredConversation::owner).orElse(null);
        b.storage(kept).storageOwner(owner);
        stop.onSignal(() -> { });
    }

    /**
     * The session this run opens; a missing codex or a setting codex does not know is a usage error here.
     * Only a person at the prompt, shown the rule, can answer "always" for good; {@code --approve} cannot.
     */
    private CodexSession.Builder sessionBuilder(CodexClient client, ApprovalHandler handler, boolean promptsAtTerminal) {
        CodexSession.Builder b = CodexSession.builder();
        if (client != null) {
            b.client(client);
        } else {
            // located (or the pinned one installed) now, so a missing codex is reported before anything starts
            Path binary = PinnedCodex.locateOrInstall(codexBin, System.err);
            b.connection(CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(codexHome)
                    .withholdEnvironment(withheldEnvironment).build()).options());
        }
        b.replaceThreadOptions(ThreadOptions.builder().cwd(cwd).model(model).sandbox(sandbox).askForApproval(askForApproval).build())
                .approvals(ApprovalPolicy.builder().handler(handler).alwaysMeansSession(!promptsAtTerminal).build())
                .limits(TurnLimits.of(Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(idleSeconds)).withMaxSteps(maxSteps));
        if (resume != null) {
            b.resumeThread(resume);
        }
        return b;
    }

    /**
     * Whether this run takes lines from standard input: a conversation does, and so do approval
     * prompts on a terminal. A one-shot run otherwise never touches stdin, so it starts no reader:
     * a reader blocked on stdin cannot be stopped, and in a host process (an embedding
     * application, a test JVM whose stdin is its build tool's command channel) it would sit on
     * the host's stdin and take the bytes meant for it.
     */
    private boolean readsStandardInput(boolean terminal) {
        return prompt == null || (terminal && approve == null);
    }

    private int conversation(CodexSession s, TurnOptions options, PrintStream out, PrintStream err, boolean terminal) {
        int last = 0;
        err.println("codex-bridge: conversation on one codex thread; an empty line or end of input ends it.");
        while (true) {
            err.print("you> ");
            err.flush();
            String line = input.nextLine();
            if (line == null || line.isBlank()) {
                return last;
            }
            interrupts.set(0);
            last = exitCode(turn(s, line, options, out, err));
        }
    }

    private TurnResult turn(CodexSession s, String text, TurnOptions options, PrintStream out, PrintStream err) {
        // --json writes the transcript as it grows, so a long turn holds none of it
        StreamedResult streamed = json ? new StreamedResult(out) : null;
        ProgressRenderer progress = new ProgressRenderer(err, System.console() != null, streamed);
        TurnResult r = null;
        turnRunning = true;
        this.progress = progress;
        try {
            r = s.runTurn(TurnInput.text(text), json ? options.withStreamedTranscript(true) : options, progress);
        } finally {
            turnRunning = false;
            this.progress = null;
            progress.stop();
            if (streamed != null) {
                streamed.end(r);
            }
        }
        if (!json) {
            if (r.finalText() != null) {
                out.println(ApiText.escapeLines(r.finalText()));
            }
            err.println("[" + r.status().wire() + ", " + r.toolIterations() + " tool call"
                    + (r.toolIterations() == 1 ? "" : "s") + ", thread " + ApiText.escape(r.threadId()) + "]");
            TurnFailure e = r.error();
            if (e != null) {
                err.println("error (" + e.category().wire() + "): " + ApiText.escapeLines(e.message()));
                err.println("  " + ApiText.escapeLines(e.remediation()));
            }
        }
        return r;
    }

    static int exitCode(TurnResult r) {
        return switch (r.status()) {
            case COMPLETED -> 0;
            case FAILED -> 1;
            case TIMED_OUT -> EXIT_TIMED_OUT;
            case INTERRUPTED -> 130;
            case NOT_RECEIVED -> EXIT_NOT_RECEIVED;
            case UNKNOWN -> EXIT_UNKNOWN;
        };
    }

    private ApprovalHandler approvals(boolean terminal, PrintStream err) {
        if (approve != null) {
            ApprovalChoice choice = switch (approve.toLowerCase(Locale.ROOT)) {
                case "once" -> ApprovalChoice.ONCE;
                case "session" -> ApprovalChoice.SESSION;
                case "deny" -> ApprovalChoice.DENY;
                default -> throw new IllegalArgumentException("--approve must be once, session or deny, not " + approve);
            };
            return request -> {
                String line = "  approval " + ApiText.escape(request.title()) + " -> " + choice.name().toLowerCase(Locale.ROOT) + " (--approve)";
                ProgressRenderer p = progress;
                if (p != null) {
                    p.printLine(line);
                } else {
                    err.println(line);
                }
                return CompletableFuture.completedFuture(new ApprovalDecision(choice, null, "--approve"));
            };
        }
        if (!terminal) {
            return ApprovalHandler.always(ApprovalChoice.DENY);
        }
        return request -> CompletableFuture.completedFuture(askOnTerminal(request, err));
    }

    /**
     * One approval prompt on the terminal; anything unrecognised asks again; end of input denies;
     * a prompt whose turn ended meanwhile (Ctrl-C) gives up. "Always" is offered only with the rule
     * it would write into codex's home in front of the user.
     */
    private synchronized ApprovalDecision askOnTerminal(ApprovalRequest request, PrintStream err) {
        err.println();
        // the title and reason are the model's text: escaped, they cannot redraw or hide this prompt
        err.println("codex asks: " + ApiText.escape(request.title()));
        if (!request.description().isEmpty() && !request.description().equals(request.title())) {
            err.println("  " + ApiText.escape(request.description()));
        }
        PersistentRule rule = request.persistentRule();
        if (rule != null) {
            // the rule holds the model's words: escaped like the title
            err.println("  always: " + ApiText.escape(rule.summary()));
        }
        while (true) {
            err.print("  allow? [o]nce / [s]ession / " + (rule != null ? "[a]lways / " : "") + "[d]eny / [c]ancel turn: ");
            err.flush();
            String answer = input.nextLine(() -> !turnRunning);
            if (answer == null) {
                err.println(turnRunning ? "" : "(the turn is over; approval dropped)");
                return ApprovalDecision.deny(turnRunning ? "end of input" : "the turn ended");
            }
            switch (answer.strip().toLowerCase(Locale.ROOT)) {
                case "o", "once", "y", "yes" -> {
                    return ApprovalDecision.once();
                }
                case "s", "session" -> {
                    return ApprovalDecision.session();
                }
                case "a", "always" -> {
                    if (rule != null) {
                        return ApprovalDecision.always();
                    }
                    err.println("  please answer o, s, d or c");
                }
                case "d", "deny", "n", "no" -> {
                    return ApprovalDecision.deny("denied at the terminal");
                }
                case "c", "cancel" -> {
                    return ApprovalDecision.cancel();
                }
                default -> err.println(rule != null ? "  please answer o, s, a, d or c" : "  please answer o, s, d or c");
            }
        }
    }

    /** Ctrl-C once interrupts the turn; twice exits with 130. */
    private void installInterruptHandler(PrintStream err) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                if (interrupts.incrementAndGet() >= 2) {
                    err.println("\ncodex-bridge: exiting");
                    CodexSession s = session;
                    if (s != null) {
                        s.close();
                    }
                    Runtime.getRuntime().halt(130);
                }
                err.println("\ncodex-bridge: interrupting the turn (Ctrl-C again to exit)");
                CodexSession s = session;
                if (s != null) {
                    s.interrupt();
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGINT on this platform: Ctrl-C then just ends the JVM
        }
    }
}
