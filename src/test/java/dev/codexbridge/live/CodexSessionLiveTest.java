package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.CodexThread;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.TurnLimits;

/** {@link CodexSession} against the real pinned codex and the scripted model server. */
class CodexSessionLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path work;
    private final dev.codexbridge.support.WireSchema.Recorder wire = new dev.codexbridge.support.WireSchema.Recorder();
    private dev.codexbridge.support.WireSchema schema = dev.codexbridge.support.WireSchema.pinned();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;
        }
        model.close();
        assertThat(wire.sent()).isNotEmpty();
        assertThat(schema.validateConversation(wire)).as("every message the session sent matches the schema").isEmpty();
    }

    private CodexSession.Builder session(Consumer<IsolatedCodexHome.Builder> home) {
        IsolatedCodexHome.Builder h = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl());
        home.accept(h);
        return CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(h.write()).build()).wireTap(wire).options()).cwd(work)
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO));
    }

    private static ApprovalPolicy answering(ApprovalChoice choice, List<ApprovalRequest> asked) {
        return ApprovalPolicy.builder().handler(r -> {
            asked.add(r);
            return CompletableFuture.completedFuture(new ApprovalDecision(choice, null, null));
        }).build();
    }

    @Test
    void aSimpleTurnStreamsAndReturnsTheTranscript() {
        model.enqueue(ModelReply.builder().reasoning("Greet", null).message("Hello from codex").build());
        List<String> deltas = Collections.synchronizedList(new ArrayList<>());
        try (CodexSession s = session(h -> { }).build()) {
            TurnResult r = s.runTurn(TurnInput.text("say hello"), TurnOptions.DEFAULTS, new TurnListener() {
                @Override
                public void onAgentMessageDelta(String itemId, String delta) {
                    deltas.add(delta);
                }
            });
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.stopReason()).isEqualTo(StopReason.NATURAL);
            assertThat(r.finalText()).isEqualTo("Hello from codex");
            assertThat(String.join("", deltas)).isEqualTo("Hello from codex");
            assertThat(r.threadId()).isEqualTo(s.threadId()).isNotBlank();
            assertThat(r.turnId()).isNotBlank();
            assertThat(r.tokenUsage()).isNotNull();
            assertThat(r.tokenUsage().total().totalTokens()).isEqualTo(15);
            assertThat(r.messages()).extracting(TranscriptMessage::role)
                    .containsExactly(TranscriptMessage.Role.USER, TranscriptMessage.Role.ASSISTANT);
            assertThat(r.messages().get(1).reasoning()).isEqualTo("Greet");
            assertThat(r.retired()).isFalse();
        }
    }

    @Test
    void commandApprovalAcceptDeclineAndCancel() {
        List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
        for (ApprovalChoice choice : List.of(ApprovalChoice.ONCE, ApprovalChoice.DENY, ApprovalChoice.CANCEL)) {
            asked.clear();
            model.enqueue(ModelReply.builder().execCommandEscalated("call-" + choice, "echo approved-run", "Need to run it").build());
            if (choice != ApprovalChoice.CANCEL) {
                model.enqueue(ModelReply.message("done"));
            }
            try (CodexSession s = session(h -> h.askForApproval("on-request")).approvals(answering(choice, asked)).build()) {
                TurnResult r = s.runTurn(TurnInput.text("run it"));
                assertThat(asked).singleElement().satisfies(a -> {
                    assertThat(a.kind()).isEqualTo(ApprovalKind.COMMAND);
                    assertThat(a.reason()).isEqualTo("Need to run it");
                    assertThat(a.cwd()).isEqualTo(work.toString());
                });
                TranscriptMessage tool = r.messages().stream().filter(m -> m.role() == TranscriptMessage.Role.TOOL).findFirst().orElseThrow();
                switch (choice) {
                    case ONCE -> {
                        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                        assertThat(tool.content()).contains("approved-run");
                    }
                    case DENY -> {
                        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                        assertThat(tool.content()).startsWith("[declined");
                    }
                    default -> {
                        assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
                        assertThat(tool.content()).startsWith("[declined");
                    }
                }
            }
        }
    }

    @Test
    void fileChangeApprovalShowsTheSummaryAndAppliesThePatch() throws Exception {
        List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
        model.enqueue(ModelReply.builder().applyPatch("call-p1", "*** Begin Patch\n*** Add File: hello.txt\n+hello world\n*** End Patch").build(),
                ModelReply.message("Wrote it."));
        try (CodexSession s = session(h -> h.askForApproval("on-request")).approvals(answering(ApprovalChoice.ONCE, asked)).build()) {
            TurnResult r = s.runTurn(TurnInput.text("write hello.txt"));
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(asked).filteredOn(a -> a.kind() == ApprovalKind.FILE_CHANGE).singleElement()
                    .satisfies(a -> assertThat(a.title()).isEqualTo("apply_patch: 1 add: hello.txt"));
            assertThat(Files.readString(work.resolve("hello.txt"))).isEqualTo("hello world\n");
        }
    }

    @Test
    void mcpToolCallApprovalArrivesAsAnElicitation() {
        List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
        String mcp = EchoMcpServer.configToml("echo").replace("default_tools_approval_mode = \"approve\"\n", "");
        model.enqueue(ModelReply.builder().mcpCall("call-mcp", "echo", "say", Json.object().put("text", "hi")).build(),
                ModelReply.message("echoed"));
        try (CodexSession s = session(h -> h.askForApproval("on-request").extraToml(mcp))
                .approvals(answering(ApprovalChoice.SESSION, asked)).build()) {
            TurnResult r = s.runTurn(TurnInput.text("echo hi"));
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(asked).singleElement().satisfies(a -> {
                assertThat(a.kind()).isEqualTo(ApprovalKind.MCP_TOOL_CALL);
                assertThat(a.serverName()).isEqualTo("echo");
                assertThat(a.toolName()).isEqualTo("say");
            });
            assertThat(r.messages()).anySatisfy(m -> assertThat(m.content()).isEqualTo("echo: hi"));
        }
    }

    @Test
    void dynamicToolsAreRunByTheHost() {
        DynamicTool lookup = new DynamicTool("lookup_ticket", "Fetch a ticket", Json.parse(
                "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}"),
                args -> DynamicTool.Result.text("Ticket " + args.path("id").asText() + " is open."));
        model.enqueue(ModelReply.builder().dynamicToolCall("call-dyn", "lookup_ticket", Json.object().put("id", "ABC-1")).build(),
                ModelReply.message("It is open."));
        schema = dev.codexbridge.support.WireSchema.pinnedExperimental();
        try (CodexSession s = session(h -> { }).dynamicTool(lookup).build()) {
            TurnResult r = s.runTurn(TurnInput.text("check ABC-1"));
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.toolIterations()).isEqualTo(1);
            assertThat(model.responsesRequests().get(1).functionCallOutput("call-dyn")).contains("Ticket ABC-1 is open.");
        }
    }

    @Test
    void permissionRequestsAreGrantedForTheSessionOrDenied() {
        for (ApprovalChoice choice : List.of(ApprovalChoice.SESSION, ApprovalChoice.DENY)) {
            List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
            String shared = tmp.resolve("shared").toString();
            model.enqueue(ModelReply.builder().functionCall("call-perm-" + choice, null, "request_permissions", Json.parse(
                    "{\"permissions\":{\"file_system\":{\"write\":[\"" + shared + "\"]}},\"reason\":\"Need write access\"}")).build(),
                    ModelReply.message("ok"));
            try (CodexSession s = session(h -> h.askForApproval("on-request").feature("request_permissions_tool", true))
                    .approvals(answering(choice, asked)).build()) {
                TurnResult r = s.runTurn(TurnInput.text("get access"));
                assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(asked).singleElement().satisfies(a -> {
                    assertThat(a.kind()).isEqualTo(ApprovalKind.PERMISSIONS);
                    assertThat(a.title()).isEqualTo("write " + shared);
                    assertThat(a.reason()).isEqualTo("Need write access");
                });
                String output = model.responsesRequests().get(model.responsesRequests().size() - 1)
                        .functionCallOutput("call-perm-" + choice).orElseThrow();
                if (choice == ApprovalChoice.SESSION) {
                    assertThat(output).contains(shared).contains("session");
                } else {
                    assertThat(output).doesNotContain(shared);
                }
            }
        }
    }

    @Test
    void interruptDuringACommandEndsTheTurnInterrupted() {
        model.enqueue(ModelReply.builder().execCommand("call-sleep", "sleep 30").build());
        try (CodexSession s = session(h -> h.sandboxMode("danger-full-access")).build()) {
            TurnResult r = s.runTurn(TurnInput.text("wait"), TurnOptions.DEFAULTS, new TurnListener() {
                @Override
                public void onItemStarted(dev.codexbridge.protocol.ThreadItem item) {
                    if (item instanceof dev.codexbridge.protocol.ThreadItem.CommandExecution) {
                        s.interrupt();
                    }
                }
            });
            assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
            assertThat(r.stopReason()).isEqualTo(StopReason.INTERRUPT);
            assertThat(r.messages()).anySatisfy(m -> assertThat(m.incomplete()).isTrue());
            assertThat(r.retired()).isFalse();
        }
    }

    @Test
    void multiTurnMemoryStepBudgetAndStructuredOutput() {
        model.enqueue(ModelReply.message("The secret is 42."));
        try (CodexSession s = session(h -> h.sandboxMode("danger-full-access")).build()) {
            assertThat(s.runTurn(TurnInput.text("remember 42")).finalText()).isEqualTo("The secret is 42.");
            // the budget's interrupt races codex's next step: codex may already have begun the second command when the
            // interrupt reaches it, so that command is one that cannot finish first; it is stopped with the turn
            model.enqueue(ModelReply.builder().execCommand("c1", "echo one").build(), ModelReply.builder().execCommand("c2", "sleep 30").build(),
                    ModelReply.message("never reached"));
            int asked = model.responsesRequests().size();
            TurnResult budget = s.runTurn(TurnInput.text("run two commands"), TurnOptions.DEFAULTS.withMaxSteps(1), TurnListener.NONE);
            assertThat(budget.status()).isEqualTo(TurnOutcome.INTERRUPTED);
            assertThat(budget.stopReason()).isEqualTo(StopReason.STEP_BUDGET);
            assertThat(budget.stepCount()).as("steps completed").isEqualTo(1);
            assertThat(budget.toolIterations()).as("commands seen: the first, and the second if codex began it").isBetween(1, 2);
            assertThat(model.responsesRequests().size() - asked).as("no model request after the second command").isLessThanOrEqualTo(2);
            model.discardRemaining();
            model.enqueue(ModelReply.message("{\"answer\":42}"));
            int before = model.responsesRequests().size();
            TurnResult structured = s.runTurn(TurnInput.text("what was the secret?"),
                    TurnOptions.DEFAULTS.withOutputSchema(Json.parse("{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"integer\"}},"
                            + "\"required\":[\"answer\"],\"additionalProperties\":false}")), TurnListener.NONE);
            assertThat(structured.finalText()).isEqualTo("{\"answer\":42}");
            JsonNode body = model.responsesRequests().get(model.responsesRequests().size() - 1).body();
            assertThat(body.toString()).contains("remember 42").contains("The secret is 42.");
            assertThat(body.path("text").path("format").path("type").asText()).isEqualTo("json_schema");
            assertThat(model.responsesRequests().size()).isGreaterThan(before);
        }
    }

    @Test
    void aKilledCodexIsNoticedAtOnceAndTheNextTurnResumesTheThread() throws Exception {
        model.enqueue(ModelReply.message("first answer"));
        model.enqueue(ModelReply.builder().execCommand("c-kill", "kill -9 $PPID; sleep 5").build());
        model.enqueue(ModelReply.message("back again"));
        try (CodexSession s = session(h -> h.sandboxMode("danger-full-access")).build()) {
            assertThat(s.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
            String thread = s.threadId();
            long start = System.nanoTime();
            TurnResult killed = s.runTurn(TurnInput.text("two"));
            // its death ended the turn, not the turn's 60 s limit, however slowly the turn got to the kill
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(50));
            assertThat(killed.status()).isEqualTo(TurnOutcome.FAILED);
            assertThat(killed.retired()).isTrue();
            assertThat(killed.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
            assertThat(s.isRetired()).isTrue();
            TurnResult again = s.runTurn(TurnInput.text("three"));
            assertThat(again.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(again.finalText()).isEqualTo("back again");
            assertThat(s.threadId()).isEqualTo(thread);
            JsonNode body = model.responsesRequests().get(model.responsesRequests().size() - 1).body();
            assertThat(body.toString()).contains("first answer");
        }
    }

    @Test
    void steerAddsInputToTheRunningTurn() {
        model.enqueue(ModelReply.builder().execCommand("c-wait", "sleep 2; echo waited").build(), ModelReply.message("steered"));
        try (CodexSession s = session(h -> h.sandboxMode("danger-full-access")).build()) {
            List<Boolean> steered = new ArrayList<>();
            TurnResult r = s.runTurn(TurnInput.text("wait"), TurnOptions.DEFAULTS, new TurnListener() {
                @Override
                public void onItemStarted(dev.codexbridge.protocol.ThreadItem item) {
                    if (item instanceof dev.codexbridge.protocol.ThreadItem.CommandExecution) {
                        steered.add(s.steer(TurnInput.text("also mention the weather")));
                    }
                }
            });
            assertThat(steered).containsExactly(true);
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.messages()).filteredOn(m -> m.role() == TranscriptMessage.Role.USER)
                    .extracting(TranscriptMessage::content).contains("also mention the weather");
        }
    }

    @Test
    void theSessionsOwnThreadCanBeReadRenamedForkedReviewedAndArchived() throws Exception {
        model.enqueue(ModelReply.builder().message("First answer").build(),
                ModelReply.builder().message("{\"findings\":[],\"overall_correctness\":\"patch is correct\","
                        + "\"overall_explanation\":\"Looks fine.\",\"overall_confidence_score\":0.9}").build());
        git("init", "-q");
        Files.writeString(work.resolve("a.txt"), "one\n");
        git("add", "a.txt");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "first");
        Files.writeString(work.resolve("a.txt"), "two\n");
        try (CodexSession s = session(h -> { }).build()) {
            assertThat(s.runTurn(TurnInput.text("hello")).finalText()).isEqualTo("First answer");
            s.rename("bridge thread");
            dev.codexbridge.protocol.ThreadReadResponse read = s.read(true);
            assertThat(read.thread().id()).isEqualTo(s.threadId());
            assertThat(read.thread().name()).isEqualTo("bridge thread");
            assertThat(read.thread().turns()).hasSize(1);

            TurnResult review = s.runReview(new dev.codexbridge.protocol.ReviewTarget.UncommittedChanges(),
                    TurnOptions.DEFAULTS, TurnListener.NONE);
            assertThat(review.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(review.turnId()).isNotBlank();

            dev.codexbridge.protocol.ThreadForkResponse fork = s.fork();
            assertThat(fork.thread().id()).isNotEqualTo(s.threadId()).isNotBlank();
            s.archive();
            dev.codexbridge.protocol.ThreadListResponse listed = s.client().threadList(
                    dev.codexbridge.protocol.ThreadListParams.builder().build());
            assertThat(listed.data()).extracting(CodexThread::id).doesNotContain(s.threadId());
        }
    }

    @Test
    void theUsersTextAppearsOnceInTheTranscript() {
        model.enqueue(ModelReply.message("Noted."));
        try (CodexSession s = session(h -> { }).build()) {
            TurnResult r = s.runTurn(TurnInput.text("remember the number 7"));
            assertThat(r.messages()).filteredOn(m -> m.role() == TranscriptMessage.Role.USER)
                    .singleElement().extracting(TranscriptMessage::content).isEqualTo("remember the number 7");
            assertThat(r.messages().stream().filter(m -> String.valueOf(m.content()).contains("remember the number 7")))
                    .hasSize(1);
            JsonNode request = model.responsesRequests().get(model.responsesRequests().size() - 1).body();
            assertThat(request.toString().split("remember the number 7", -1)).as("codex sent the user's text once").hasSize(2);
        }
    }

    private void git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", work.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("git %s: %s", List.of(args), out).isZero();
    }
}
