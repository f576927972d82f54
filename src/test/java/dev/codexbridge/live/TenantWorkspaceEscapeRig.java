package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tenant B's model tries to reach tenant A's workspace through the real codex (issue 41 item 2): by
 * absolute path, by {@code ..}, through {@code /proc/<pid>/cwd} of every process it can see, through a
 * link B plants in its own workspace, by {@code apply_patch}, and by asking to run outside the sandbox.
 * Two classes run it, so that each stays within a minute at the reference pace: with the library's
 * fail-closed approvals under every setting ({@link TenantWorkspaceEscapeLiveTest}), and with a host
 * that approves every escalation ({@link TenantWorkspaceApprovedEscapeLiveTest}).
 */
abstract class TenantWorkspaceEscapeRig extends TenantEscapeRig {

    /** The approvals of B's session in the workspace escapes (null: the library's default, fail closed). */
    ApprovalPolicy bobApprovals;

    void assertWorkspaceEscapesFail(String sandbox, String approval, boolean workspacesRoot) throws Exception {
        Path workspaces = workspacesRoot ? Files.createTempDirectory(VAR_TMP, "tenant-workspaces-") : null;
        try {
            CodexTenants.Builder b = CodexTenants.builder()
                    .homesRoot(dir.resolve("homes"))
                    .launch(CodexLaunch.appServer(LiveCodex.binary()).build())
                    .homeSetup(TenantHomeSetup.configToml(template(sandbox, approval)))
                    .client(c -> c.wireTap(wire));
            if (workspaces != null) {
                Files.setPosixFilePermissions(workspaces, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                b.workspacesRoot(workspaces);
            }
            tenants = b.build();
            Path aliceWs = tenants.workspace("alice");
            Path bobWs = tenants.workspace("bob");
            Files.writeString(aliceWs.resolve("secret.txt"), WS_MARK + "\n");
            Files.createDirectories(aliceWs.resolve("src"));
            Files.writeString(aliceWs.resolve("src/main.txt"), "alice-code-2b9e\n");
            List<String> aliceFiles = listing(aliceWs);
            // A's codex runs in A's workspace while B tries: /proc/<pid>/cwd of A's codex would lead there
            model.enqueue(ModelReply.message("alice is here"));
            try (CodexSession alice = tenants.newSession("alice", inWork(aliceWs))) {
                alice.runTurn(TurnInput.text("hello"));
                int before = model.responsesRequests().size();
                String rel = bobWs.relativize(aliceWs).toString();   // ../alice, or ../../alice/workspace
                List<String> calls = List.of("control", "abs", "dotdot", "proc", "symlink", "patch-add", "patch-update", "escalated");
                model.enqueue(
                        ModelReply.builder().execCommand("control", "echo run-ok; pwd; echo ws-ok > ws.txt && cat ws.txt").build(),
                        ModelReply.builder().execCommand("abs", "ls -la " + aliceWs + "; cat " + aliceWs.resolve("secret.txt")
                                + "; ls -la " + aliceWs.getParent()).build(),
                        ModelReply.builder().execCommand("dotdot", "ls -la " + rel + "; cat " + rel + "/secret.txt; grep -r "
                                + "'alice-workspace-secr[e]t' ..").build(),
                        ModelReply.builder().execCommand("proc", "for p in /proc/[0-9]*; do ls \"$p/cwd/\" \"$p/root" + aliceWs
                                + "\" 2>/dev/null; cat \"$p/cwd/secret.txt\" \"$p/root" + aliceWs + "/secret.txt\" 2>/dev/null; done; "
                                + "echo proc-done").build(),
                        ModelReply.builder().execCommand("symlink", "ln -sfn " + aliceWs + " peek && ls -la peek/ && cat peek/secret.txt; "
                                + "ln -sfn " + rel + " peek2 && cat peek2/secret.txt").build(),
                        ModelReply.builder().applyPatch("patch-add", "*** Begin Patch\n*** Add File: " + aliceWs.resolve("planted.txt")
                                + "\n+" + WRITE_MARK + "\n*** End Patch").build(),
                        // the patch's context names A's code, not the mark, so B's own request carries no mark
                        ModelReply.builder().applyPatch("patch-update", "*** Begin Patch\n*** Update File: " + aliceWs.resolve("src/main.txt")
                                + "\n@@\n-alice-code-2b9e\n+" + WRITE_MARK + "\n*** End Patch").build(),
                        ModelReply.builder().execCommandEscalated("escalated", "ls -la " + aliceWs + "; cat " + aliceWs.resolve("secret.txt")
                                + "; cat " + rel + "/secret.txt", "need to read a file").build(),
                        ModelReply.message("done"));
                TurnResult r = attackerTurn(tenants, "bob", bobWs, bobApprovals);
                // codex's own record of each command's output, as it sent it to B's model
                java.util.Map<String, String> outputs = outputsSeenByTheModel(calls);
                outputs.forEach((call, out) -> assertThat(out).as(call).doesNotContain(WS_MARK).doesNotContain("alice-code-2b9e")
                        .doesNotContainPattern("(?m)\\s(src|secret\\.txt)$"));   // no listing of A's files
                String control = outputs.get("control");
                assertThat(control).contains("run-ok").contains(bobWs.toString());
                if ("workspace-write".equals(sandbox) || "danger-full-access".equals(sandbox)) {
                    assertThat(control).contains("ws-ok");
                }
                assertThat(outputs.get("proc")).contains("proc-done");
                for (RecordedRequest req : model.responsesRequests().subList(before, model.responsesRequests().size())) {
                    assertThat(req.body().toString()).doesNotContain(WS_MARK);
                }
                assertThat(r.messages().toString()).doesNotContain(WS_MARK);
            }
            // A's workspace as it was: nothing planted, nothing changed
            assertThat(listing(aliceWs)).isEqualTo(aliceFiles);
            assertThat(Files.readString(aliceWs.resolve("secret.txt"))).isEqualTo(WS_MARK + "\n");
            assertThat(Files.readString(aliceWs.resolve("src/main.txt"))).isEqualTo("alice-code-2b9e\n");
        } finally {
            if (workspaces != null) {
                TestDirs.delete(workspaces);
            }
        }
    }
}
