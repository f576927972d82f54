package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.SandboxPolicy;
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
    void threadSettingsAndSettingsTheHostKeepsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("prompt", "p", "profile", "x", "config", Map.of()),
                CallArguments.TURN_SETTINGS, cwd)).isInstanceOf(McpCallException.class)
                .hasMessageStartingWith("this server does not let callers set config, profile: the host configures codex's threads");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("sandbox", "danger-full-access"), Set.of("model"), cwd))
                .hasMessage("this server does not let callers set sandbox: the host configures codex's threads; callers may set model");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("sandbox", "open"), CallArguments.TURN_SETTINGS, cwd))
                .hasMessage("sandbox must be read-only, workspace-write or danger-full-access, not open");
        assertThatThrownBy(() -> CallArguments.turnOptions(Map.of("model", 5), CallArguments.TURN_SETTINGS, cwd))
                .hasMessage("model must be a string");
        assertThatThrownBy(() -> CallArguments.prompt(Map.of("prompt", " "))).hasMessage("the prompt argument is required (a non-empty string)");
    }
}
