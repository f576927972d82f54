package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.approval.PersistentRule;
import dev.codexbridge.approval.CommandRules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ChatgptAuthTokensRefreshResponse;
import dev.codexbridge.protocol.CommandExecutionRequestApprovalParams;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.RequestMethod;
import dev.codexbridge.protocol.ServerRequestParams;
import dev.codexbridge.protocol.ServerRequests;
import dev.codexbridge.rpc.JsonRpcId;
import dev.codexbridge.support.WireSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ServerRequestBridgeTest {
    private static final String COMMAND = "{\"kind\":\"command\",\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"call-1\","
            + "\"startedAtMs\":1,\"reason\":\"Need to create a file\",\"command\":\"touch x\",\"cwd\":\"/w\","
            + "\"commandActions\":[{\"type\":\"unknown\",\"command\":\"touch x\"}],\"proposedExecpolicyAmendment\":[\"touch\",\"x\"],"
            + "\"availableDecisions\":[\"accept\",{\"acceptWithExecpolicyAmendment\":{\"execpolicy_amendment\":[\"touch\",\"x\"]}},\"cancel\"]}";
    private static final String FILE_CHANGE = "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"fc-1\",\"startedAtMs\":1,\"reason\":null,\"grantRoot\":null}";
    private static final String PERMISSIONS = "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"p1\",\"environmentId\":\"local\",\"startedAtMs\":1,"
            + "\"cwd\":\"/w\",\"reason\":\"Need write access\",\"permissions\":{\"network\":null,\"fileSystem\":{\"read\":null,"
            + "\"write\":[\"/home/user/shared\"],\"entries\":[{\"path\":{\"type\":\"path\",\"path\":\"/home/user/shared\"},\"access\":\"write\"}]}}}";
    private static final String MCP_APPROVAL = "{\"threadId\":\"t\",\"turnId\":\"u\",\"serverName\":\"echo\",\"mode\":\"form\","
            + "\"_meta\":{\"codex_approval_kind\":\"mcp_tool_call\",\"persist\":[\"session\",\"always\"],\"tool_name\":\"say\"},"
            + "\"message\":\"Allow the echo MCP server to run tool \\\"say\\\"?\",\"requestedSchema\":{\"type\":\"object\",\"properties\":{}}}";
    private static final String FORM = "{\"threadId\":\"t\",\"turnId\":\"u\",\"serverName\":\"echo\",\"mode\":\"form\",\"_meta\":null,"
            + "\"message\":\"Please confirm\",\"requestedSchema\":{\"type\":\"object\",\"properties\":{\"confirmed\":{\"type\":\"boolean\"}}}}";
    private static final String USER_INPUT = "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"q\",\"questions\":[{\"id\":\"confirm_path\","
            + "\"header\":\"Confirm\",\"question\":\"Proceed?\",\"isOther\":true,\"isSecret\":false,\"options\":[{\"label\":\"Yes\",\"description\":\"y\"}]}],"
            + "\"isBlocking\":true,\"autoResolutionMs\":null}";
    private static final String TOOL_CALL = "{\"threadId\":\"t\",\"turnId\":\"u\",\"callId\":\"c\",\"namespace\":null,\"tool\":\"lookup\",\"arguments\":{\"id\":\"A\"}}";
    private static final String LEGACY_EXEC = "{\"conversationId\":\"t\",\"callId\":\"c\",\"approvalId\":null,\"command\":[\"ls\",\"-l\"],\"cwd\":\"/w\",\"reason\":null,\"parsedCmd\":[]}";

    /** The params as the session gets them: decoded by the client into the generated types. */
    private static ServerRequestParams params(String method, String params) {
        return new CodexEvent.ServerRequest(JsonRpcId.of(0), method, null, Json.parse(params)).params();
    }

    private static ServerRequestBridge.Answer answer(ServerRequestBridge bridge, String method, String params) throws Exception {
        ServerRequestBridge.Answer a = bridge.answer(method, params(method, params)).get(60, TimeUnit.SECONDS);
        if (a.result() != null) {
            WireSchema schema = method.equals("item/tool/requestUserInput") || method.equals("item/tool/call")
                    ? WireSchema.pinnedExperimental() : WireSchema.pinned();
            assertThat(schema.validateResponse(method, wire(a))).as("%s answer %s", method, wire(a)).isEmpty();
        }
        return a;
    }

    /** The result as it goes on the wire. */
    private static JsonNode wire(ServerRequestBridge.Answer a) {
        return Json.parse(Json.write(a.result()));
    }

    private static ServerNotification notification(String method, String params) {
        return new CodexEvent.Notification(method, "t", Json.parse(params)).params();
    }

    private static ServerRequestBridge with(ApprovalChoice choice) {
        return new ServerRequestBridge(ApprovalPolicy.builder().handler(ApprovalHandler.always(choice)).build(),
                List.of(), "/session-cwd");
    }

    /** A bridge whose policy lets ALWAYS write codex's permanent rules. */
    private static ServerRequestBridge persisting(ApprovalChoice choice) {
        return new ServerRequestBridge(ApprovalPolicy.builder().handler(ApprovalHandler.always(choice)).alwaysMeansSession(false)
                .build(), List.of(), "/session-cwd");
    }

    @Test
    void everyRequestKindGetsASchemaValidAnswerForEveryChoice() throws Exception {
        String[][] requests = {
            {"item/commandExecution/requestApproval", COMMAND}, {"item/fileChange/requestApproval", FILE_CHANGE},
            {"item/permissions/requestApproval", PERMISSIONS}, {"mcpServer/elicitation/request", MCP_APPROVAL},
            {"mcpServer/elicitation/request", FORM}, {"item/tool/requestUserInput", USER_INPUT},
            {"execCommandApproval", LEGACY_EXEC}, {"applyPatchApproval", "{\"conversationId\":\"t\",\"callId\":\"c\",\"fileChanges\":{},\"reason\":null,\"grantRoot\":null}"}};
        for (ApprovalChoice choice : ApprovalChoice.values()) {
            for (String[] r : requests) {
                assertThat(answer(with(choice), r[0], r[1]).result()).as("%s %s", choice, r[0]).isNotNull();
                assertThat(answer(persisting(choice), r[0], r[1]).result()).as("%s %s, persisting", choice, r[0]).isNotNull();
            }
        }
    }

    @Test
    void hostVocabularyMapsToCodexDecisions() throws Exception {
        assertThat(wire(answer(with(ApprovalChoice.ONCE), "item/commandExecution/requestApproval", COMMAND)))
                .isEqualTo(Json.parse("{\"decision\":\"accept\"}"));
        assertThat(wire(answer(with(ApprovalChoice.SESSION), "item/commandExecution/requestApproval", COMMAND)))
                .isEqualTo(Json.parse("{\"decision\":\"acceptForSession\"}"));
        assertThat(wire(answer(persisting(ApprovalChoice.ALWAYS), "item/commandExecution/requestApproval", COMMAND)))
                .isEqualTo(Json.parse("{\"decision\":{\"acceptWithExecpolicyAmendment\":{\"execpolicy_amendment\":[\"touch\",\"x\"]}}}"));
        assertThat(wire(answer(with(ApprovalChoice.DENY), "item/commandExecution/requestApproval", COMMAND)))
                .isEqualTo(Json.parse("{\"decision\":\"decline\"}"));
        assertThat(wire(answer(with(ApprovalChoice.CANCEL), "item/fileChange/requestApproval", FILE_CHANGE)))
                .isEqualTo(Json.parse("{\"decision\":\"cancel\"}"));
        assertThat(wire(answer(with(ApprovalChoice.DENY), "item/permissions/requestApproval", PERMISSIONS)))
                .isEqualTo(Json.parse("{\"permissions\":{}}"));
        assertThat(wire(answer(with(ApprovalChoice.SESSION), "item/permissions/requestApproval", PERMISSIONS)).path("scope").asText())
                .isEqualTo("session");
        assertThat(wire(answer(with(ApprovalChoice.ONCE), "mcpServer/elicitation/request", MCP_APPROVAL)))
                .isEqualTo(Json.parse("{\"action\":\"accept\",\"content\":{}}"));
        assertThat(wire(answer(with(ApprovalChoice.SESSION), "mcpServer/elicitation/request", MCP_APPROVAL)))
                .isEqualTo(Json.parse("{\"action\":\"accept\",\"_meta\":{\"persist\":\"session\"}}"));
        assertThat(wire(answer(persisting(ApprovalChoice.ALWAYS), "mcpServer/elicitation/request", MCP_APPROVAL)).path("_meta").path("persist").asText())
                .isEqualTo("always");
    }

    @Test
    void alwaysStaysInTheSessionByDefault() throws Exception {
        ServerRequestBridge.Answer command = answer(with(ApprovalChoice.ALWAYS), "item/commandExecution/requestApproval", COMMAND);
        assertThat(wire(command)).as("no execpolicy rule for the whole codex home").isEqualTo(Json.parse("{\"decision\":\"acceptForSession\"}"));
        assertThat(command.decision().choice()).isEqualTo(ApprovalChoice.SESSION);
        assertThat(wire(answer(with(ApprovalChoice.ALWAYS), "mcpServer/elicitation/request", MCP_APPROVAL)))
                .isEqualTo(Json.parse("{\"action\":\"accept\",\"_meta\":{\"persist\":\"session\"}}"));
        assertThat(with(ApprovalChoice.ALWAYS).describe("item/commandExecution/requestApproval",
                params("item/commandExecution/requestApproval", COMMAND)).persistentRule()).as("nothing would be written").isNull();
        assertThat(with(ApprovalChoice.ALWAYS).describe("mcpServer/elicitation/request",
                params("mcpServer/elicitation/request", MCP_APPROVAL)).persistentRule()).isNull();
    }

    @Test
    void theRuleAnAlwaysWouldWriteIsShownAndIsTheOneSent() throws Exception {
        List<ApprovalRequest> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.builder().alwaysMeansSession(false).handler(r -> {
            asked.add(r);
            return CompletableFuture.completedFuture(ApprovalDecision.always());
        }).build(), List.of(), "/s");

        ServerRequestBridge.Answer command = answer(bridge, "item/commandExecution/requestApproval", COMMAND);
        assertThat(asked.get(0).persistentRule()).isEqualTo(new PersistentRule.CommandPrefix(List.of("touch", "x")));
        PersistentRule.CommandPrefix prefix = (PersistentRule.CommandPrefix) asked.get(0).persistentRule();
        assertThat(prefix.file()).isEqualTo("rules/default.rules");
        assertThat(prefix.text()).isEqualTo("prefix_rule(pattern=[\"touch\", \"x\"], decision=\"allow\")");
        assertThat(prefix.summary()).contains("CODEX_HOME/rules/default.rules", "`touch x`", "any further arguments");
        assertThat(wire(command).path("decision").path("acceptWithExecpolicyAmendment").path("execpolicy_amendment"))
                .as("the rule sent is the rule shown").isEqualTo(Json.parse("[\"touch\",\"x\"]"));
        assertThat(command.decision().choice()).isEqualTo(ApprovalChoice.ALWAYS);

        answer(bridge, "mcpServer/elicitation/request", MCP_APPROVAL);
        assertThat(asked.get(1).persistentRule()).isEqualTo(new PersistentRule.McpToolApproval("echo", "say"));
        assertThat(asked.get(1).persistentRule().text()).isEqualTo("[mcp_servers.echo.tools.say]\napproval_mode = \"approve\"");
        assertThat(asked.get(1).persistentRule().file()).isEqualTo("config.toml");

        // Nothing permanent on offer: nothing shown, and ALWAYS is the session.
        String noPersist = MCP_APPROVAL.replace("\"persist\":[\"session\",\"always\"],", "");
        assertThat(wire(answer(bridge, "mcpServer/elicitation/request", noPersist)).path("_meta").path("persist").asText()).isEqualTo("session");
        assertThat(asked.get(2).persistentRule()).isNull();
        String noAmendment = COMMAND.replace(",{\"acceptWithExecpolicyAmendment\":{\"execpolicy_amendment\":[\"touch\",\"x\"]}}", "");
        assertThat(wire(answer(bridge, "item/commandExecution/requestApproval", noAmendment))).isEqualTo(Json.parse("{\"decision\":\"acceptForSession\"}"));
        assertThat(asked.get(3).persistentRule()).isNull();
        // An amendment without words would allow what no one was shown: never taken.
        String emptyAmendment = COMMAND.replace("\"execpolicy_amendment\":[\"touch\",\"x\"]", "\"execpolicy_amendment\":[]");
        assertThat(wire(answer(bridge, "item/commandExecution/requestApproval", emptyAmendment))).isEqualTo(Json.parse("{\"decision\":\"acceptForSession\"}"));
        assertThat(asked.get(4).persistentRule()).isNull();
        answer(bridge, "item/fileChange/requestApproval", FILE_CHANGE);
        assertThat(asked.get(5).persistentRule()).isNull();
    }

    @Test
    void aPrefixRulesTextQuotesEveryWordAsCodexDoes() {
        assertThat(new PersistentRule.CommandPrefix(List.of("printf", "a\"b\\c\td\u001be")).text())
                .isEqualTo("prefix_rule(pattern=[\"printf\", \"a\\\"b\\\\c\\td\\u001be\"], decision=\"allow\")");
        assertThatThrownBy(() -> new PersistentRule.CommandPrefix(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mcpToolCallsOfferOnceBeforeCodexsPersistOptions() throws Exception {
        ApprovalRequest asked = with(ApprovalChoice.ONCE).describe("mcpServer/elicitation/request",
                params("mcpServer/elicitation/request", MCP_APPROVAL));
        assertThat(asked.kind()).isEqualTo(ApprovalKind.MCP_TOOL_CALL);
        assertThat(asked.choicesOffered()).containsExactly("once", "session", "always");
        // Without persist options codex can still be answered once; ALWAYS then falls back to the session.
        String noPersist = MCP_APPROVAL.replace("\"persist\":[\"session\",\"always\"],", "");
        assertThat(with(ApprovalChoice.ONCE).describe("mcpServer/elicitation/request",
                params("mcpServer/elicitation/request", noPersist)).choicesOffered()).containsExactly("once");
        assertThat(wire(answer(persisting(ApprovalChoice.ALWAYS), "mcpServer/elicitation/request", noPersist)))
                .isEqualTo(Json.parse("{\"action\":\"accept\",\"_meta\":{\"persist\":\"session\"}}"));
    }

    @Test
    void failsClosedWithoutAHandlerOrWhenItThrowsFailsOrIsLate() throws Exception {
        ServerRequestBridge none = new ServerRequestBridge(ApprovalPolicy.failClosed(), List.of(), "/s");
        assertThat(wire(answer(none, "item/commandExecution/requestApproval", COMMAND)).path("decision").asText()).isEqualTo("decline");
        assertThat(wire(answer(none, "mcpServer/elicitation/request", MCP_APPROVAL)).path("action").asText()).isEqualTo("decline");
        for (ApprovalHandler bad : List.<ApprovalHandler>of(
                r -> {
                    throw new IllegalStateException("boom");
                },
                r -> CompletableFuture.failedFuture(new RuntimeException("async boom")),
                r -> null,
                r -> new CompletableFuture<>())) {
            ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.builder().handler(bad)
                    .deadline(Duration.ofMillis(200)).build(), List.of(), "/s");
            ServerRequestBridge.Answer a = answer(bridge, "item/commandExecution/requestApproval", COMMAND);
            assertThat(wire(a).path("decision").asText()).isEqualTo("decline");
            assertThat(a.decision().choice()).isEqualTo(ApprovalChoice.DENY);
        }
    }

    @Test
    void policyRulesComeBeforeTheHandler() throws Exception {
        AtomicReference<ApprovalRequest> asked = new AtomicReference<>();
        ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.builder().autoApproveCommands(true).trustMcpServer("echo")
                .handler(r -> {
                    asked.set(r);
                    return CompletableFuture.completedFuture(ApprovalDecision.deny("no"));
                }).build(), List.of(), "/s");
        assertThat(wire(answer(bridge, "item/commandExecution/requestApproval", COMMAND)).path("decision").asText()).isEqualTo("accept");
        assertThat(wire(answer(bridge, "mcpServer/elicitation/request", MCP_APPROVAL)).path("action").asText()).isEqualTo("accept");
        assertThat(asked.get()).isNull();
        assertThat(wire(answer(bridge, "item/fileChange/requestApproval", FILE_CHANGE)).path("decision").asText()).isEqualTo("decline");
        assertThat(asked.get().kind()).isEqualTo(ApprovalKind.FILE_CHANGE);
    }

    @Test
    void commandRulesAllowTheirCommandsAndDenyOrHandOnTheRestBeforeTheHandler() throws Exception {
        List<ApprovalRequest> asked = new ArrayList<>();
        ApprovalHandler handler = r -> {
            asked.add(r);
            return CompletableFuture.completedFuture(ApprovalDecision.once());
        };
        String ls = COMMAND.replace("\"command\":\"touch x\"", "\"command\":\"/bin/bash -c 'ls -l'\"");
        String compound = COMMAND.replace("\"command\":\"touch x\"", "\"command\":\"/bin/bash -c 'ls; touch x'\"");
        ServerRequestBridge denying = new ServerRequestBridge(ApprovalPolicy.builder().commandRules(CommandRules.allowing("ls"))
                .handler(handler).build(), List.of(), "/s");
        assertThat(wire(answer(denying, "item/commandExecution/requestApproval", ls)).path("decision").asText()).isEqualTo("accept");
        ServerRequestBridge.Answer refused = answer(denying, "item/commandExecution/requestApproval", compound);
        assertThat(wire(refused).path("decision").asText()).isEqualTo("decline");
        assertThat(refused.decision().note()).isEqualTo("command rules: not one simple command: a list of commands (;)");
        assertThat(wire(answer(denying, "execCommandApproval", LEGACY_EXEC))).as("the legacy argv [ls, -l]")
                .isEqualTo(Json.parse("{\"decision\":\"approved\"}"));
        assertThat(asked).as("the handler is not asked about commands").isEmpty();
        assertThat(wire(answer(denying, "item/fileChange/requestApproval", FILE_CHANGE)).path("decision").asText()).isEqualTo("accept");
        assertThat(asked).extracting(ApprovalRequest::kind).containsExactly(ApprovalKind.FILE_CHANGE);

        asked.clear();
        ServerRequestBridge handingOn = new ServerRequestBridge(ApprovalPolicy.builder()
                .commandRules(CommandRules.builder().allowPrograms("ls").askHandlerForOthers(true).build()).handler(handler).build(),
                List.of(), "/s");
        assertThat(wire(answer(handingOn, "item/commandExecution/requestApproval", ls)).path("decision").asText()).isEqualTo("accept");
        assertThat(asked).isEmpty();
        assertThat(wire(answer(handingOn, "item/commandExecution/requestApproval", compound)).path("decision").asText()).isEqualTo("accept");
        assertThat(asked).extracting(ApprovalRequest::command).containsExactly("/bin/bash -c 'ls; touch x'");

        ServerRequestBridge noHandler = new ServerRequestBridge(ApprovalPolicy.builder().commandRules(CommandRules.allowing("ls")).build(),
                List.of(), "/s");
        assertThat(wire(answer(noHandler, "item/commandExecution/requestApproval", ls)).path("decision").asText()).isEqualTo("accept");
        assertThat(answer(noHandler, "item/commandExecution/requestApproval", COMMAND).decision().note())
                .isEqualTo("command rules: the program touch is not allowed (allowed: ls)");
    }

    @Test
    void untrustedServersElicitationsAreDeclinedWithoutAsking() throws Exception {
        AtomicReference<ApprovalRequest> asked = new AtomicReference<>();
        ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.builder().handler(r -> {
            asked.set(r);
            return CompletableFuture.completedFuture(ApprovalDecision.accept(Json.object().put("confirmed", true)));
        }).build(), List.of(), "/s");
        assertThat(wire(answer(bridge, "mcpServer/elicitation/request", FORM)).path("action").asText()).isEqualTo("decline");
        assertThat(asked.get()).isNull();
        assertThat(wire(answer(bridge, "mcpServer/elicitation/request",
                FORM.replace("\"_meta\":null", "\"_meta\":{\"codex_approval_kind\":\"tool_suggestion\"}"))).path("action").asText())
                .isEqualTo("decline");
        ServerRequestBridge trusting = new ServerRequestBridge(ApprovalPolicy.builder().trustMcpServer("echo").handler(r ->
                CompletableFuture.completedFuture(ApprovalDecision.accept(Json.object().put("confirmed", true)))).build(), List.of(), "/s");
        assertThat(wire(answer(trusting, "mcpServer/elicitation/request", FORM)))
                .isEqualTo(Json.parse("{\"action\":\"accept\",\"content\":{\"confirmed\":true}}"));
    }

    @Test
    void requestsShownToTheHostAreEnriched() throws Exception {
        AtomicReference<ApprovalRequest> asked = new AtomicReference<>();
        ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.builder().handler(r -> {
            asked.set(r);
            return CompletableFuture.completedFuture(ApprovalDecision.once());
        }).build(), List.of(), "/session-cwd");
        answer(bridge, "item/commandExecution/requestApproval", COMMAND.replace("\"cwd\":\"/w\",", ""));
        assertThat(asked.get().cwd()).isEqualTo("/session-cwd");
        assertThat(asked.get().description()).isEqualTo("Codex requests exec in /session-cwd — Need to create a file");
        assertThat(asked.get().title()).isEqualTo("touch x");
        assertThat(asked.get().choicesOffered()).containsExactly("accept", "acceptWithExecpolicyAmendment", "cancel");
        assertThat(asked.get().params()).isInstanceOfSatisfying(CommandExecutionRequestApprovalParams.class,
                p -> assertThat(p.proposedExecpolicyAmendment()).containsExactly("touch", "x"));

        String fileChangeItem = "{\"type\":\"fileChange\",\"id\":\"fc-1\",\"status\":\"inProgress\",\"changes\":["
                + "{\"path\":\"/src/a.py\",\"kind\":{\"type\":\"add\"},\"diff\":\"x\"},{\"path\":\"/src/b.py\",\"kind\":{\"type\":\"update\"}}]}";
        bridge.observe(notification("item/started", "{\"threadId\":\"t\",\"turnId\":\"u\",\"item\":" + fileChangeItem + "}"));
        answer(bridge, "item/fileChange/requestApproval", FILE_CHANGE);
        assertThat(asked.get().title()).isEqualTo("apply_patch: 1 add, 1 update: a.py, b.py");
        assertThat(asked.get().description()).contains("1 add, 1 update");
        answer(bridge, "item/fileChange/requestApproval", FILE_CHANGE.replace("fc-1", "orphan").replace("\"reason\":null", "\"reason\":\"apply some changes\""));
        assertThat(asked.get().title()).isEqualTo("apply_patch: apply some changes");

        bridge.observe(notification("item/completed", "{\"threadId\":\"t\",\"turnId\":\"u\",\"item\":" + fileChangeItem + "}"));
        answer(bridge, "item/fileChange/requestApproval", FILE_CHANGE);
        assertThat(asked.get().title()).isEqualTo("apply_patch");
    }

    @Test
    void dynamicToolsRunOffThreadAndFailuresBecomeUnsuccessfulResults() throws Exception {
        DynamicTool lookup = new DynamicTool("lookup", "Look up", null, args -> DynamicTool.Result.text("found " + args.path("id").asText()));
        DynamicTool broken = new DynamicTool("broken", "Breaks", null, args -> {
            throw new IllegalStateException("db down");
        });
        ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.failClosed(), List.of(lookup, broken), "/s");
        assertThat(wire(answer(bridge, "item/tool/call", TOOL_CALL)))
                .isEqualTo(Json.parse("{\"contentItems\":[{\"type\":\"inputText\",\"text\":\"found A\"}],\"success\":true}"));
        assertThat(wire(answer(bridge, "item/tool/call", TOOL_CALL.replace("lookup", "broken"))).path("success").asBoolean()).isFalse();
        assertThat(wire(answer(bridge, "item/tool/call", TOOL_CALL.replace("lookup", "nope"))).path("success").asBoolean()).isFalse();
    }

    @Test
    void cancellingAnAnswerCancelsTheStageTheHandlerReturned() throws Exception {
        for (String[] request : new String[][] {{"item/commandExecution/requestApproval", COMMAND},
                {"item/tool/requestUserInput", USER_INPUT}, {"mcpServer/elicitation/request", FORM}}) {
            CompletableFuture<ApprovalDecision> prompt = new CompletableFuture<>();
            CountDownLatch asked = new CountDownLatch(1);
            ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.builder().handler(r -> {
                asked.countDown();
                return prompt;
            }).trustMcpServer("echo").build(), List.of(), "/s");
            CompletableFuture<ServerRequestBridge.Answer> answer = bridge.answer(request[0], params(request[0], request[1]));
            assertThat(asked.await(60, TimeUnit.SECONDS)).isTrue();
            answer.cancel(false);
            // cancelled on the host pool: the host's own continuations of its stage are host code
            assertThatThrownBy(() -> prompt.get(60, TimeUnit.SECONDS)).as(request[0]).isInstanceOf(CancellationException.class);
            // the host answering after that changes nothing
            assertThat(prompt.complete(ApprovalDecision.once())).isFalse();
            assertThat(answer).isCancelled();
        }
    }

    @Test
    void cancellingADynamicToolCallInterruptsTheToolAndDropsWhatItReturns() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> howItEnded = new CompletableFuture<>();
        DynamicTool slow = new DynamicTool("lookup", "Look up", null, args -> {
            started.countDown();
            try {
                Thread.sleep(30_000);
                howItEnded.complete("ran to its end");
            } catch (InterruptedException e) {
                howItEnded.complete("interrupted");
            }
            return DynamicTool.Result.text("too late");
        });
        ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.failClosed(), List.of(slow), "/s");
        CompletableFuture<ServerRequestBridge.Answer> answer = bridge.answer("item/tool/call", params("item/tool/call", TOOL_CALL));
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        answer.cancel(false);
        assertThat(howItEnded.get(60, TimeUnit.SECONDS)).isEqualTo("interrupted");
        assertThat(answer).isCancelled();
    }

    @Test
    void userInputAnswersAndUnknownMethods() throws Exception {
        ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.builder().handler(r ->
                CompletableFuture.completedFuture(ApprovalDecision.accept(Json.object().put("confirm_path", "Yes")))).build(), List.of(), "/s");
        assertThat(wire(answer(bridge, "item/tool/requestUserInput", USER_INPUT)))
                .isEqualTo(Json.parse("{\"answers\":{\"confirm_path\":{\"answers\":[\"Yes\"]}}}"));
        ServerRequestBridge.Answer unknown = answer(bridge, "totally/unknown", "{}");
        assertThat(unknown.error().code()).isEqualTo(-32601);
        assertThat(answer(bridge, "account/chatgptAuthTokens/refresh", "{\"reason\":\"unauthorized\"}").error().code()).isEqualTo(-32601);
        assertThat(answer(bridge, "attestation/generate", "{}").error().code()).isEqualTo(-32601);
        // codex 0.169.0's currentTime/read, gone from the pinned schema: Unknown, and answered as when it was defined
        ServerRequestParams retired = params("currentTime/read", "{\"threadId\":\"t\"}");
        assertThat(retired).isInstanceOf(ServerRequestParams.Unknown.class);
        assertThat(answer(bridge, "currentTime/read", "{\"threadId\":\"t\"}").error())
                .isEqualTo(new dev.codexbridge.rpc.RpcError(-32601, "Unsupported method: currentTime/read"));
        // A known method whose params do not fit the pinned schema decodes to Unknown: not guessed at.
        ServerRequestParams misfit = params("item/fileChange/requestApproval", "{\"itemId\":{\"not\":\"a string\"}}");
        assertThat(misfit).isInstanceOf(ServerRequestParams.Unknown.class);
        assertThat(bridge.answer("item/fileChange/requestApproval", misfit).get(60, TimeUnit.SECONDS).error().code()).isEqualTo(-32601);
        assertThat(bridge.describe("item/fileChange/requestApproval", misfit)).isNull();
    }

    @Test
    void authRefreshAnswersWithTheHostsTokens() throws Exception {
        ServerRequestBridge bridge = new ServerRequestBridge(ApprovalPolicy.builder().authRefresh(p ->
                CompletableFuture.completedFuture(new ChatgptAuthTokensRefreshResponse("token-for-" + p.previousAccountId(), "acct", null)))
                .build(), List.of(), "/s");
        assertThat(wire(answer(bridge, "account/chatgptAuthTokens/refresh", "{\"reason\":\"unauthorized\",\"previousAccountId\":\"acct\"}")))
                .isEqualTo(Json.parse("{\"accessToken\":\"token-for-acct\",\"chatgptAccountId\":\"acct\"}"));
        ServerRequestBridge failing = new ServerRequestBridge(ApprovalPolicy.builder().authRefresh(p ->
                CompletableFuture.failedFuture(new IllegalStateException("offline"))).build(), List.of(), "/s");
        assertThat(answer(failing, "account/chatgptAuthTokens/refresh", "{\"reason\":\"unauthorized\"}").error().code()).isEqualTo(-32603);
    }

    @Test
    void theHermesPresetDeclinesPermissionsAndUntrustedMcpToolsAndTakesAlwaysForTheSession() throws Exception {
        List<ApprovalRequest> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        ApprovalHandler always = r -> {
            asked.add(r);
            return java.util.concurrent.CompletableFuture.completedFuture(ApprovalDecision.always());
        };
        ServerRequestBridge hermes = new ServerRequestBridge(ApprovalPolicy.trustedServersOnly(always, "trusted-tools"), List.of(), "/w");

        assertThat(wire(answer(hermes, "item/permissions/requestApproval", PERMISSIONS))).isEqualTo(Json.parse("{\"permissions\":{}}"));
        assertThat(wire(answer(hermes, "mcpServer/elicitation/request", MCP_APPROVAL)).path("action").asText()).isEqualTo("decline");
        assertThat(asked).as("neither reached the handler").isEmpty();

        String trusted = MCP_APPROVAL.replace("\"serverName\":\"echo\"", "\"serverName\":\"trusted-tools\"");
        assertThat(wire(answer(hermes, "mcpServer/elicitation/request", trusted)).path("action").asText()).isEqualTo("accept");
        assertThat(asked).isEmpty();

        ServerRequestBridge.Answer command = answer(hermes, "item/commandExecution/requestApproval", COMMAND);
        assertThat(wire(command)).as("always is for this session: no execpolicy amendment")
                .isEqualTo(Json.parse("{\"decision\":\"acceptForSession\"}"));
        assertThat(command.decision().choice()).isEqualTo(ApprovalChoice.SESSION);
        assertThat(asked).singleElement().extracting(ApprovalRequest::kind).isEqualTo(ApprovalKind.COMMAND);

        assertThat(wire(answer(with(ApprovalChoice.ALWAYS), "item/commandExecution/requestApproval", COMMAND)))
                .as("the library's default is the same: always is for this session (decision 0019)")
                .isEqualTo(Json.parse("{\"decision\":\"acceptForSession\"}"));
        assertThat(wire(answer(persisting(ApprovalChoice.ALWAYS), "item/commandExecution/requestApproval", COMMAND)).path("decision")
                .has("acceptWithExecpolicyAmendment")).as("alwaysMeansSession(false) keeps codex's persistent amendment").isTrue();
    }

    @Test
    void theTableHoldsOneEntryPerServerRequestOrIsNotBuilt() {
        List<RequestEntry<?>> all = new ArrayList<>();
        for (RequestMethod<?, ?> m : ServerRequests.ALL) {
            all.add(RequestEntry.unsupported(m));
        }
        new RequestTable(all);

        List<RequestEntry<?>> missing = new ArrayList<>(all);
        missing.remove(0);
        assertThatThrownBy(() -> new RequestTable(missing)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(ServerRequests.ALL.get(0).method());
        List<RequestEntry<?>> twice = new ArrayList<>(all);
        twice.add(RequestEntry.unsupported(ServerRequests.ITEM_TOOL_CALL));
        assertThatThrownBy(() -> new RequestTable(twice)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("item/tool/call");
        List<RequestEntry<?>> foreign = new ArrayList<>(all);
        foreign.add(RequestEntry.unsupported(new RequestMethod<>("made/up", ServerRequestParams.class, Object.class, false)));
        assertThatThrownBy(() -> new RequestTable(foreign)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("made/up");
    }
}
