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
class TenantEscapeLiveTest {
    private static final String AUTH_MARK = "sk-bob-auth-5e1f0c";
    private static final String CHAT_MARK = "bob-conversation-91ad2e";
    /** What A greps for: matches CHAT_MARK without containing it, so the command itself carries no mark. */
    private static final String CHAT_PATTERN = "'bob-conv[e]rsation-91ad2e'";
    private static final String WRITE_MARK = "alice-was-here-3c7b";

    private Path dir;
    private ScriptedModelServer model;
    private CodexTenants tenants;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        dir = TestDirs.create("tenant-escape");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (tenants != null) {
            tenants.close();
        }
        if (model != null) {
            model.close();
            assertThat(WireSchema.pinned().validateConversation(wire)).isEmpty();
        }
        TestDirs.delete(dir);
        if (varTmpWorkspaces != null) {
            TestDirs.delete(varTmpWorkspaces);
        }
    }

    /** The sandbox ({@code null}: codex's default) and approval settings a tenant's config.toml gives. */
    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of(null, "on-request"),
                Arguments.of(null, "never"),
                Arguments.of("read-only", "on-request"),
                Arguments.of("read-only", "never"),
                Arguments.of("workspace-write", "on-request"),
                Arguments.of("workspace-write", "never"),
                Arguments.of("workspace-write", "on-failure"),
                // a template asking for no sandbox at all: the namespace still holds
                Arguments.of("danger-full-access", "never"));
    }

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

    private static final Path VAR_TMP = Path.of("/var/tmp");

    /** A workspaces root under /var/tmp, outside the build's tree and any repository; deleted after the test. */
    private Path varTmpWorkspaces;

    private Path varTmpWorkspaces() throws java.io.IOException {
        varTmpWorkspaces = Files.createTempDirectory(VAR_TMP, "tenant-work-",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        return varTmpWorkspaces;
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

    static Stream<String> sandboxes() {
        return Stream.of("read-only", "workspace-write", "danger-full-access");
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

    String template(String sandbox, String approval) {
        String toml = IsolatedCodexHome.builder(Path.of("unused"), model.baseUrl()).askForApproval(approval).configToml();
        // the test kit always names a sandbox; codex's default is what a template without the line gets
        toml = sandbox == null ? toml.replaceFirst("(?m)^sandbox_mode = .*\\n", "")
                : toml.replaceFirst("(?m)^sandbox_mode = .*$", "sandbox_mode = \"" + sandbox + "\"");
        return toml;
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

    private static final String WS_MARK = "alice-workspace-secret-7d41";

    /**
     * Issue 41 item 2: tenant B's model tries to read and list tenant A's workspace (a host's
     * workspaces root under /var/tmp, one folder per tenant) while A's codex runs in it: by absolute
     * path, by {@code ..}, through {@code /proc/<pid>/cwd} of every process it can see, through a link
     * B plants in its own workspace, by {@code apply_patch}, and by asking to run outside the sandbox.
     */
    @ParameterizedTest(name = "workspaces root, sandbox {0}, approvals {1}")
    @MethodSource("settings")
    void tenantBReachesNothingOfTenantAsWorkspace(String sandbox, String approval) throws Exception {
        assertWorkspaceEscapesFail(sandbox, approval, true);
    }

    /** The same with a host that approves every escalation B's model asks for. */
    @ParameterizedTest(name = "workspaces root, every request approved, sandbox {0}")
    @MethodSource("sandboxes")
    void evenApprovedEscalationsFindNoOtherTenantsWorkspace(String sandbox) throws Exception {
        bobApprovals = ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build();
        assertWorkspaceEscapesFail(sandbox, "on-request", true);
    }

    /** No workspaces root: each tenant's workspace is in its own folder under the homes root. */
    @ParameterizedTest(name = "workspace in the tenant's folder, every request approved, sandbox {0}")
    @MethodSource("sandboxes")
    void theDefaultWorkspaceInTheTenantsFolderIsHiddenToo(String sandbox) throws Exception {
        bobApprovals = ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build();
        assertWorkspaceEscapesFail(sandbox, "on-request", false);
    }

    /** The approvals of B's session in the workspace escapes (null: the library's default, fail closed). */
    private ApprovalPolicy bobApprovals;

    private void assertWorkspaceEscapesFail(String sandbox, String approval, boolean workspacesRoot) throws Exception {
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
                TurnResult r;
                ApprovalPolicy approvals = bobApprovals;
                try (CodexSession bob = tenants.newSession("bob", approvals == null ? inWork(bobWs)
                        : inWork(bobWs).andThen(x -> x.approvals(approvals)))) {
                    r = bob.runTurn(TurnInput.text("look around"));
                }
                RecordedRequest last = model.responsesRequests().get(model.responsesRequests().size() - 1);
                for (String call : calls) {
                    String out = last.functionCallOutput(call).orElse("");
                    System.out.println("--- " + call + ":\n" + out);
                    // codex's own record of each command's output, as it sent it to B's model
                    assertThat(out).as(call).doesNotContain(WS_MARK).doesNotContain("alice-code-2b9e")
                            .doesNotContainPattern("(?m)\\s(src|secret\\.txt)$");   // no listing of A's files
                }
                String control = last.functionCallOutput("control").orElse("");
                assertThat(control).contains("run-ok").contains(bobWs.toString());
                if ("workspace-write".equals(sandbox) || "danger-full-access".equals(sandbox)) {
                    assertThat(control).contains("ws-ok");
                }
                assertThat(last.functionCallOutput("proc").orElse("")).contains("proc-done");
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

    private static List<String> listing(Path root) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    private static java.util.function.Consumer<CodexSession.Builder> inWork(Path work) {
        return b -> b.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO));
    }
}
