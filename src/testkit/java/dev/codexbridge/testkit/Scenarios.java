package dev.codexbridge.testkit;

import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.protocol.ThreadItem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.json.Json;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The recorded scenarios behind {@code fixtures/*.jsonl}: one per protocol flow a host meets.
 * {@code codex-bridge record --scenario NAME} re-records one; the tests replay them all.
 */
public final class Scenarios {
    private static final Map<String, Scenario> ALL = new LinkedHashMap<>();

    private Scenarios() {
    }

    public static List<Scenario> all() {
        return List.copyOf(ALL.values());
    }

    public static Scenario get(String name) {
        Scenario s = ALL.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no scenario \"" + name + "\"; known: " + String.join(", ", ALL.keySet()));
        }
        return s;
    }

    // ------------------------------------------------------------ a small DSL

    @FunctionalInterface
    interface Driver {
        List<TurnResult> drive(Scenario.Context ctx) throws Exception;
    }

    private static void add(String name, String description, BiConsumer<ScriptedModelServer, IsolatedCodexHome.Builder> prepare,
                            UnaryOperator<CodexSession.Builder> session, Driver driver, Consumer<List<TurnResult>> verify) {
        add(name, description, prepare, UnaryOperator.identity(), session, driver, verify);
    }

    private static void add(String name, String description, BiConsumer<ScriptedModelServer, IsolatedCodexHome.Builder> prepare,
                            UnaryOperator<CodexClient.Builder> connection, UnaryOperator<CodexSession.Builder> session, Driver driver,
                            Consumer<List<TurnResult>> verify) {
        ALL.put(name, new Scenario() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public void prepare(ScriptedModelServer model, IsolatedCodexHome.Builder home, Path work) {
                prepare.accept(model, home);
            }

            @Override
            public CodexClient.Builder connection(CodexClient.Builder builder) {
                return connection.apply(builder);
            }

            @Override
            public CodexSession.Builder session(CodexSession.Builder builder) {
                return session.apply(builder);
            }

            @Override
            public List<TurnResult> drive(Context ctx) throws Exception {
                return driver.drive(ctx);
            }

            @Override
            public void verify(List<TurnResult> results) {
                verify.accept(results);
            }
        });
    }

    private static Driver oneTurn(String text) {
        return ctx -> {
            try (CodexSession s = ctx.open(b -> b)) {
                return List.of(s.runTurn(TurnInput.text(text)));
            }
        };
    }

    private static Driver oneTurn(String text, TurnOptions options, TurnListenerFactory listener) {
        return ctx -> {
            try (CodexSession s = ctx.open(b -> b)) {
                return List.of(s.runTurn(TurnInput.text(text), options, listener.create(s)));
            }
        };
    }

    /** One turn that must ask the host exactly these kinds of approval, in this order. */
    private static Driver oneTurnAsking(String text, ApprovalKind... expected) {
        return oneTurnAsking(text, TurnOptions.DEFAULTS, expected);
    }

    private static Driver oneTurnAsking(String text, TurnOptions options, ApprovalKind... expected) {
        return ctx -> {
            List<ApprovalKind> asked = new ArrayList<>();
            try (CodexSession s = ctx.open(b -> b)) {
                TurnResult r = s.runTurn(TurnInput.text(text), options, new TurnListener() {
                    @Override
                    public void onApprovalRequested(ApprovalRequest request) {
                        asked.add(request.kind());
                    }
                });
                check(asked.equals(List.of(expected)), "expected the host to be asked " + List.of(expected) + " but it was asked " + asked);
                return List.of(r);
            }
        };
    }

    @FunctionalInterface
    interface TurnListenerFactory {
        TurnListener create(CodexSession session);
    }

    private static UnaryOperator<CodexSession.Builder> answering(ApprovalChoice choice) {
        return b -> b.approvals(ApprovalPolicy.builder().handler(r ->
                CompletableFuture.completedFuture(new ApprovalDecision(choice, null, "scenario"))).build());
    }

    private static Consumer<List<TurnResult>> status(TurnOutcome expected) {
        return rs -> check(rs.get(rs.size() - 1).status() == expected,
                "expected " + expected + " but the turn ended " + rs.get(rs.size() - 1).status() + " " + rs.get(rs.size() - 1).error());
    }

    private static Consumer<List<TurnResult>> completedWith(String finalText) {
        return rs -> {
            status(TurnOutcome.COMPLETED).accept(rs);
            check(finalText.equals(rs.get(rs.size() - 1).finalText()), "final text " + rs.get(rs.size() - 1).finalText());
        };
    }

    private static Consumer<List<TurnResult>> toolResult(String contains) {
        return rs -> {
            List<String> results = rs.stream().flatMap(r -> r.messages().stream())
                    .filter(m -> m.role() == TranscriptMessage.Role.TOOL && m.content() != null).map(TranscriptMessage::content).toList();
            // what there was instead, each cut short: a check that fails says what it saw
            check(results.stream().anyMatch(c -> c.contains(contains)), "no tool result containing \"" + contains + "\" among "
                    + results.size() + ": " + results.stream().map(c -> c.length() + " chars: " + (c.length() > 160 ? c.substring(0, 160) + "…" : c))
                    .toList());
        };
    }

    private static <T> Consumer<T> both(Consumer<T> a, Consumer<T> b) {
        return a.andThen(b);
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static final String PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello world\n*** End Patch";

    static {
        add("simple-turn", "A streamed assistant message.",
                (m, h) -> m.enqueue(ModelReply.builder("resp-1").message("Hello from the scripted model.").build()),
                b -> b, oneTurn("say hello"), completedWith("Hello from the scripted model."));

        add("reasoning", "A reasoning item (summary and raw content) before the answer.",
                (m, h) -> m.enqueue(ModelReply.builder("resp-1").reasoning("Plan the answer", "raw chain of thought")
                        .message("Four.").build()),
                b -> b, oneTurn("what is 2+2?"), both(completedWith("Four."),
                        rs -> check("Plan the answer\nraw chain of thought".equals(rs.get(0).messages().get(1).reasoning()), "reasoning")));

        add("command-success", "codex runs a command that succeeds.",
                (m, h) -> {
                    h.sandboxMode("danger-full-access");
                    m.enqueue(ModelReply.builder("resp-1").execCommand("call-1", "echo fine").build(),
                            ModelReply.builder("resp-2").message("It printed fine.").build());
                },
                b -> b, oneTurn("run echo"), both(completedWith("It printed fine."), toolResult("fine")));

        add("command-nonzero-exit", "codex runs a command that exits 3.",
                (m, h) -> {
                    h.sandboxMode("danger-full-access");
                    m.enqueue(ModelReply.builder("resp-1").execCommand("call-1", "echo oops; exit 3").build(),
                            ModelReply.builder("resp-2").message("It failed with 3.").build());
                },
                b -> b, oneTurn("run the failing command"), both(completedWith("It failed with 3."), toolResult("[exit 3]")));

        for (ApprovalChoice choice : List.of(ApprovalChoice.ONCE, ApprovalChoice.DENY, ApprovalChoice.CANCEL)) {
            String n = switch (choice) {
                case ONCE -> "accept";
                case DENY -> "decline";
                default -> "cancel";
            };
            add("command-approval-" + n, "An escalated command under on-request; the host answers " + choice + ".",
                    (m, h) -> {
                        h.askForApproval("on-request");
                        m.enqueue(ModelReply.builder("resp-1").execCommandEscalated("call-1", "echo approved-run", "Need to run it").build());
                        if (choice != ApprovalChoice.CANCEL) {
                            m.enqueue(ModelReply.builder("resp-2").message("Done.").build());
                        }
                    },
                    answering(choice), oneTurnAsking("run it", ApprovalKind.COMMAND),
                    choice == ApprovalChoice.ONCE ? both(status(TurnOutcome.COMPLETED), toolResult("approved-run"))
                            : choice == ApprovalChoice.DENY ? both(status(TurnOutcome.COMPLETED), toolResult("[declined"))
                            : status(TurnOutcome.INTERRUPTED));
        }

        add("file-change-approval", "apply_patch under read-only + on-request asks for approval; allowed once.",
                (m, h) -> {
                    h.askForApproval("on-request");
                    m.enqueue(ModelReply.builder("resp-1").applyPatch("call-p1", PATCH).build(),
                            ModelReply.builder("resp-2").message("Wrote hello.txt.").build());
                },
                answering(ApprovalChoice.ONCE), oneTurnAsking("write hello.txt", ApprovalKind.FILE_CHANGE),
                both(completedWith("Wrote hello.txt."), toolResult("apply_patch completed: 1 add: hello.txt")));

        add("permissions-request", "The request_permissions tool asks for write access; granted for the session.",
                (m, h) -> {
                    h.askForApproval("on-request").feature("request_permissions_tool", true);
                    m.enqueue(ModelReply.builder("resp-1").functionCall("call-perm", null, "request_permissions", Json.parse(
                            "{\"permissions\":{\"file_system\":{\"write\":[\"/tmp/codex-bridge-shared\"]}},\"reason\":\"Need write access\"}")).build(),
                            ModelReply.builder("resp-2").message("Granted.").build());
                },
                answering(ApprovalChoice.SESSION), oneTurnAsking("get access", ApprovalKind.PERMISSIONS), completedWith("Granted."));

        add("mcp-tool-call-elicitation", "An MCP tool that needs approval arrives as an elicitation; allowed for the session.",
                (m, h) -> {
                    h.askForApproval("on-request").extraToml(EchoMcpServer.configToml("echo").replace("default_tools_approval_mode = \"approve\"\n", ""));
                    m.enqueue(ModelReply.builder("resp-1").mcpCall("call-mcp", "echo", "say", Json.object().put("text", "hi")).build(),
                            ModelReply.builder("resp-2").message("Echoed.").build());
                },
                b -> b.approvals(ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(
                        r.kind() == ApprovalKind.MCP_TOOL_CALL ? ApprovalDecision.session() : ApprovalDecision.deny("unexpected"))).build()),
                oneTurnAsking("echo hi", ApprovalKind.MCP_TOOL_CALL), both(completedWith("Echoed."), toolResult("echo: hi")));

        add("mcp-form-elicitation", "An MCP server asks the user for a form (a real elicitation); the trusted server gets its answer.",
                (m, h) -> {
                    // Under approval policy "never" codex declines elicitations itself; on-request forwards them.
                    h.askForApproval("on-request").extraToml(EchoMcpServer.configToml("echo"));
                    m.enqueue(ModelReply.builder("resp-1").mcpCall("call-ask", "echo", "ask", Json.object()).build(),
                            ModelReply.builder("resp-2").message("The user confirmed.").build());
                },
                b -> b.approvals(ApprovalPolicy.builder().trustMcpServer("echo").handler(r -> CompletableFuture.completedFuture(
                        r.kind() == ApprovalKind.ELICITATION ? ApprovalDecision.accept(Json.object().put("confirmed", true))
                                : ApprovalDecision.deny("unexpected"))).build()),
                oneTurnAsking("ask the user", ApprovalKind.ELICITATION), both(completedWith("The user confirmed."), toolResult("confirmed: true")));

        add("dynamic-tool-call", "A host-registered dynamic tool is called and answered by the host.",
                (m, h) -> m.enqueue(ModelReply.builder("resp-1").dynamicToolCall("call-dyn", "lookup_ticket", Json.object().put("id", "ABC-123")).build(),
                        ModelReply.builder("resp-2").message("It is open.").build()),
                b -> b.dynamicTool(new DynamicTool("lookup_ticket", "Fetch a ticket by id", Json.parse(
                        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}"),
                        args -> DynamicTool.Result.text("Ticket " + args.path("id").asText() + " is open."))),
                oneTurn("check ABC-123"), both(completedWith("It is open."), toolResult("Ticket ABC-123 is open.")));

        ObjectNode plan = Json.object();
        plan.putObject("collaborationMode").put("mode", "plan").putObject("settings").put("model", IsolatedCodexHome.MODEL);
        add("user-input-plan-mode", "In plan mode the model asks the user a question (request_user_input).",
                (m, h) -> m.enqueue(ModelReply.builder("resp-1").functionCall("call-q", null, "request_user_input", Json.parse(
                        "{\"questions\":[{\"id\":\"confirm_path\",\"header\":\"Confirm\",\"question\":\"Proceed with the plan?\","
                                + "\"options\":[{\"label\":\"Yes (Recommended)\",\"description\":\"Continue.\"},{\"label\":\"No\",\"description\":\"Stop.\"}]}]}")).build(),
                        ModelReply.builder("resp-2").message("Proceeding.").build()),
                c -> c.experimentalApi(true),
                b -> b.approvals(ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(
                        r.kind() == ApprovalKind.USER_INPUT ? ApprovalDecision.accept(Json.object().put("confirm_path", "Yes (Recommended)"))
                                : ApprovalDecision.deny("unexpected"))).build()),
                oneTurnAsking("make a plan", TurnOptions.DEFAULTS.withExtraParams(plan), ApprovalKind.USER_INPUT),
                completedWith("Proceeding."));

        add("interrupt-during-command", "The host interrupts while a long command runs.",
                (m, h) -> {
                    h.sandboxMode("danger-full-access");
                    m.enqueue(ModelReply.builder("resp-1").execCommand("call-sleep", "sleep 30").build());
                },
                // interrupted once the command runs and codex has told the response's token usage: an interrupt before that
                // (codex still reading the model's response, as on a loaded machine) ends the turn without the usage and the
                // rate limits, and the recording would differ from run to run; 5 s after the command started at the latest
                b -> b, oneTurn("wait", TurnOptions.DEFAULTS, s -> new TurnListener() {
                    private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();
                    private final java.util.concurrent.atomic.AtomicBoolean usage = new java.util.concurrent.atomic.AtomicBoolean();
                    private final java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();

                    @Override
                    public void onItemStarted(ThreadItem item) {
                        if (item instanceof ThreadItem.CommandExecution) {
                            running.set(true);
                            CompletableFuture.delayedExecutor(5, java.util.concurrent.TimeUnit.SECONDS).execute(this::interrupt);
                            interruptWhenBoth();
                        }
                    }

                    @Override
                    public void onTokenUsage(dev.codexbridge.session.TokenUsage used) {
                        usage.set(true);
                        interruptWhenBoth();
                    }

                    private void interruptWhenBoth() {
                        if (running.get() && usage.get()) {
                            interrupt();
                        }
                    }

                    private void interrupt() {
                        if (interrupted.compareAndSet(false, true)) {
                            s.interrupt();
                        }
                    }
                }),
                both(status(TurnOutcome.INTERRUPTED), rs -> check(rs.get(0).stopReason() == StopReason.INTERRUPT, "stop reason")));

        add("steer", "The host adds input to the running turn with turn/steer.",
                (m, h) -> {
                    h.sandboxMode("danger-full-access");
                    m.enqueue(ModelReply.builder("resp-1").execCommand("call-wait", "sleep 1; echo waited").build(),
                            ModelReply.builder("resp-2").message("Steered.").build());
                },
                b -> b, ctx -> {
                    try (CodexSession s = ctx.open(b -> b)) {
                        List<Boolean> steered = new ArrayList<>();
                        TurnResult r = s.runTurn(TurnInput.text("wait"), TurnOptions.DEFAULTS, new TurnListener() {
                            @Override
                            public void onItemStarted(ThreadItem item) {
                                if (item instanceof ThreadItem.CommandExecution) {
                                    steered.add(s.steer(TurnInput.text("also mention the weather")));
                                }
                            }
                        });
                        check(steered.equals(List.of(true)), "steer accepted");
                        return List.of(r);
                    }
                },
                both(completedWith("Steered."), rs -> check(rs.get(0).messages().stream()
                        .anyMatch(m -> "also mention the weather".equals(m.content())), "steer input in the transcript")));

        add("multi-turn", "Two turns on one thread; the second request carries the first turn.",
                (m, h) -> m.enqueue(ModelReply.builder("resp-1").message("The secret is 42.").build(),
                        ModelReply.builder("resp-2").message("You said the secret is 42.").build()),
                b -> b, ctx -> {
                    try (CodexSession s = ctx.open(b -> b)) {
                        return List.of(s.runTurn(TurnInput.text("remember 42")), s.runTurn(TurnInput.text("what was it?")));
                    }
                },
                rs -> {
                    check(rs.size() == 2 && rs.get(1).finalText().equals("You said the secret is 42."), "second answer");
                    check(rs.get(0).threadId().equals(rs.get(1).threadId()), "same thread");
                });

        add("resume-in-new-process", "A thread is resumed by a second codex process (thread/resume, excludeTurns).",
                (m, h) -> m.enqueue(ModelReply.builder("resp-1").message("First process.").build(),
                        ModelReply.builder("resp-2").message("Second process, same thread.").build()),
                b -> b, ctx -> {
                    TurnResult first;
                    try (CodexSession s = ctx.open(b -> b)) {
                        first = s.runTurn(TurnInput.text("hello"));
                    }
                    try (CodexSession s = ctx.open(b -> b.resumeThread(first.threadId()))) {
                        return List.of(first, s.runTurn(TurnInput.text("again")));
                    }
                },
                rs -> {
                    check(rs.get(1).finalText().equals("Second process, same thread."), "second answer");
                    check(rs.get(0).threadId().equals(rs.get(1).threadId()), "same thread id");
                });

        add("stream-disconnect-retry", "The model stream drops before response.completed; codex retries (error willRetry) and completes.",
                (m, h) -> {
                    h.streamRetries(1);
                    m.enqueue(ModelReply.builder("resp-1").message("partial").cutBeforeCompleted().build(),
                            ModelReply.builder("resp-2").message("Recovered.").build());
                },
                b -> b, ctx -> {
                    List<TurnResult> out = new ArrayList<>();
                    List<String> retries = new ArrayList<>();
                    try (CodexSession s = ctx.open(b -> b)) {
                        out.add(s.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, new TurnListener() {
                            @Override
                            public void onRetry(TurnFailure error) {
                                retries.add(error.message());
                            }
                        }));
                    }
                    check(!retries.isEmpty(), "a retry was reported to the listener");
                    return out;
                },
                completedWith("Recovered."));

        add("failed-context-window", "The model fails with context_length_exceeded; the turn fails with contextWindowExceeded.",
                (m, h) -> m.enqueue(ModelReply.builder("resp-1").failed("context_length_exceeded", "too long").build()),
                b -> b, oneTurn("a lot of text"),
                both(status(TurnOutcome.FAILED), rs -> check(rs.get(0).error().category() == ErrorCategory.CONTEXT_WINDOW,
                        "category " + rs.get(0).error())));

        add("usage-limit-retry", "The model answers 429 with codex's rate-limit headers: codex reports the used-up window "
                        + "(account/rateLimits/updated) and fails the turn as usageLimitExceeded; the session's rate-limit "
                        + "governor waits for the reset and the retry completes.",
                (m, h) -> {
                    long resetAt = System.currentTimeMillis() / 1000 + 2;
                    m.enqueue(new ModelReply.HttpError(429, Map.of("content-type", "application/json",
                                    "x-codex-primary-used-percent", "100", "x-codex-primary-window-minutes", "300",
                                    "x-codex-primary-reset-at", Long.toString(resetAt)),
                                    "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"usage_limit_reached\","
                                            + "\"resets_at\":" + resetAt + "}}"),
                            ModelReply.builder("resp-2").message("Recovered after the limit reset.").build());
                },
                b -> b.rateLimits(RateLimitGovernor.builder().maxAttempts(2).maxWait(Duration.ofSeconds(10)).build()),
                oneTurn("hello"),
                both(completedWith("Recovered after the limit reset."),
                        rs -> check(rs.get(0).attempts() == 2, "two attempts, was " + rs.get(0).attempts())));

        add("large-command-output", "A command prints 70,000 bytes (64 KiB+ in one aggregatedOutput).",
                (m, h) -> {
                    h.sandboxMode("danger-full-access");
                    m.enqueue(ModelReply.builder("resp-1").execCommand("call-big", "yes a | head -c 70000").build(),
                            ModelReply.builder("resp-2").message("That was long.").build());
                },
                b -> b, oneTurn("print a lot"),
                both(completedWith("That was long."), toolResult("characters truncated")));
    }
}
