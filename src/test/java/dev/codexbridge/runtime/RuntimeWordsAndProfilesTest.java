package dev.codexbridge.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.config.ServerReport;
import dev.codexbridge.process.CodexVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuntimeWordsAndProfilesTest {
    @Test
    void theWordsHermesUsersTypeAreAcceptedInAnyCase() {
        Map<String, RuntimeWord> table = Map.ofEntries(Map.entry("", RuntimeWord.STATUS), Map.entry("  ", RuntimeWord.STATUS),
                Map.entry("status", RuntimeWord.STATUS), Map.entry("on", RuntimeWord.ON), Map.entry("ENABLE", RuntimeWord.ON),
                Map.entry("codex", RuntimeWord.ON), Map.entry("codex_app_server", RuntimeWord.ON), Map.entry("Off", RuntimeWord.OFF),
                Map.entry("DiSaBlE", RuntimeWord.OFF), Map.entry("default", RuntimeWord.OFF), Map.entry("hermes", RuntimeWord.OFF),
                Map.entry(" auto ", RuntimeWord.AUTO));
        table.forEach((text, word) -> assertThat(RuntimeWord.parse(text)).as("'%s'", text).isEqualTo(word));
        assertThat(RuntimeWord.parse(null)).isEqualTo(RuntimeWord.STATUS);
        for (String bad : List.of("turbo", "codex-app-server", "true")) {
            assertThatThrownBy(() -> RuntimeWord.parse(bad)).hasMessage("Unknown runtime '" + bad + "'. Use one of: on, off, auto, status");
        }
    }

    @Test
    void profileNamesFollowTheVersion() {
        CodexVersion v130 = new CodexVersion(0, 130, 0);
        CodexVersion v169 = new CodexVersion(0, 169, 0);
        assertThat(PermissionProfiles.builtIns(v130)).containsExactly(":read-only", ":workspace", ":danger-no-sandbox");
        assertThat(PermissionProfiles.builtIns(v169)).containsExactly(":read-only", ":workspace", ":danger-full-access");
        assertThat(PermissionProfiles.builtIns(new CodexVersion(0, 170, 1))).contains(":danger-full-access");
        for (String asked : List.of(":danger-full-access", "danger-full-access", ":danger-no-sandbox", "Danger-No-Sandbox")) {
            assertThat(PermissionProfiles.forVersion(asked, v130)).as(asked).isEqualTo(":danger-no-sandbox");
            assertThat(PermissionProfiles.forVersion(asked, v169)).as(asked).isEqualTo(":danger-full-access");
        }
        assertThat(PermissionProfiles.forVersion(" :workspace ", v130)).isEqualTo(":workspace");
        assertThat(PermissionProfiles.forVersion("my-profile", v169)).isEqualTo("my-profile");
        assertThat(PermissionProfiles.DEFAULT).isEqualTo(":workspace");
    }

    private static MigrationReport report(boolean written, List<ServerReport> servers, List<String> errors) {
        return new MigrationReport("/c/config.toml", false, written, written, servers, List.of(), null, null, List.of(), errors, "", null);
    }

    @Test
    void onlyAFileThatCouldNotBeUpdatedBlocksTheSwitch() {
        ServerReport failed = new ServerReport("b", ServerReport.Status.FAILED, List.of(), List.of(), "no command or url");
        assertThat(RuntimeSwitch.fileLevelProblem(report(true, List.of(), List.of()))).isNull();
        assertThat(RuntimeSwitch.fileLevelProblem(report(false, List.of(failed), List.of("MCP server \"b\" not migrated: no command or url"))))
                .isNull();
        assertThat(RuntimeSwitch.fileLevelProblem(report(false, List.of(), List.of("default permission profile \":x\" is neither ..."))))
                .isNull();
        assertThat(RuntimeSwitch.fileLevelProblem(report(false, List.of(failed), List.of("MCP server \"b\" not migrated: x",
                "cannot update /c/config.toml: read-only file system (the file was left as it was)"))))
                .contains("read-only file system");
    }
}
