package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.a2a.spec.Task;
import io.a2a.spec.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's approval policy decides before any A2A caller (decision 0043): a command the host
 * declines never reaches the caller and never runs, whatever the caller sends; only what the host
 * leaves open is the caller's. Each case asks codex to delete {@code keep.txt} outside the sandbox
 * (an escalated command), so a command that ran shows in the workspace, and codex's call output in
 * the model's record says what codex was told.
 */
class A2aHostPolicyLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;
    private ScriptedModelServer model;
    private SdkCaller alice;
    private Path keep;

    @BeforeEach
    void setUp() {
        live = new LiveA2a(tmp);
        model = live.model;
    }

    private void boot(ApprovalPolicy host, boolean callerApprovals) throws Exception {
        live.gatewaySettings = b -> b.approvals(host).callerApprovals(callerApprovals);
        live.boot(h -> { }, A2aLimits.DEFAULTS);
        keep = Files.writeString(Files.createDirectories(live.workspace()).resolve("keep.txt"), "precious");
        alice = new SdkCaller(live.server.uri().toString(), LiveA2a.ALICE);
        model.enqueue(ModelReply.builder().execCommandEscalated("call-rm", "rm keep.txt", "Clean up").build(),
                ModelReply.message("finished"));
    }

    @AfterEach
    void tearDown() {
        LiveA2a.closeAll(alice);
        if (live != null) {
            live.close();
        }
    }

    private String toldCodex() {
        return model.responsesRequests().get(1).functionCallOutput("call-rm").orElseThrow();
    }

    @Test
    void aCommandTheHostsRulesDeclineNeverReachesTheCallerAndNeverRuns() throws Exception {
        boot(ApprovalPolicy.builder().commandRules(CommandRules.allowing("ls", "pwd")).build(), true);
        Task t = alice.send(SdkCaller.text("clean up", null, null));
        assertThat(t.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        // the caller's accept comes too late to matter: the task is over, and nothing runs
        assertThatThrownBy(() -> alice.send(SdkCaller.decision(t.getId(), "accept"))).isInstanceOf(Exception.class);
        assertThat(toldCodex()).contains("rejected by user");
        assertThat(keep).hasContent("precious");
    }

    @Test
    void aCommandTheHostsHandlerDeclinesNeverReachesTheCaller() throws Exception {
        List<String> hostAsked = new CopyOnWriteArrayList<>();
        boot(ApprovalPolicy.builder().handler(r -> {
            hostAsked.add(r.command());
            return CompletableFuture.completedFuture(ApprovalDecision.deny("the host never deletes"));
        }).build(), true);
        Task t = alice.send(SdkCaller.text("clean up", null, null));
        assertThat(t.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(hostAsked).singleElement().asString().contains("rm keep.txt");
        assertThat(toldCodex()).contains("rejected by user");
        assertThat(keep).hasContent("precious");
    }

    @Test
    void withoutCallerApprovalsWhatThePolicyLeavesOpenIsDeclined() throws Exception {
        boot(ApprovalPolicy.failClosed(), false);
        Task t = alice.send(SdkCaller.text("clean up", null, null));
        assertThat(t.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(toldCodex()).contains("rejected by user");
        assertThat(keep).hasContent("precious");
    }

    /** The control: what the host leaves to the caller is the caller's, and its accept runs the command. */
    @Test
    void whatTheHostLeavesToTheCallerIsTheCallers() throws Exception {
        boot(ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.leaveToCaller())).build(), true);
        Task asked = alice.send(SdkCaller.text("clean up", null, null));
        assertThat(asked.getStatus().state()).isEqualTo(TaskState.INPUT_REQUIRED);
        Task done = alice.send(SdkCaller.decision(asked.getId(), "accept"));
        assertThat(done.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(keep).doesNotExist();
    }
}
