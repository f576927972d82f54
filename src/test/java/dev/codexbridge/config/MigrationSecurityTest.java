package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migrator as an attacker would try it (issue 26, findings 1, 4, 7 and 8): a lock file or
 * {@code config.toml} that is a link, a {@code CODEX_HOME} others can write, literal secrets in
 * the report and in a file others can read, and secrets quoted back by parser errors.
 */
class MigrationSecurityTest {
    private static final String USER = "model = \"gpt-5.5\"\n\n[features]\nunified_exec = true\n";
    private static final String GITHUB_TOKEN = "ghp_FAKEgithubTOKEN000000000000000000000";
    private static final String BEARER = "sk-FAKEbearerSECRET0000000000";
    private static final String API_KEY = "FAKEapiKEYvalue-9f8e7d6c";
    private static final String ARG_TOKEN = "FAKEargTOKEN-5a4b3c2d";
    private static final List<String> SECRETS = List.of(GITHUB_TOKEN, BEARER, API_KEY, ARG_TOKEN);

    @TempDir
    Path tmp;

    private Path home() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        return home;
    }

    private static HostMcpConfig host(String json) {
        return HostMcpConfig.parse(json, false, "test");
    }

    private static ConfigMigrator.Builder plain(Path home) {
        return ConfigMigrator.builder().codexHome(home)
                .hostConfig(host("{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\",\"args\":[\"mcp-server-fetch\"]}}}"));
    }

    /** Literal secrets where hosts put them: an env value, Authorization and X-Api-Key headers, a flag's argument. */
    private static ConfigMigrator.Builder withSecrets(Path home, String githubToken) {
        return ConfigMigrator.builder().codexHome(home).hostConfig(host("{\"mcpServers\":{"
                + "\"github\":{\"command\":\"npx\",\"args\":[\"-y\",\"server-github\",\"--api-key\",\"" + ARG_TOKEN + "\"],"
                + "\"env\":{\"GITHUB_TOKEN\":\"" + githubToken + "\",\"LOG_LEVEL\":\"debug\",\"HOME_DIR\":\"${env:HOME_DIR}\"}},"
                + "\"api\":{\"url\":\"https://mcp.example.com/mcp\",\"headers\":{\"Authorization\":\"Bearer " + BEARER + "\","
                + "\"X-Api-Key\":\"" + API_KEY + "\",\"X-Token-From\":\"${env:API_TOKEN}\"}}}}"));
    }

    private static void assertNoSecret(String rendering) {
        for (String secret : SECRETS) {
            assertThat(rendering).doesNotContain(secret);
        }
        assertThat(rendering).doesNotContain("ghp_").doesNotContain(GITHUB_TOKEN.substring(4, 20));
    }

    // --- finding 1: links and folders others can write ---

    @Test
    void aSymlinkedLockFileIsRefusedAndItsTargetNeverWritten() throws Exception {
        Path home = home();
        Files.writeString(home.resolve("config.toml"), USER);
        Path victim = Files.writeString(tmp.resolve("victim.txt"), "precious\n");
        Path lock = home.resolve(ConfigFiles.LOCK_NAME);
        Files.createSymbolicLink(lock, Paths.get("../victim.txt"));

        MigrationReport r = plain(home).build().migrate(false);

        assertThat(r.written()).isFalse();
        assertThat(r.errors()).singleElement().asString().contains("lock file").contains("symbolic link")
                .contains("nothing was changed");
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(USER);
        assertThat(Files.isSymbolicLink(lock)).as("refused, not removed: the user should see it").isTrue();
        assertThat(plain(home).build().remove(false).errors()).singleElement().asString().contains("symbolic link");
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
    }

    @Test
    void aLockPathThatIsADirectoryOrALinkToNothingIsRefusedToo() throws Exception {
        Path home = home();
        Path lock = home.resolve(ConfigFiles.LOCK_NAME);
        Files.createSymbolicLink(lock, Paths.get("../would-be-created.txt"));
        assertThat(plain(home).build().migrate(false).errors()).singleElement().asString().contains("symbolic link");
        assertThat(tmp.resolve("would-be-created.txt")).doesNotExist();
        assertThat(home.resolve("config.toml")).doesNotExist();

        Files.delete(lock);
        Files.createDirectory(lock);
        assertThat(plain(home).build().migrate(false).errors()).singleElement().asString().contains("not a regular file");
        assertThat(home.resolve("config.toml")).doesNotExist();
    }

    @Test
    void aCodexHomeItsGroupOrEveryoneCanWriteIsRefusedBeforeTheLockIsTaken() throws Exception {
        for (String mode : List.of("rwxrwxr-x", "rwxr-xrwx", "rwxrwxrwx")) {
            Path home = home();
            Files.writeString(home.resolve("config.toml"), USER);
            // a lock file left behind: a run that took the lock would use it and remove it
            Path lock = Files.createFile(home.resolve(ConfigFiles.LOCK_NAME));
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString(mode));

            for (boolean dryRun : List.of(true, false)) {
                MigrationReport r = plain(home).build().migrate(dryRun);
                assertThat(r.written()).isFalse();
                assertThat(r.errors()).as(mode).singleElement().asString().contains("refusing to write config.toml")
                        .contains(home.toString()).contains(mode.charAt(7) == 'w' ? "every user" : "its group")
                        .contains("chmod go-w").contains("nothing was changed");
            }
            assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(USER);
            assertThat(lock).as("the lock was never taken").exists();
            assertThat(plain(home).build().remove(false).hasErrors()).isTrue();

            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
            Files.delete(lock);
            Files.delete(home.resolve("config.toml"));
        }
    }

    @Test
    void theFolderAConfigLinkPointsIntoMustNotBeWritableByOthersEither() throws Exception {
        Path home = home();
        Path dotfiles = Files.createDirectories(tmp.resolve("dotfiles"));
        Path real = Files.writeString(dotfiles.resolve("codex.toml"), USER);
        Files.createSymbolicLink(home.resolve("config.toml"), Paths.get("../dotfiles/codex.toml"));
        Files.setPosixFilePermissions(dotfiles, PosixFilePermissions.fromString("rwxrwxr-x"));

        MigrationReport r = plain(home).build().migrate(false);
        assertThat(r.errors()).singleElement().asString().contains("refusing to write codex.toml").contains(dotfiles.toString());
        assertThat(Files.readString(real)).isEqualTo(USER);
        assertThat(dotfiles.resolve(ConfigFiles.LOCK_NAME)).doesNotExist();

        Files.setPosixFilePermissions(dotfiles, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(plain(home).build().migrate(false).written()).isTrue();
    }

    @Test
    void aDanglingConfigLinkIsRefusedAndCreatesNothing() throws Exception {
        Path home = home();
        Files.createDirectories(tmp.resolve("dotfiles"));
        Files.createSymbolicLink(home.resolve("config.toml"), Paths.get("../dotfiles/missing.toml"));
        for (boolean dryRun : List.of(true, false)) {
            MigrationReport r = plain(home).build().migrate(dryRun);
            assertThat(r.written()).isFalse();
            assertThat(r.errors()).singleElement().asString().contains("is a symbolic link to")
                    .contains("missing.toml").contains("does not exist").contains("nothing was changed");
        }
        assertThat(tmp.resolve("dotfiles/missing.toml")).doesNotExist();
        assertThat(Files.isSymbolicLink(home.resolve("config.toml"))).isTrue();
    }

    @Test
    void aMissingCodexHomeIsCreatedOwnerOnly() throws Exception {
        Path home = tmp.resolve("new").resolve("codex-home");
        assertThat(plain(home).build().migrate(false).written()).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
        assertThat(plain(home).build().migrate(false).errors()).as("the next run is not refused").isEmpty();
    }

    // --- finding 4: secrets in every rendering of the report ---

    @Test
    void theReportNeverShowsALiteralSecretButTheFileGetsIt() throws Exception {
        Path home = home();
        Files.writeString(home.resolve("config.toml"), USER);

        MigrationReport dry = withSecrets(home, GITHUB_TOKEN).build().migrate(true);
        assertThat(dry.diff()).contains("+env = { GITHUB_TOKEN = \"***\", LOG_LEVEL = \"***\" }")
                .contains("+env_vars = [\"HOME_DIR\"]")
                .contains("+http_headers = { Authorization = \"***\", X-Api-Key = \"***\" }")
                .contains("+env_http_headers = { X-Token-From = \"API_TOKEN\" }")
                .contains("+args = [\"-y\", \"server-github\", \"--api-key\", \"***\"]")
                .contains("+[mcp_servers.github]").contains(" [features]");
        for (String rendering : List.of(dry.diff(), dry.toJson(), dry.toString(), dry.summary(), dry.outcome())) {
            assertNoSecret(rendering);
        }

        MigrationReport written = withSecrets(home, GITHUB_TOKEN).build().migrate(false);
        assertThat(written.written()).isTrue();
        assertNoSecret(written.toJson());
        assertNoSecret(written.toString());
        String file = Files.readString(home.resolve("config.toml"));
        assertThat(file).contains("GITHUB_TOKEN = \"" + GITHUB_TOKEN + "\"").contains("Bearer " + BEARER)
                .contains("X-Api-Key = \"" + API_KEY + "\"").contains("\"" + ARG_TOKEN + "\"");

        // a changed secret shows as a changed line, masked on both sides
        String rotated = "ghp_FAKErotatedTOKEN11111111111111111111";
        MigrationReport rotation = withSecrets(home, rotated).build().migrate(true);
        assertThat(rotation.changed()).isTrue();
        assertThat(rotation.diff()).contains("-env = { GITHUB_TOKEN = \"***\", LOG_LEVEL = \"***\" }")
                .contains("+env = { GITHUB_TOKEN = \"***\", LOG_LEVEL = \"***\" }").doesNotContain(rotated);
        assertNoSecret(rotation.diff());

        // taking the block out shows the old block's lines masked
        MigrationReport removal = ConfigMigrator.builder().codexHome(home).build().remove(true);
        assertThat(removal.diff()).contains("-env = { GITHUB_TOKEN = \"***\"");
        assertNoSecret(removal.diff());
        assertNoSecret(removal.toJson());
    }

    @Test
    void userContentAroundTheBlockIsMaskedInTheDiffToo() throws Exception {
        Path home = home();
        String user = "openai_api_key = \"" + BEARER + "\"\n# token = \"" + GITHUB_TOKEN + "\"\n\n[mcp_servers.mine]\n"
                + "command = \"x\"\n\n[mcp_servers.mine.env]\nSECRET = \"" + API_KEY + "\"\n";
        Files.writeString(home.resolve("config.toml"), user);
        MigrationReport r = plain(home).build().migrate(true);
        assertThat(r.diff()).contains(" openai_api_key = \"***\"").contains(" # token = \"***\"");
        assertNoSecret(r.diff());
        assertThat(plain(home).build().migrate(false).written()).isTrue();
        assertThat(Files.readString(home.resolve("config.toml"))).endsWith(user.substring(user.indexOf("\n[mcp_servers.mine]")));
    }

    // --- finding 7: literal secrets in a file others can read ---

    @Test
    void aFileOthersCanReadIsMadeOwnerOnlyWhenItGetsLiteralSecrets() throws Exception {
        Path home = home();
        Path config = home.resolve("config.toml");
        Files.writeString(config, USER);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));

        MigrationReport dry = withSecrets(home, GITHUB_TOKEN).build().migrate(true);
        assertThat(dry.warnings()).anySatisfy(w -> assertThat(w).contains("holds literal secrets of the MCP servers api, github (env values, HTTP headers or token-like arguments)")
                .contains("rw-r--r--").contains("it would be made owner-only (rw-------)"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-r--r--");

        MigrationReport r = withSecrets(home, GITHUB_TOKEN).build().migrate(false);
        assertThat(r.written()).isTrue();
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("it was made owner-only (rw-------)"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");

        // the same block in a file loosened again: nothing to rewrite, the mode is still narrowed
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-rw----"));
        MigrationReport again = withSecrets(home, GITHUB_TOKEN).build().migrate(false);
        assertThat(again.changed()).isFalse();
        assertThat(again.warnings()).anySatisfy(w -> assertThat(w).contains("it was made owner-only"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");

        // no literal secret (env passed by name only): the file keeps its mode and no warning
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        MigrationReport byName = ConfigMigrator.builder().codexHome(home).hostConfig(host(
                "{\"mcpServers\":{\"github\":{\"command\":\"npx\",\"env\":{\"GITHUB_TOKEN\":\"${env:GITHUB_TOKEN}\"}}}}")).build().migrate(false);
        assertThat(byName.written()).isTrue();
        assertThat(byName.warnings()).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-r--r--");
    }

    // --- finding 8: parser errors say where and what, never what the input held ---

    @Test
    void malformedHostConfigsAreDescribedWithoutTheirContent() {
        String secret = "ghp_FAKEparserLEAK0000000000000000000";
        assertThatThrownBy(() -> HostMcpConfig.parse("{\"mcpServers\": {\"gh\": {\"env\": {\"T\": " + secret + "}}}}", false, "bad.json"))
                .isInstanceOf(ConfigMigrationException.class).hasNoCause()
                .hasMessage("bad.json is not valid JSON: line 1, column 37: unrecognized token (a value must be a quoted string, "
                        + "a number, an object, an array, true, false or null)");
        assertThatThrownBy(() -> HostMcpConfig.parse("{\"mcpServers\": {\"T\": \"" + secret + "\\q\"}}", false, "bad.json"))
                .hasMessageContaining("line 1, column").hasMessageContaining("invalid escape sequence").hasMessageNotContaining("ghp_");
        assertThatThrownBy(() -> HostMcpConfig.parse("mcp_servers:\n  gh:\n    env:\n      T: ok\n" + secret + "\n", true, "hermes.yaml"))
                .isInstanceOf(ConfigMigrationException.class).hasNoCause()
                .hasMessage("hermes.yaml is not valid YAML: line 6, column 1: a key without its ':'");
        assertThatThrownBy(() -> HostMcpConfig.parse("mcp_servers: [" + secret + "\n", true, "hermes.yaml"))
                .hasMessage("hermes.yaml is not valid YAML: line 2, column 1: a '[' list without its ']'");
        assertThatThrownBy(() -> HostMcpConfig.parse("mcp_servers:\n\t" + secret + ": 1\n", true, "hermes.yaml"))
                .hasMessageContaining("line 2, column 1: a tab where YAML allows none").hasMessageNotContaining("FAKE");
        assertThatThrownBy(() -> HostMcpConfig.parse("mcp_servers: \"" + secret + "\\q\"\n", true, "hermes.yaml"))
                .hasMessageContaining("invalid escape sequence").hasMessageNotContaining("FAKE").hasMessageNotContaining("\\q");
    }

    @Test
    void aMalformedConfigTomlIsDescribedWithoutItsContent() throws Exception {
        Path home = home();
        String secret = "ghp_FAKEtomlLEAK00000000000000000000";
        for (String broken : List.of("token = " + secret + "\n", "token = \"abc\" " + secret + "\n",
                "token = \"" + secret + "\\q\"\n", secret + " = 1\n" + secret + " = 2\n", "[" + secret + "\n")) {
            Files.writeString(home.resolve("config.toml"), broken);
            MigrationReport r = plain(home).build().migrate(false);
            assertThat(r.errors()).as(broken).singleElement().asString().contains("is not valid TOML 1.0 (line ")
                    .doesNotContain("FAKE").doesNotContain("ghp");
            assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(broken);
        }
    }
}
