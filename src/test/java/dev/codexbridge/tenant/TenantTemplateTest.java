package dev.codexbridge.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.support.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tenants' template block in a tenant's config.toml: where it goes, what it leaves alone, how it is written. */
class TenantTemplateTest {
    private final Path dir = TestDirs.create("tenant-template");

    @AfterEach
    void tearDown() throws Exception {
        TestDirs.delete(dir);
    }

    @Test
    void theBlockGoesBeforeTheFirstTableAndIsReplacedInPlaceLeavingTheRestByteForByte() {
        String own = "# mine\r\nnotify = [\"x\"]\n\n# my table\n[tui]\nnotifications = false";
        String first = TenantTemplate.merged(own, "model = \"a\"\n[model_providers.p]\nbase_url = \"http://one\"\n");
        assertThat(first).isEqualTo("# mine\r\nnotify = [\"x\"]\n\n# my table\n" + TenantTemplate.BEGIN + "\nmodel = \"a\"\n"
                + "[model_providers.p]\nbase_url = \"http://one\"\n" + TenantTemplate.END + "\n[tui]\nnotifications = false");
        String second = TenantTemplate.merged(first, "model = \"b\"");
        assertThat(second).isEqualTo("# mine\r\nnotify = [\"x\"]\n\n# my table\n" + TenantTemplate.BEGIN + "\nmodel = \"b\"\n"
                + TenantTemplate.END + "\n[tui]\nnotifications = false");
        assertThat(TenantTemplate.merged(second, "model = \"b\"")).isEqualTo(second);
        // a file with no table: at the end, with the one newline a last line without one needs
        assertThat(TenantTemplate.merged("a = 1", "b = 2\n")).isEqualTo("a = 1\n" + TenantTemplate.BEGIN + "\nb = 2\n" + TenantTemplate.END + "\n");
        // the migrator's managed block is outside this one and stays as it is
        String migrated = "# >>> codex-bridge managed block: x\n[mcp_servers.s]\ncommand = \"s\"\n# <<< end of codex-bridge managed block\n";
        assertThat(TenantTemplate.merged(migrated, "model = \"m\"\n")).endsWith(migrated);
    }

    @Test
    void aBracketInsideAMultiLineStringOrAnOpenArrayIsNoTable() {
        String own = "instructions = \"\"\"\n[not a table]\n\"\"\"\nlist = [\n  [1, 2],\n]\n[tui]\nx = 1\n";
        String merged = TenantTemplate.merged(own, "model = \"m\"\n");
        // the block's root key stays a root key: it goes after the string and the array, before [tui]
        assertThat(merged).isEqualTo("instructions = \"\"\"\n[not a table]\n\"\"\"\nlist = [\n  [1, 2],\n]\n"
                + TenantTemplate.BEGIN + "\nmodel = \"m\"\n" + TenantTemplate.END + "\n[tui]\nx = 1\n");
        assertThat(org.tomlj.Toml.parse(merged).getString("model")).isEqualTo("m");
    }

    @Test
    void aMarkerWithoutItsPartnerIsAClearError() {
        assertThatThrownBy(() -> TenantTemplate.merged(TenantTemplate.BEGIN + "\nmodel = \"a\"\n", "x = 1"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no end marker");
        assertThatThrownBy(() -> TenantTemplate.merged("a = 1\n" + TenantTemplate.END + "\n", "x = 1"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("line 2");
    }

    @Test
    void theFileIsReplacedOwnerOnlyOnlyWhenTheBlockChangesAndALinkIsRefused() throws Exception {
        Path config = dir.resolve("config.toml");
        Files.writeString(config, "# mine\n");
        assertThat(TenantTemplate.apply(config, "model = \"a\"\n")).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
        long modified = Files.getLastModifiedTime(config).toMillis();
        Object inode = Files.readAttributes(config, "unix:ino").get("ino");
        assertThat(TenantTemplate.apply(config, "model = \"a\"\n")).isFalse();
        assertThat(Files.readAttributes(config, "unix:ino").get("ino")).isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(config).toMillis()).isEqualTo(modified);
        assertThat(TenantTemplate.apply(config, "model = \"b\"\n")).isTrue();
        assertThat(Files.readAttributes(config, "unix:ino").get("ino")).isNotEqualTo(inode);   // a rename, not a rewrite in place
        assertThat(Files.readString(config)).startsWith("# mine\n").contains("model = \"b\"");
        assertThat(dir.resolve(".config.toml.tmp")).doesNotExist();
        Path target = Files.writeString(dir.resolve("elsewhere.toml"), "untouched\n");
        Path link = Files.createSymbolicLink(dir.resolve("linked.toml"), target);
        assertThatThrownBy(() -> TenantTemplate.apply(link, "model = \"c\"\n")).hasMessageContaining("refusing the symbolic link");
        assertThat(Files.readString(target)).isEqualTo("untouched\n");
    }
}
