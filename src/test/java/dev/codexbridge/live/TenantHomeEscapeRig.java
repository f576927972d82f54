package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tenant A's model tries to reach tenant B's folder through the real codex: B's {@code auth.json}, B's
 * rollouts, a listing of the homes root, writes into B's config and home, by shell command, by
 * {@code apply_patch}, through a symlink in A's own workspace and by asking to run outside the
 * sandbox. Two classes run it, so that each stays within a minute at the reference pace: with the
 * library's fail-closed approvals under every setting ({@link TenantEscapeLiveTest}), and with a host
 * that approves every escalation ({@link TenantApprovedEscapeLiveTest}).
 */
abstract class TenantHomeEscapeRig extends TenantEscapeRig {

    /** The approvals of A's sessions in the escape attempts (null: the library's default, fail closed). */
    ApprovalPolicy aliceApprovals;

    /** Tenants whose codex runs in a mount namespace (bubblewrap), under a tenant config.toml of these settings. */
    CodexTenants namespacedTenants(String sandbox, String approval) throws java.io.IOException {
        tenants = CodexTenants.builder()
                .homesRoot(dir.resolve("homes"))
                .workspacesRoot(varTmpWorkspaces())
                .launch(CodexLaunch.appServer(LiveCodex.binary()).build())
                .homeSetup(TenantHomeSetup.configToml(template(sandbox, approval)))
                .client(c -> c.wireTap(wire))
                .build();
        return tenants;
    }

    /** The escape attempts with A's and B's workspaces in a workspaces root under /var/tmp. */
    void escapesFailInVarTmp(String sandbox) throws Exception {
        assertEscapesFail(tenants, tenants.workspace("alice"), tenants.workspace("bob"),
                "workspace-write".equals(sandbox) || "danger-full-access".equals(sandbox));
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
        TurnResult r = attackerTurn(t, "alice", aliceWork, aliceApprovals);
        java.util.Map<String, String> outputs = outputsSeenByTheModel(calls);
        outputs.forEach((call, out) -> assertThat(out).as(call).doesNotContain(AUTH_MARK).doesNotContain(CHAT_MARK));
        assertThat(outputs.get("control")).contains("run-ok");
        if (workspaceWritable) {
            assertThat(outputs.get("control")).contains("ws-ok");
        }
        // the listing of the homes root names no tenant (an error message naming the path is fine)
        assertThat(outputs.get("ls-root")).as("ls-root").doesNotContainPattern("(?m)\\sbob$");
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
