package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.runtime.Readiness;
import dev.codexbridge.runtime.RuntimeStatus;
import dev.codexbridge.runtime.RuntimeSwitch;
import dev.codexbridge.runtime.StateStore;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime switch against the real codex and the scripted model. */
class RuntimeSwitchLiveTest {
    @TempDir
    Path tmp;

    private RuntimeSwitch.Builder sw(Path home) {
        return RuntimeSwitch.builder().launch(CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).build())
                .stateStore(StateStore.file(tmp.resolve("state/runtime.json"))).probeTimeout(Duration.ofSeconds(20));
    }

    @Test
    void enableMigratesAndRecordsStatusShowsTheBlockDisableRemovesIt() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            String before = Files.readString(home.resolve("config.toml"));
            RuntimeStatus initial = sw(home).build().status(false);
            assertThat(initial.enabled()).isFalse();
            assertThat(initial.managedBlock()).isFalse();
            assertThat(initial.codexVersion()).isEqualTo("0.171.0");

            RuntimeSwitch.EnableResult enabled = sw(home).discoverPlugins(false).defaultPermissions(":workspace")
                    .hostConfig(HostMcpConfig.parse("{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\",\"args\":[\"mcp-server-fetch\"]}}}", false, "t"))
                    .build().enable();
            assertThat(enabled.enabled()).isTrue();
            assertThat(enabled.migration().written()).isTrue();

            model.enqueue(ModelReply.message("OK"));
            RuntimeStatus after = sw(home).build().status(true);
            assertThat(after.enabled()).isTrue();
            assertThat(after.managedBlock()).isTrue();
            assertThat(after.managedServers()).containsExactly("fetch");
            assertThat(after.managedDefaultPermissions()).isEqualTo(":workspace");
            assertThat(after.account()).isEqualTo("none needed (custom provider)");
            assertThat(after.readiness()).as(after.summary()).isEqualTo(Readiness.READY);

            sw(home).build().disable(true);
            assertThat(sw(home).build().status(false).enabled()).isFalse();
            assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(before);
        }
    }

    @Test
    void theProbeTellsLoggedOutAndModelUnavailableApart() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            model.enqueue(new ModelReply.HttpError(401, java.util.Map.of("content-type", "application/json"),
                    "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));
            RuntimeStatus unauthorized = sw(home).build().status(true);
            assertThat(unauthorized.readiness()).as(unauthorized.summary()).isEqualTo(Readiness.LOGGED_OUT);
            assertThat(unauthorized.remediation()).contains("codex login");

            model.enqueue(new ModelReply.HttpError(404, java.util.Map.of("content-type", "application/json"),
                    "{\"error\":{\"message\":\"The model `mock-model` does not exist or you do not have access to it.\","
                            + "\"type\":\"invalid_request_error\",\"code\":\"model_not_found\"}}"));
            RuntimeStatus noModel = sw(home).probeModel("mock-model").build().status(true);
            assertThat(noModel.readiness()).as(noModel.summary()).isEqualTo(Readiness.MODEL_UNAVAILABLE);
            assertThat(noModel.remediation()).contains("another model").contains("`mock-model`");
        }
    }

    @Test
    void enableWithoutAUsableCodexChangesNothing() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("config.toml"), "model = \"x\"\n");
        RuntimeSwitch.EnableResult r = RuntimeSwitch.builder().launch(CodexLaunch.appServer(tmp.resolve("no-codex")).codexHome(home).build())
                .stateStore(StateStore.file(tmp.resolve("state.json"))).defaultPermissions(":workspace").build().enable();
        assertThat(r.enabled()).isFalse();
        assertThat(r.problem()).contains("does not exist").contains("npm install -g @openai/codex@0.171.0");
        assertThat(tmp.resolve("state.json")).doesNotExist();
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo("model = \"x\"\n");
    }
}
