package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostMcpConfigTest {
    @Test
    void detectsEachFormatByItsTopLevelKey() {
        assertThat(HostMcpConfig.parse("{\"mcpServers\":{\"a\":{}}}", false, "x").format())
                .isEqualTo(HostMcpConfig.Format.MCP_SERVERS);
        assertThat(HostMcpConfig.parse("{\"servers\":{\"a\":{}},\"inputs\":[]}", false, "x").format())
                .isEqualTo(HostMcpConfig.Format.VSCODE);
        assertThat(HostMcpConfig.parse("{\"mcp\":{\"servers\":{\"a\":{}}}}", false, "settings.json").format())
                .isEqualTo(HostMcpConfig.Format.VSCODE);
        HostMcpConfig yaml = HostMcpConfig.parse("model: x\nmcp_servers:\n  a: {command: b}\n  c: {url: 'https://d'}\n", true, "x");
        assertThat(yaml.format()).isEqualTo(HostMcpConfig.Format.MCP_SERVERS_MAP);
        assertThat(yaml.servers()).extracting(HostMcpConfig.Server::name).containsExactly("a", "c");
        assertThat(HostMcpConfig.parse("mcp_servers:\n", true, "x").servers()).isEmpty();
    }

    @Test
    void badInputIsAClearErrorNamingTheSource() {
        assertThatThrownBy(() -> HostMcpConfig.parse("{\"mcpServers\": [", false, "claude.json"))
                .isInstanceOf(ConfigMigrationException.class).hasMessageStartingWith("claude.json is not valid JSON");
        assertThatThrownBy(() -> HostMcpConfig.parse("a: [", true, "hermes.yaml"))
                .hasMessageStartingWith("hermes.yaml is not valid YAML");
        assertThatThrownBy(() -> HostMcpConfig.parse("{\"other\":1}", false, "x.json"))
                .hasMessageContaining("no MCP servers found");
        assertThatThrownBy(() -> HostMcpConfig.parse("{\"mcp_servers\":\"nope\"}", false, "x.json"))
                .hasMessageContaining("must be an object of servers");
        assertThatThrownBy(() -> HostMcpConfig.parse("[1]", false, "x.json")).hasMessageContaining("top level");
    }
}
