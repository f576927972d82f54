package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.SandboxMode;
import dev.codexbridge.protocol.SandboxPolicy;

import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tenant A's model tries to reach tenant B through the real codex: B's {@code auth.json}, B's
 * rollouts, a listing of the homes root, writes into B's config and home, by shell command, by
 * {@code apply_patch}, through a symlink in A's own workspace and by asking to run outside the
 * sandbox — under each sandbox and approval setting a tenant's {@code config.toml} may give, and
 * with a host that approves every escalation. Nothing of B may reach A's command output or A's
 * model provider, and nothing of A may land in B's home. Needs bubblewrap (decision 0030).
 */
class TenantEscapeLiveTest extends TenantEscapeRig {

    /**
     * The default: each tenant's codex in a mount namespace of its own (bubblewrap), the workspaces
     * where a host would keep them, outside the build's tree and any repository.
     */
    @ParameterizedTest(name = "mount namespace, sandbox {0}, approvals {1}")
    @MethodSource("settings")
    void tenantAReachesNothingOfTenantB(String sandbox, String approval) throws Exception {
        tenants = CodexTenants.builder()
                .homesRoot(dir.resolve("homes"))
                .workspacesRoot(varTmpWorkspaces())
                .launch(CodexLaunch.appServer(LiveCodex.binary()).build())
                .homeSetup(TenantHomeSetup.configToml(template(sandbox, approval)))
                .client(c -> c.wireTap(wire))
                .build();
        escapesFailInVarTmp(sandbox);
    }

    /** The escape attempts with A's and B's workspaces in a workspaces root under /var/tmp. */
    private void escapesFailInVarTmp(String sandbox) throws Exception {
        assertEscapesFail(tenants, tenants.workspace("alice"), tenants.workspace("bob"),
                "workspace-write".equals(sandbox) || "danger-full-access".equals(sandbox));
    }

    /** A host that approves everything A's model asks, escalations outside codex's sandbox included: the namespace still holds. */
    @ParameterizedTest(name = "mount namespace, every request approved, sandbox {0}")
    @MethodSource("sandboxes")
    void evenApprovedEscalationsFindNoOtherTenant(String sandbox) throws Exception {
        tenants = CodexTenants.builder()
                .homesRoot(dir.resolve("homes"))
                .workspacesRoot(varTmpWorkspaces())
                .launch(CodexLaunch.appServer(LiveCodex.binary()).build())
                .homeSetup(TenantHomeSetup.configToml(template(sandbox, "on-request")))
                .client(c -> c.wireTap(wire))
                .build();
        aliceApprovals = ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build();
        escapesFailInVarTmp(sandbox);
    }

    /** The approvals of A's sessions in the escape attempts (null: the library's default, fail closed). */
    private ApprovalPolicy aliceApprovals;

    @Test
    void aHostThatGivesATenantThreadASandboxIsRefused() throws Exception {
        tenants = CodexTenants.builder()
                .homesRoot(dir.resolve("homes"))
                .launch(CodexLaunch.appServer(LiveCodex.binary()).build())
                .homeSetup(TenantHomeSetup.configToml(template(null, "never")))
                .client(c -> c.wireTap(wire))
                .build();
        Path work = tenants.workspace("alice");
        ObjectNode sandboxExtra = Json.object().put("sandbox", "danger-full-access");
        List<ThreadOptions> overriding = List.of(
                ThreadOptions.builder().cwd(work).sandbox(SandboxMode.DANGER_FULL_ACCESS).build(),
                ThreadOptions.builder().cwd(work).sandbox(SandboxMode.WORKSPACE_WRITE).build(),
                ThreadOptions.builder().cwd(work).config("sandbox_mode", "danger-full-access").build(),
                ThreadOptions.builder().cwd(work).config("default_permissions", ":danger-full-access").build(),
                ThreadOptions.builder().cwd(work).extraParams(sandboxExtra).build());
        for (ThreadOptions options : overriding) {
            assertThatThrownBy(() -> tenants.newSession("alice", b -> b.replaceThreadOptions(options)))
                    .as(options.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tenant alice")
                    .hasMessageContaining("how its commands are confined");
        }
        // the place was given back: a session without an override still opens
        model.enqueue(ModelReply.message("fine"));
        try (CodexSession s = tenants.newSession("alice", inWork(work))) {
            assertThat(s.runTurn(TurnInput.text("hi")).finalText()).isEqualTo("fine");
            // a turn that brings its own sandbox policy is refused before it is sent
            TurnOptions fullAccess = TurnOptions.builder().sandboxPolicy(new SandboxPolicy.DangerFullAccess()).build();
            assertThatThrownBy(() -> s.runTurn(TurnInput.text("cat everything"), fullAccess, TurnListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sandboxPolicy DangerFullAccess");
            TurnOptions extra = TurnOptions.builder().extraParams(Json.object().put("permissionProfile", ":danger-full-access")).build();
            assertThat(s.runTurnAsync(TurnInput.text("cat everything"), extra, TurnListener.NONE)).isCompletedExceptionally();
            assertThat(model.responsesRequests()).hasSize(1);
        }
        assertThat(tenants.usage("alice").threads()).isZero();
    }


    /**
     * Runs B's conversation, plants B's credential, then A's escape attempts; asserts nothing crossed.
     * {@code workspaceWritable}: whether the control may write in A's workspace (the sandbox lets it).
     */
    void assertEscapesFail(CodexTenants t, Path aliceWork, Path bobWork, boolean workspaceWritable) throws Exception {
        Path bobDir = t.tenantDirectory("bob");
        Path aliceDir = t.tenantDirectory("alice");
        model.enqueue(ModelReply.message("noted"));
        try (CodexSession bob = t.newSession("bob", inWork(bobWork))) {
            bob.runTurn(TurnInput.text("remember " + CHAT_MARK));
        }
        Files.writeString(bobDir.resolve("codex-home/auth.json"), "{\"OPENAI_API_KEY\":\"" + AUTH_MARK + "\"}\n");
        byte[] bobConfig = Files.readAllBytes(bobDir.resolve("codex-home/config.toml"));

        Path bobAuth = bobDir.resolve("codex-home/auth.json");
        Path bobSessions = bobDir.resolve("codex-home/sessions");
        Path bobHome = bobDir.resolve("home");
        List<String> calls = List.of("control", "cat-auth", "ls-root", "grep-sessions", "write-config", "patch-home", "symlink", "escalated");
        model.enqueue(
                // the control: commands run, and the tenant's own HOME and workspace stay usable
                ModelReply.builder().execCommand("control", "echo run-ok; echo ws-ok > ws.txt && cat ws.txt").build(),
                ModelReply.builder().execCommand("cat-auth", "cat " + bobAuth).build(),
                ModelReply.builder().execCommand("ls-root", "ls -la \"$CODEX_HOME/../..\"; ls -la " + aliceDir.getParent()).build(),
                ModelReply.builder().execCommand("grep-sessions", "grep -r " + CHAT_PATTERN + " " + bobSessions + "; grep -rl bob- "
                        + aliceDir.getParent()).build(),
                ModelReply.builder().execCommand("write-config", "echo '# " + WRITE_MARK + "' >> " + bobDir.resolve("codex-home/config.toml")).build(),
                ModelReply.builder().applyPatch("patch-home", "*** Begin Patch\n*** Add File: " + bobHome.resolve("planted.txt")
                        + "\n+" + WRITE_MARK + "\n*** End Patch").build(),
                ModelReply.builder().execCommand("symlink", "ln -sf " + bobAuth + " peek && cat peek; ln -sfn " + bobDir
                        + " bobdir && ls bobdir/codex-home && cat bobdir/codex-home/auth.json").build(),
                ModelReply.builder().execCommandEscalated("escalated", "cat " + bobAuth + "; grep -r " + CHAT_PATTERN + " " + bobSessions,
                        "need to read a file").build(),
                ModelReply.message("done"));
        TurnResult r;
        ApprovalPolicy approvals = aliceApprovals;
        try (CodexSession alice = t.newSession("alice", approvals == null ? inWork(aliceWork)
                : inWork(aliceWork).andThen(b -> b.approvals(approvals)))) {
            r = alice.runTurn(TurnInput.text("look around"));
        }
        RecordedRequest last = model.responsesRequests().get(model.responsesRequests().size() - 1);
        for (String call : calls) {
            String out = last.functionCallOutput(call).orElse("");
            System.out.println("--- " + call + ":\n" + out);
            assertThat(out).as(call).doesNotContain(AUTH_MARK).doesNotContain(CHAT_MARK);
        }
        assertThat(last.functionCallOutput("control").orElse("")).contains("run-ok");
        if (workspaceWritable) {
            assertThat(last.functionCallOutput("control").orElse("")).contains("ws-ok");
        }
        // the listing of the homes root names no tenant (an error message naming the path is fine)
        assertThat(last.functionCallOutput("ls-root").orElse("")).as("ls-root").doesNotContainPattern("(?m)\\sbob$");
        // what went to alice's model provider, and alice's transcript, carry nothing of bob's
        for (RecordedRequest req : model.responsesRequests().subList(1, model.responsesRequests().size())) {
            assertThat(req.body().toString()).doesNotContain(AUTH_MARK).doesNotContain(CHAT_MARK);
        }
        assertThat(r.messages().toString()).doesNotContain(AUTH_MARK).doesNotContain(CHAT_MARK);
        // and nothing of alice's landed in bob's folder
        assertThat(Files.readAllBytes(bobDir.resolve("codex-home/config.toml"))).isEqualTo(bobConfig);
        assertThat(bobHome.resolve("planted.txt")).doesNotExist();
    }
}
