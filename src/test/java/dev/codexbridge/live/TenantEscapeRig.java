package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.provider.Arguments;

/**
 * What the tenant escape suites share: the scripted model, the folders, the marks their escape
 * attempts look for, the settings they run under, and the wire check after each test.
 */
abstract class TenantEscapeRig {
    static final String AUTH_MARK = "sk-bob-auth-5e1f0c";
    static final String CHAT_MARK = "bob-conversation-91ad2e";
    /** What A greps for: matches CHAT_MARK without containing it, so the command itself carries no mark. */
    static final String CHAT_PATTERN = "'bob-conv[e]rsation-91ad2e'";
    static final String WRITE_MARK = "alice-was-here-3c7b";

    Path dir;
    ScriptedModelServer model;
    CodexTenants tenants;
    final WireSchema.Recorder wire = new WireSchema.Recorder();

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

    static final Path VAR_TMP = Path.of("/var/tmp");

    /** A workspaces root under /var/tmp, outside the build's tree and any repository; deleted after the test. */
    Path varTmpWorkspaces;

    Path varTmpWorkspaces() throws java.io.IOException {
        varTmpWorkspaces = Files.createTempDirectory(VAR_TMP, "tenant-work-",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        return varTmpWorkspaces;
    }

    static Stream<String> sandboxes() {
        return Stream.of("read-only", "workspace-write", "danger-full-access");
    }

    String template(String sandbox, String approval) {
        String toml = IsolatedCodexHome.builder(Path.of("unused"), model.baseUrl()).askForApproval(approval).configToml();
        // the test kit always names a sandbox; codex's default is what a template without the line gets
        toml = sandbox == null ? toml.replaceFirst("(?m)^sandbox_mode = .*\\n", "")
                : toml.replaceFirst("(?m)^sandbox_mode = .*$", "sandbox_mode = \"" + sandbox + "\"");
        return toml;
    }

    static final String WS_MARK = "alice-workspace-secret-7d41";

    static List<String> listing(Path root) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    static java.util.function.Consumer<CodexSession.Builder> inWork(Path work) {
        return b -> b.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO));
    }

    /** The attacker's turn, in its workspace, under the given approvals (null: the library's default, fail closed). */
    static TurnResult attackerTurn(CodexTenants t, String tenant, Path work, ApprovalPolicy approvals) throws Exception {
        try (CodexSession s = t.newSession(tenant, approvals == null ? inWork(work) : inWork(work).andThen(b -> b.approvals(approvals)))) {
            return s.runTurn(TurnInput.text("look around"));
        }
    }

    /** Each call's output as codex sent it to the attacker's model in its last request, printed for the report. */
    java.util.Map<String, String> outputsSeenByTheModel(List<String> calls) {
        RecordedRequest last = model.responsesRequests().get(model.responsesRequests().size() - 1);
        java.util.Map<String, String> outputs = new java.util.LinkedHashMap<>();
        for (String call : calls) {
            String out = last.functionCallOutput(call).orElse("");
            System.out.println("--- " + call + ":\n" + out);
            outputs.put(call, out);
        }
        return outputs;
    }
}
