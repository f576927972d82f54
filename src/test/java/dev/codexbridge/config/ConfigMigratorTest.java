package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlVersion;

class ConfigMigratorTest {
    private static final String USER = "model = \"gpt-5.5\"\n\n[features]\nunified_exec = true\n";

    @TempDir
    Path tmp;

    private Path home() throws IOException {
        return Files.createDirectories(tmp.resolve("home"));
    }

    private static HostMcpConfig host(String json) {
        return HostMcpConfig.parse(json, false, "test");
    }

    private static ConfigMigrator.Builder migrator(Path home) {
        return ConfigMigrator.builder().codexHome(home)
                .hostConfig(host("{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\",\"args\":[\"mcp-server-fetch\"]}}}"))
                .defaultPermissions(":workspace");
    }

    private static Stream<Path> temps(Path dir) throws IOException {
        return Files.list(dir).filter(p -> p.getFileName().toString().endsWith(ConfigFiles.TEMP_SUFFIX));
    }

    @Test
    void dryRunShowsTheDiffAndWritesNothing() throws Exception {
        Path home = home();
        Files.writeString(home.resolve("config.toml"), USER);
        MigrationReport r = migrator(home).build().migrate(true);
        assertThat(r.dryRun()).isTrue();
        assertThat(r.changed()).isTrue();
        assertThat(r.written()).isFalse();
        assertThat(r.diff()).startsWith("--- a/config.toml\n+++ b/config.toml\n")
                .contains("+" + ManagedBlock.BEGIN).contains("+[mcp_servers.fetch]").contains(" [features]");
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(USER);
        assertThat(r.summary()).startsWith("(dry run) would update ");
    }

    @Test
    void removeTakesTheBlockOutAndLeavesTheRestByteIdentical() throws Exception {
        Path home = home();
        Files.writeString(home.resolve("config.toml"), USER);
        assertThat(migrator(home).build().migrate(false).written()).isTrue();
        assertThat(Files.readString(home.resolve("config.toml"))).isNotEqualTo(USER);
        MigrationReport removed = ConfigMigrator.builder().codexHome(home).build().remove(false);
        assertThat(removed.written()).isTrue();
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(USER);
        MigrationReport again = ConfigMigrator.builder().codexHome(home).build().remove(false);
        assertThat(again.changed()).isFalse();
        assertThat(again.warnings()).singleElement().asString().contains("no codex-bridge managed block");
    }

    @Test
    void aSymlinkedConfigIsWrittenThroughToItsTarget() throws Exception {
        Path home = home();
        Path real = Files.createDirectories(tmp.resolve("dotfiles")).resolve("codex.toml");
        Files.writeString(real, USER);
        Files.createSymbolicLink(home.resolve("config.toml"), Paths.get("../dotfiles/codex.toml"));
        MigrationReport r = migrator(home).build().migrate(false);
        assertThat(r.written()).isTrue();
        assertThat(r.target()).isEqualTo(real.toString());
        assertThat(Files.isSymbolicLink(home.resolve("config.toml"))).isTrue();
        assertThat(Files.readString(real)).contains("[mcp_servers.fetch]").endsWith(USER.substring(USER.indexOf("\n[features]")));
    }

    @Test
    void keepsTheFilesPermissionsAndCreatesNewFilesOwnerOnly() throws Exception {
        Path home = home();
        Path config = home.resolve("config.toml");
        Files.writeString(config, USER);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
        migrator(home).build().migrate(false);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-r-----");

        Path fresh = Files.createDirectories(tmp.resolve("fresh"));
        migrator(fresh).build().migrate(false);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.resolve("config.toml"))))
                .isEqualTo("rw-------");
    }

    @Test
    void aCrashBetweenWriteAndRenameLeavesTheOriginalIntact() throws Exception {
        Path home = home();
        Files.writeString(home.resolve("config.toml"), USER);
        assertThatThrownBy(() -> migrator(home).beforeRename(temp -> {
            assertThat(Files.readString(temp)).contains("[mcp_servers.fetch]");
            throw new Error("simulated crash");
        }).build().migrate(false)).hasMessage("simulated crash");
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(USER);
        assertThat(temps(home)).isEmpty();
    }

    @Test
    void aFullDiskIsAClearErrorAndLosesNothing() throws Exception {
        Path home = home();
        Files.writeString(home.resolve("config.toml"), USER);
        MigrationReport r = migrator(home).beforeRename(temp -> {
            throw new IOException("No space left on device");
        }).build().migrate(false);
        assertThat(r.written()).isFalse();
        assertThat(r.errors()).singleElement().asString().contains("No space left on device").contains("left as it was");
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(USER);
        assertThat(temps(home)).isEmpty();
    }

    @Test
    void noWayOutLeavesTheLockFileBehind() throws Exception {
        Path home = home();
        Path lock = home.resolve(ConfigFiles.LOCK_NAME);
        Files.writeString(home.resolve("config.toml"), USER);
        assertThat(migrator(home).build().migrate(false).written()).isTrue();
        assertThat(lock).doesNotExist();
        assertThat(migrator(home).build().remove(false).written()).isTrue();
        assertThat(lock).doesNotExist();

        // refused: the file is not valid TOML
        Files.writeString(home.resolve("config.toml"), "model = \n");
        assertThat(migrator(home).build().migrate(false).errors()).singleElement().asString().contains("not valid TOML");
        assertThat(lock).doesNotExist();
        // a write that fails, and one that throws
        Files.writeString(home.resolve("config.toml"), USER);
        assertThat(migrator(home).beforeRename(temp -> {
            throw new IOException("No space left on device");
        }).build().migrate(false).hasErrors()).isTrue();
        assertThat(lock).doesNotExist();
        assertThatThrownBy(() -> migrator(home).beforeRename(temp -> {
            throw new Error("simulated crash");
        }).build().migrate(false)).hasMessage("simulated crash");
        assertThat(lock).doesNotExist();
        // a lock file an older version left behind is used, then removed
        Files.createFile(lock);
        assertThat(migrator(home).build().migrate(false).written()).isTrue();
        assertThat(lock).doesNotExist();
        // one a holder marked and then died before removing: used (not waited on forever), then removed
        Files.writeString(lock, "x");
        assertThat(assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> migrator(home).build().remove(false).written())).isTrue();
        assertThat(lock).doesNotExist();
        assertThat(Files.list(home)).extracting(p -> p.getFileName().toString()).containsExactly("config.toml");
    }

    @Test
    void removalSaysWhatItTookOut() throws Exception {
        Path home = home();
        Files.writeString(home.resolve("config.toml"), USER);
        migrator(home).build().migrate(false);
        MigrationReport dry = migrator(home).build().remove(true);
        assertThat(dry.outcome()).contains("would remove the codex-bridge managed block: MCP servers fetch; "
                + "default_permissions = \":workspace\"").doesNotContain("migrated");
        MigrationReport r = migrator(home).build().remove(false);
        assertThat(r.removed().mcpServers()).containsExactly("fetch");
        assertThat(r.outcome()).startsWith("updated ")
                .contains("removed the codex-bridge managed block: MCP servers fetch; default_permissions = \":workspace\"");
        MigrationReport again = migrator(home).build().remove(false);
        assertThat(again.outcome()).contains("nothing to remove: no codex-bridge managed block");
        assertThat(again.summary()).contains("warning: no codex-bridge managed block in ");
        assertThat(migrator(home).build().migrate(true).removed()).isNull();
    }

    @Test
    void aTempFileLeftByADeadProcessIsCleanedUpByTheNextRun() throws Exception {
        Path home = home();
        Path stale = home.resolve(ConfigFiles.TEMP_PREFIX + "12345" + ConfigFiles.TEMP_SUFFIX);
        Files.writeString(stale, "half a file");
        migrator(home).build().migrate(false);
        assertThat(stale).doesNotExist();
    }

    @Test
    void aBrokenOrNonUtf8FileIsNeverTouched() throws Exception {
        Path home = home();
        Path config = home.resolve("config.toml");
        byte[] latin1 = "model = \"caf\u00e9\"\n".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(config, latin1);
        MigrationReport r = migrator(home).build().migrate(false);
        assertThat(r.written()).isFalse();
        assertThat(r.errors()).singleElement().asString().contains("not valid UTF-8");
        assertThat(Files.readAllBytes(config)).isEqualTo(latin1);

        Files.writeString(config, "a = \n");
        assertThat(migrator(home).build().migrate(false).errors()).singleElement().asString()
                .contains("not valid TOML 1.0").contains("line 1");
        Files.writeString(config, USER + ManagedBlock.BEGIN + "\n");
        assertThat(migrator(home).build().migrate(false).errors()).singleElement().asString().contains("no end marker");
        assertThat(Files.readString(config)).isEqualTo(USER + ManagedBlock.BEGIN + "\n");
    }

    /**
     * Found by fuzzing: with assertions on (as in tests, or a host run with -ea) tomlj 2.2.0 fails
     * with an internal AssertionError on this header. The migration must refuse the file, not throw.
     */
    @Test
    void aFileThatCrashesTheTomlParserIsRefusedNotThrown() throws Exception {
        Path home = home();
        String crash = "[m#s.\"Tn\u0000]\n";
        Files.writeString(home.resolve("config.toml"), crash);
        MigrationReport r = migrator(home).build().migrate(false);
        assertThat(r.written()).isFalse();
        assertThat(r.errors()).singleElement().asString().contains("is not valid TOML 1.0");
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(crash);
    }

    @Test
    void codexHomeComesFromTheEnvironmentAsCodexDecides() {
        assertThat(ConfigMigrator.defaultCodexHome(Map.of("CODEX_HOME", "/srv/codex"))).isEqualTo(Paths.get("/srv/codex"));
        assertThat(ConfigMigrator.defaultCodexHome(Map.of("CODEX_HOME", " "))).isEqualTo(
                Paths.get(System.getProperty("user.home"), ".codex"));
        assertThat(ConfigMigrator.defaultCodexHome(Map.of())).isEqualTo(Paths.get(System.getProperty("user.home"), ".codex"));
    }

    @Test
    void permissionProfilesAreCheckedAndNormalized() throws Exception {
        assertThat(ConfigMigrator.normalizeProfile("workspace", java.util.Set.of())).isEqualTo(":workspace");
        assertThat(ConfigMigrator.normalizeProfile(":read-only", java.util.Set.of())).isEqualTo(":read-only");
        assertThat(ConfigMigrator.normalizeProfile("dev", java.util.Set.of("dev"))).isEqualTo("dev");
        assertThat(ConfigMigrator.normalizeProfile("dev", java.util.Set.of())).isNull();
        assertThat(ConfigMigrator.normalizeProfile(":workspace-write", java.util.Set.of())).isNull();

        Path home = home();
        MigrationReport r = migrator(home).defaultPermissions("nonsense").build().migrate(false);
        assertThat(r.written()).isTrue();
        assertThat(r.migratedServers()).containsExactly("fetch");
        assertThat(r.errors()).singleElement().asString().contains("nonsense");
        assertThat(Files.readString(home.resolve("config.toml"))).doesNotContain("default_permissions");
    }

    @Test
    void aWorldWritableConfigDrawsAWarning() throws Exception {
        Path home = home();
        Path config = home.resolve("config.toml");
        Files.writeString(config, USER);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(migrator(home).build().migrate(false).warnings()).anySatisfy(w -> assertThat(w).contains("writable by every user"));
    }

    @Test
    void theResultParsesAndKeepsEveryUserValue() throws Exception {
        Path home = home();
        Files.writeString(home.resolve("config.toml"), USER);
        migrator(home).build().migrate(false);
        TomlParseResult toml = Toml.parse(home.resolve("config.toml"), TomlVersion.V1_0_0);
        assertThat(toml.errors()).isEmpty();
        assertThat(toml.getString("model")).isEqualTo("gpt-5.5");
        assertThat(toml.getString("default_permissions")).isEqualTo(":workspace");
        assertThat(toml.getBoolean("features.unified_exec")).isTrue();
        assertThat(toml.contains("features.default_permissions")).isFalse();
        assertThat(toml.getString("mcp_servers.fetch.command")).isEqualTo("uvx");
    }
}
