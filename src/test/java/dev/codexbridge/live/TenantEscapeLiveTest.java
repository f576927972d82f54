package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.SandboxMode;
import dev.codexbridge.protocol.SandboxPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.ModelReply;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tenant A's model tries to reach tenant B through the real codex (the attempts:
 * {@link TenantHomeEscapeRig}) under each sandbox and approval setting a tenant's {@code config.toml}
 * may give, with the library's fail-closed approvals; and a host that hands a tenant's thread a
 * sandbox of its own is refused. Nothing of B may reach A's command output or A's model provider,
 * and nothing of A may land in B's home. Needs bubblewrap (decision 0030).
 */
class TenantEscapeLiveTest extends TenantHomeEscapeRig {

    /**
     * The default: each tenant's codex in a mount namespace of its own (bubblewrap), the workspaces
     * where a host would keep them, outside the build's tree and any repository.
     */
    @ParameterizedTest(name = "mount namespace, sandbox {0}, approvals {1}")
    @MethodSource("settings")
    void tenantAReachesNothingOfTenantB(String sandbox, String approval) throws Exception {
        namespacedTenants(sandbox, approval);
        escapesFailInVarTmp(sandbox);
    }

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
}
