package dev.codexbridge.config;

import dev.codexbridge.internal.TomlLayout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ManagedBlockTest {
    private static final String B = ManagedBlock.BEGIN + "\n";
    private static final String E = ManagedBlock.END + "\n";

    @Test
    void findsTheFirstRealTableHeader() {
        assertThat(TomlLayout.firstTableHeader(TomlLayout.lines("a = 1\n\n[t]\nb = 2\n"))).isEqualTo(2);
        assertThat(TomlLayout.firstTableHeader(TomlLayout.lines("a = [\n  [1, 2],\n]\n[[arr]]\n"))).isEqualTo(3);
        assertThat(TomlLayout.firstTableHeader(TomlLayout.lines("s = \"\"\"\n[x]\n\"\"\"\n[t]\n"))).isEqualTo(3);
        assertThat(TomlLayout.firstTableHeader(TomlLayout.lines("s = '''\n[x]'''\n  [t]\n"))).isEqualTo(2);
        assertThat(TomlLayout.firstTableHeader(TomlLayout.lines("s = \"a\\\"[\" # [\n[t]\n"))).isEqualTo(1);
        assertThat(TomlLayout.firstTableHeader(TomlLayout.lines("a = 1\n# [not]\n"))).isEqualTo(-1);
        assertThat(TomlLayout.firstTableHeader(List.of())).isEqualTo(-1);
    }

    @Test
    void insertsAfterRootKeysAndBeforeTheCommentsOfTheFirstTable() {
        String out = ManagedBlock.insert("a = 1\n\n# about t\n[t]\n", B + E);
        assertThat(out).isEqualTo("a = 1\n" + B + E + "\n# about t\n[t]\n");
        assertThat(ManagedBlock.insert("", B + E)).isEqualTo(B + E);
        assertThat(ManagedBlock.insert("a = 1", B + E)).isEqualTo("a = 1\n" + B + E);
    }

    @Test
    void stripsEveryBlockAndKeepsTheRestExactly() {
        String text = "x = 1\n" + B + "k = 2\n" + E + "[t]\n" + B + E;
        ManagedBlock.Split s = ManagedBlock.strip(text);
        assertThat(s.outside()).isEqualTo("x = 1\n[t]\n");
        assertThat(s.blocks()).isEqualTo(2);
        assertThat(ManagedBlock.strip("no block\r\n").outside()).isEqualTo("no block\r\n");
    }

    @Test
    void refusesBrokenMarkers() {
        assertThatThrownBy(() -> ManagedBlock.strip("a = 1\n" + B + "k = 1\n"))
                .isInstanceOf(ConfigMigrationException.class).hasMessageContaining("line 2").hasMessageContaining("no end marker");
        assertThatThrownBy(() -> ManagedBlock.strip(E)).isInstanceOf(ConfigMigrationException.class)
                .hasMessageContaining("without a begin marker");
        assertThatThrownBy(() -> ManagedBlock.strip(B + B + E)).isInstanceOf(ConfigMigrationException.class);
    }

    @Test
    void rendersRootKeysBeforeTablesWithTheFilesLineEnding() {
        String block = ManagedBlock.render(List.of("default_permissions = \":workspace\""),
                List.of(new ManagedBlock.Table("mcp_servers.a", List.of("command = \"x\""))), "\r\n");
        assertThat(block).isEqualTo(ManagedBlock.BEGIN + "\r\ndefault_permissions = \":workspace\"\r\n\r\n[mcp_servers.a]\r\n"
                + "command = \"x\"\r\n" + ManagedBlock.END + "\r\n");
        assertThat(ManagedBlock.lineEnding("a\r\nb\r\nc\n")).isEqualTo("\r\n");
        assertThat(ManagedBlock.lineEnding("")).isEqualTo("\n");
    }
}
