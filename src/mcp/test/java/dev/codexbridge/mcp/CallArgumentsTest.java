package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.SandboxPolicy;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The codex tool's arguments as turn settings, and the ones refused with a reason. */
class CallArgumentsTest {
    private final Path cwd = Path.of("/srv/work");

    @Test
    void turnSettingsGoOnTheTurn() {
        TurnOptions o = CallArguments.turnOptions(Map.of("prompt", "p", "model", "m1", "sandbox", "workspace-write",
                "approval-policy", "on-failure", "cwd", "sub/dir"), CallArguments.TURN_SETTINGS, cwd);
        assertThat(o.model()).isEqualTo("m1");
        assertThat(o.sandboxPolicy()).isInstanceOf(SandboxPolicy.WorkspaceWrite.class);
        assertThat(Json.tree(o.approvalPolicy()).asText()).isEqualTo("on-request");
        assertThat(o.extraParamsJson()).isEqualTo("{\"cwd\":\"/srv/work/sub/dir\"}");
    }

    @Test
    void settingsTheHostKeepsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("prompt", "p", "profile", "x", "config", Map.of()),
                CallArguments.TURN_SETTINGS, cwd)).isInstanceOf(McpCallException.class)
                .hasMessageStartingWith("this server does not let callers set config, profile: the host keeps them");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("sandbox", "danger-full-access"), Set.of("model"), cwd))
                .hasMessage("this server does not let callers set sandbox: the host keeps them; callers may set model");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("sandbox", "open"), CallArguments.TURN_SETTINGS, cwd))
                .hasMessage("sandbox must be read-only, workspace-write or danger-full-access, not open");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("model", 5), CallArguments.TURN_SETTINGS, cwd))
                .hasMessage("model must be a string");
        assertThatThrownBy(() -> CallArguments.prompt(Map.of("prompt", " "))).hasMessage("the prompt argument is required (a non-empty string)");
    }

    /** codex mcp-server's thread arguments change the host's thread options, on top of them. */
    @Test
    void threadSettingsGoOnTheThreadOnTopOfTheHosts() {
        Map<String, Object> args = Map.of("prompt", "p", "base-instructions", "be brief", "developer-instructions", "use tabs",
                "profile", "fast", "compact-prompt", "summarize", "config", Map.of("model_reasoning_effort", "low"));
        assertThat(CallArguments.turnOptions(args, CallArguments.ALL_SETTINGS, cwd)).isNotNull();
        ThreadOptions host = ThreadOptions.builder().cwd(cwd).model("host-model").config("hide_agent_reasoning", true).build();
        ThreadOptions t = CallArguments.threadChange(args).apply(host);
        assertThat(t.cwd()).isEqualTo(cwd);
        assertThat(t.model()).isEqualTo("host-model");
        assertThat(t.baseInstructions()).isEqualTo("be brief");
        assertThat(t.developerInstructions()).isEqualTo("use tabs");
        assertThat(t.config()).containsEntry("profile", "fast").containsEntry("compact_prompt", "summarize")
                .containsEntry("model_reasoning_effort", "low").containsEntry("hide_agent_reasoning", true);
        assertThat(CallArguments.threadChange(Map.of("prompt", "p", "model", "m"))).isNull();
        assertThatThrownBy(() -> CallArguments.threadChange(Map.of("config", "model=x"))).isInstanceOf(McpCallException.class)
                .hasMessageStartingWith("config must be an object");
    }
}
