package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.SandboxMode;
import dev.codexbridge.protocol.SandboxPolicy;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The codex tool's arguments as turn settings, the ones refused with a reason, and a remote caller's narrowing. */
class CallArgumentsTest {
    private final Path cwd = Path.of("/srv/work");
    private final ThreadOptions anyHost = ThreadOptions.in(cwd);

    @TempDir
    Path tmp;

    @Test
    void turnSettingsGoOnTheTurn() {
        TurnOptions o = CallArguments.turnOptions(Map.of("prompt", "p", "model", "m1", "sandbox", "workspace-write",
                "approval-policy", "on-failure", "cwd", "sub/dir"), anyHost, cwd, false);
        assertThat(o.model()).isEqualTo("m1");
        assertThat(o.sandboxPolicy()).isInstanceOf(SandboxPolicy.WorkspaceWrite.class);
        assertThat(Json.tree(o.approvalPolicy()).asText()).isEqualTo("on-request");
        assertThat(o.extraParamsJson()).isEqualTo("{\"cwd\":\"/srv/work/sub/dir\"}");
    }

    @Test
    void settingsTheHostKeepsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> CallArguments.refuseUnlisted(Map.of("prompt", "p", "sandbox", "x", "config", Map.of()),
                CallArguments.TURN_SETTINGS.stream().filter(s -> !s.equals("sandbox")).collect(java.util.stream.Collectors.toSet())))
                .isInstanceOf(McpCallException.class)
                .hasMessageStartingWith("this server does not let callers set config, sandbox: the host keeps them");
        assertThatThrownBy(() -> CallArguments.refuseUnlisted(Map.of("sandbox", "danger-full-access"), Set.of("model")))
                .hasMessage("this server does not let callers set sandbox: the host keeps them; callers may set model");
        assertThatThrownBy(() -> CallArguments.refuseUnlisted(Map.of("sandbox", "read-only"), Set.of()))
                .hasMessage("this server does not let callers set sandbox: the host keeps them");
        assertThatThrownBy(() -> CallArguments.refuseUnlisted(Map.of("profile", "fast"), CallArguments.ALL_SETTINGS))
                .hasMessageStartingWith("profile is not a setting of this server");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("sandbox", "open"), anyHost, cwd, false))
                .hasMessage("sandbox must be read-only, workspace-write or danger-full-access, not open");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("model", 5), anyHost, cwd, false))
                .hasMessage("model must be a string");
        assertThatThrownBy(() -> CallArguments.prompt(Map.of("prompt", " "))).hasMessage("the prompt argument is required (a non-empty string)");
    }

    /** codex mcp-server's thread arguments change the host's thread options, on top of them. */
    @Test
    void threadSettingsGoOnTheThreadOnTopOfTheHosts() {
        Map<String, Object> args = Map.of("prompt", "p", "base-instructions", "be brief", "developer-instructions", "use tabs",
                "compact-prompt", "summarize", "config", Map.of("model_reasoning_effort", "low"));
        ThreadOptions host = ThreadOptions.builder().cwd(cwd).model("host-model").config("hide_agent_reasoning", true).build();
        for (boolean remote : new boolean[] {false, true}) {
            ThreadOptions t = CallArguments.threadChange(args, remote).apply(host);
            assertThat(t.cwd()).isEqualTo(cwd);
            assertThat(t.model()).isEqualTo("host-model");
            assertThat(t.baseInstructions()).isEqualTo("be brief");
            assertThat(t.developerInstructions()).isEqualTo("use tabs");
            assertThat(t.config()).containsEntry("compact_prompt", "summarize")
                    .containsEntry("model_reasoning_effort", "low").containsEntry("hide_agent_reasoning", true);
        }
        assertThat(CallArguments.threadChange(Map.of("prompt", "p", "model", "m"), true)).isNull();
        assertThatThrownBy(() -> CallArguments.threadChange(Map.of("config", "model=x"), true)).isInstanceOf(McpCallException.class)
                .hasMessageStartingWith("config must be an object");
    }

    /** Every config key of the attacks a remote caller tried is refused before a thread exists; the stdio client keeps codex mcp-server's freedom. */
    @Test
    void aRemoteCallersConfigKeysComeFromTheAllowListOnly() {
        for (Map<String, Object> config : java.util.List.<Map<String, Object>>of(
                Map.of("mcp_servers.x.command", "/bin/sh", "mcp_servers.x.args", java.util.List.of("-c", "id > f")),
                Map.of("notify", java.util.List.of("/bin/sh", "-c", "id")),
                Map.of("model_providers.evil", Map.of("base_url", "http://127.0.0.1:1", "env_key", "OPENAI_API_KEY")),
                Map.of("model_provider", "evil"),
                Map.of("sandbox_mode", "danger-full-access"),
                Map.of("sandbox_workspace_write.writable_roots", java.util.List.of("/")),
                Map.of("shell_environment_policy.inherit", "all"),
                Map.of("approval_policy", "never"),
                Map.of("profile", "x"),
                Map.of("profiles.x.sandbox_mode", "danger-full-access"),
                Map.of("otel.exporter", "x"),
                Map.of("model_reasoning_effort", Map.of("nested", "table")))) {
            assertThatThrownBy(() -> CallArguments.threadChange(Map.of("prompt", "p", "config", config), true)).as("%s", config)
                    .isInstanceOf(McpCallException.class).hasMessageContaining("refused: callers may give only");
            assertThat(CallArguments.threadChange(Map.of("prompt", "p", "config", config), false)).as("stdio: %s", config).isNotNull();
        }
    }

    @Test
    void aRemoteCallerMayOnlyNarrowTheSandboxAndTheApprovalSetting() {
        ThreadOptions host = ThreadOptions.builder().cwd(cwd).sandbox(SandboxMode.WORKSPACE_WRITE).askForApproval(AskForApproval.ON_REQUEST).build();
        assertThat(CallArguments.turnOptions(Map.of("sandbox", "read-only"), host, cwd, true).sandboxPolicy())
                .isInstanceOf(SandboxPolicy.ReadOnly.class);
        assertThat(CallArguments.turnOptions(Map.of("sandbox", "workspace-write"), host, cwd, true).sandboxPolicy())
                .isInstanceOf(SandboxPolicy.WorkspaceWrite.class);
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("sandbox", "danger-full-access"), host, cwd, true))
                .hasMessage("sandbox danger-full-access refused: callers may only narrow the host's sandbox (workspace-write)");
        assertThat(Json.tree(CallArguments.turnOptions(Map.of("approval-policy", "untrusted"), host, cwd, true).approvalPolicy()).asText())
                .isEqualTo("untrusted");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("approval-policy", "never"), host, cwd, true))
                .hasMessageStartingWith("approval-policy never refused: callers may only make codex ask more often");
        // the host left both to codex's config: only the strictest may be asked for
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("sandbox", "workspace-write"), anyHost, cwd, true))
                .hasMessageContaining("codex's configured one, so read-only only");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("approval-policy", "on-request"), anyHost, cwd, true))
                .hasMessageContaining("untrusted only");
        assertThat(CallArguments.turnOptions(Map.of("sandbox", "read-only", "approval-policy", "untrusted"), anyHost, cwd, true)).isNotNull();
        // the stdio client, the local user, keeps codex mcp-server's behaviour
        assertThat(CallArguments.turnOptions(Map.of("sandbox", "danger-full-access", "approval-policy", "never"), anyHost, cwd, false)
                .sandboxPolicy()).isInstanceOf(SandboxPolicy.DangerFullAccess.class);
    }

    @Test
    void aRemoteCallersCwdMustResolveInsideTheConversationsFolder() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("alice"));
        Path bob = Files.createDirectories(tmp.resolve("bob"));
        Files.createDirectories(folder.resolve("src/main"));
        Files.createSymbolicLink(folder.resolve("out"), bob);
        ThreadOptions host = ThreadOptions.in(folder);
        assertThat(CallArguments.turnOptions(Map.of("cwd", "src/main"), host, cwd, true).extraParamsJson())
                .isEqualTo("{\"cwd\":\"" + folder.resolve("src/main").toRealPath() + "\"}");
        for (String escape : new String[] {"../../../../etc", "/etc", bob.toString(), "out", "src/../../bob", "missing"}) {
            assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("cwd", escape), host, cwd, true)).as(escape)
                    .isInstanceOf(McpCallException.class).hasMessageStartingWith("cwd " + escape + " refused");
        }
    }
}
