package dev.codexbridge.approval.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ServerRequestParams;
import dev.codexbridge.rpc.JsonRpcId;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The approval order of a session with a remote caller behind the host ({@link ApprovalPolicy#withCaller}):
 * the host's rules, then the host's handler, then the caller only for what both left open. The caller
 * accepts everything here, so every decline seen is the host's.
 */
class CallerApprovalsTest {
    private static final String METHOD = "item/commandExecution/requestApproval";
    private static final String FILE_CHANGE_METHOD = "item/fileChange/requestApproval";
    private static final String FILE_CHANGE = "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"fc-1\",\"startedAtMs\":1,\"reason\":null,\"grantRoot\":null}";
    private static final String PERMISSIONS_METHOD = "item/permissions/requestApproval";
    private static final String PERMISSIONS = "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"p1\",\"environmentId\":\"local\",\"startedAtMs\":1,"
            + "\"cwd\":\"/w\",\"reason\":\"Need write access\",\"permissions\":{\"network\":null,\"fileSystem\":{\"read\":null,"
            + "\"write\":[\"/home/user/shared\"],\"entries\":[{\"path\":{\"type\":\"path\",\"path\":\"/home/user/shared\"},\"access\":\"write\"}]}}}";

    private final List<ApprovalRequest> callerAsked = new CopyOnWriteArrayList<>();
    private final ApprovalHandler acceptingCaller = r -> {
        callerAsked.add(r);
        return CompletableFuture.completedFuture(ApprovalDecision.once());
    };

    /** A command approval request as codex 0.169.0 sends it, for {@code line}. */
    private static String command(String line) {
        return ("{\"kind\":\"command\",\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"call-1\",\"startedAtMs\":1,"
                + "\"reason\":null,\"command\":\"LINE\",\"cwd\":\"/w\",\"commandActions\":[{\"type\":\"unknown\",\"command\":\"LINE\"}],"
                + "\"availableDecisions\":[\"accept\",\"cancel\"]}").replace("LINE", line);
    }

    private static ServerRequestParams params(String method, String params) {
        return new CodexEvent.ServerRequest(JsonRpcId.of(0), method, null, Json.parse(params)).params();
    }

    private static String decision(ApprovalPolicy policy, String method, String params) throws Exception {
        ServerRequestBridge.Answer a = new ServerRequestBridge(policy, List.of(), "/w").answer(method, params(method, params))
                .get(60, TimeUnit.SECONDS);
        // the decision given (its mapping to each request's wire answer is ServerRequestBridgeTest's)
        return a.decision().choice().allows() ? "accept" : "decline";
    }

    @Test
    void theCallerIsNeverAskedWhatTheHostsRulesDecline() throws Exception {
        ApprovalPolicy host = ApprovalPolicy.builder().commandRules(CommandRules.allowing("ls", "pwd"))
                .declinePermissions(true).build();
        ApprovalPolicy withCaller = host.withCaller(acceptingCaller);
        assertThat(decision(withCaller, METHOD, command("ls -la"))).isEqualTo("accept");
        assertThat(decision(withCaller, METHOD, command("rm keep.txt"))).isEqualTo("decline");
        assertThat(decision(withCaller, PERMISSIONS_METHOD, PERMISSIONS)).isEqualTo("decline");
        assertThat(callerAsked).isEmpty();
        // what the rules leave open (a file change: no rule, no host handler) is the caller's
        assertThat(decision(withCaller, FILE_CHANGE_METHOD, FILE_CHANGE)).isEqualTo("accept");
        assertThat(callerAsked).hasSize(1);
    }

    @Test
    void theHostsHandlerDecidesFirstAndHandsOnOnlyWhatItLeavesToTheCaller() throws Exception {
        List<String> hostAsked = new CopyOnWriteArrayList<>();
        ApprovalHandler host = r -> {
            hostAsked.add(r.command());
            return CompletableFuture.completedFuture(r.command().startsWith("rm") ? ApprovalDecision.deny("host: never rm")
                    : r.command().startsWith("git") ? ApprovalDecision.leaveToCaller() : ApprovalDecision.once());
        };
        ApprovalPolicy policy = ApprovalPolicy.builder().handler(host).build().withCaller(acceptingCaller);
        assertThat(decision(policy, METHOD, command("rm keep.txt"))).isEqualTo("decline");
        assertThat(decision(policy, METHOD, command("cat a"))).isEqualTo("accept");
        assertThat(callerAsked).isEmpty();
        assertThat(decision(policy, METHOD, command("git push"))).isEqualTo("accept");
        assertThat(callerAsked).extracting(ApprovalRequest::command).containsExactly("git push");
        assertThat(hostAsked).containsExactly("rm keep.txt", "cat a", "git push");
    }

    @Test
    void leftToTheCallerWithNoCallerIsADecline() throws Exception {
        ApprovalPolicy policy = ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.leaveToCaller()))
                .build();
        assertThat(policy.withCaller(null)).isSameAs(policy);
        assertThat(decision(policy, METHOD, command("git push"))).isEqualTo("decline");
        assertThat(ApprovalDecision.leaveToCaller().choice()).isEqualTo(ApprovalChoice.DENY);
        assertThat(ApprovalDecision.leaveToCaller().leftToCaller()).isTrue();
        assertThat(ApprovalDecision.deny("x").leftToCaller()).isFalse();
    }

    @Test
    void withCallerKeepsEveryOtherSettingOfTheHost() {
        CommandRules rules = CommandRules.allowing("ls");
        ApprovalPolicy host = ApprovalPolicy.builder().commandRules(rules).autoApproveFileChanges(true).trustMcpServer("docs")
                .declinePermissions(true).askAboutUntrustedMcpTools(false).alwaysMeansSession(false)
                .deadline(java.time.Duration.ofSeconds(7)).build();
        ApprovalPolicy composed = host.withCaller(acceptingCaller);
        assertThat(composed.commandRules()).isSameAs(rules);
        assertThat(composed.autoApproveFileChanges()).isTrue();
        assertThat(composed.trusts("docs")).isTrue();
        assertThat(composed.trusts("other")).isFalse();
        assertThat(composed.declinePermissions()).isTrue();
        assertThat(composed.askAboutUntrustedMcpTools()).isFalse();
        assertThat(composed.alwaysMeansSession()).isFalse();
        assertThat(composed.deadline()).isEqualTo(java.time.Duration.ofSeconds(7));
        assertThat(composed.handler()).isNotNull();
    }

    @Test
    void codexWithdrawingTheRequestClosesTheCallersPrompt() throws Exception {
        CompletableFuture<ApprovalDecision> prompt = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        ApprovalPolicy policy = ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.leaveToCaller()))
                .build().withCaller(r -> {
                    asked.countDown();
                    return prompt;
                });
        CompletableFuture<ServerRequestBridge.Answer> answer = new ServerRequestBridge(policy, List.of(), "/w")
                .answer(METHOD, params(METHOD, command("git push")));
        assertThat(asked.await(60, TimeUnit.SECONDS)).isTrue();
        answer.cancel(false);
        assertThatThrownBy(() -> prompt.get(60, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
    }
}
