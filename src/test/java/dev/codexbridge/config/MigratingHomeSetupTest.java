package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import dev.codexbridge.tenant.TenantHome;
import dev.codexbridge.tenant.TenantHomeSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host's MCP servers reach a tenant's home through the migrator, beside the template. */
class MigratingHomeSetupTest {
    @TempDir
    Path tmp;

    private TenantHome home(String tenant) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(tenant));
        return new TenantHome(tenant, dir, Files.createDirectories(dir.resolve("codex-home")),
                Files.createDirectories(dir.resolve("home")), Path.of("/usr/bin/codex-not-run"), Map.of());
    }

    @Test
    void theHostsServersAreWrittenBesideTheTemplate() throws Exception {
        HostMcpConfig host = HostMcpConfig.parse("{\"mcpServers\": {\"docs\": {\"command\": \"docs-server\", \"args\": [\"--stdio\"]}}}",
                false, "host.json");
        TenantHome alice = home("alice");
        TenantHomeSetup.configToml("model = \"gpt-test\"\n").andThen(MigratingHomeSetup.of(host)).prepare(alice);

        String toml = Files.readString(alice.configFile());
        assertThat(toml).startsWith("model = \"gpt-test\"\n").contains("[mcp_servers.docs]").contains("docs-server");
    }

    @Test
    void aMigrationWithErrorsFailsTheSetup() throws Exception {
        HostMcpConfig broken = HostMcpConfig.parse("{\"mcpServers\": {\"bad\": {\"args\": [\"no command\"]}}}", false, "host.json");
        TenantHome bob = home("bob");
        assertThatThrownBy(() -> MigratingHomeSetup.of(broken).prepare(bob))
                .isInstanceOf(CodexException.class).hasMessageContaining("tenant bob");
    }
}
