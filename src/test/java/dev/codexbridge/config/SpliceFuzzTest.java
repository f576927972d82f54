package dev.codexbridge.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.codexbridge.json.Json;
import java.util.List;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlVersion;

/**
 * The whole migrator — TOML writer, the user's own definitions, the block splice, the atomic
 * write — on arbitrary user files and arbitrary server names and values: whenever the user file
 * is valid TOML 1.0 the result is too, the values read back as given, a user's own definition
 * wins, and the bytes outside the block are unchanged. Findings are kept as regression inputs in
 * {@code src/test/resources/dev/codexbridge/config/SpliceFuzzTestInputs/splice/}.
 */
class SpliceFuzzTest {
    private static final Path HOME = home();

    private static Path home() {
        try {
            return Files.createTempDirectory("codex-bridge-fuzz-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void splice(FuzzedDataProvider data) throws IOException {
        String name = data.consumeString(30);
        String command = data.consumeString(60);
        String envValue = data.consumeString(60);
        boolean permissions = data.consumeBoolean();
        String user = data.consumeRemainingAsString();
        TomlParseResult userToml;
        try {
            userToml = Toml.parse(user, TomlVersion.V1_0_0);
        } catch (AssertionError tomljInternal) {
            // the migrator must report such a file as unparsable and leave it alone
            Files.writeString(HOME.resolve("config.toml"), user);
            MigrationReport r = ConfigMigrator.builder().codexHome(HOME).build().migrate(false);
            if (r.written() || r.errors().isEmpty() || !Files.readString(HOME.resolve("config.toml")).equals(user)) {
                throw new AssertionError("an unparsable file was not refused cleanly: " + r);
            }
            return;
        }
        if (userToml.hasErrors() || user.contains(ManagedBlock.BEGIN) || user.contains(ManagedBlock.END)) {
            return;
        }
        Files.writeString(HOME.resolve("config.toml"), user);
        com.fasterxml.jackson.databind.node.ObjectNode servers = dev.codexbridge.json.Json.object();
        com.fasterxml.jackson.databind.node.ObjectNode server = servers.putObject(name);
        server.put("command", command);
        server.putObject("env").put("V", envValue);
        com.fasterxml.jackson.databind.node.ObjectNode root = dev.codexbridge.json.Json.object();
        root.set("mcpServers", servers);
        MigrationReport report = ConfigMigrator.builder().codexHome(HOME).hostConfig(HostMcpConfig.fromTree(root, "fuzz"))
                .defaultPermissions(permissions ? ":workspace" : null).build().migrate(false);
        String out = Files.readString(HOME.resolve("config.toml"));
        TomlParseResult parsed = Toml.parse(out, TomlVersion.V1_0_0);
        if (parsed.hasErrors()) {
            throw new AssertionError("output does not parse: " + parsed.errors() + "\n" + out);
        }
        String outside = ManagedBlock.strip(out).outside();
        if (!outside.equals(user) && !outside.equals(user + ManagedBlock.lineEnding(user))) {
            throw new AssertionError("bytes outside the block changed");
        }
        List<String> path = List.of("mcp_servers", name);
        ServerReport s = report.servers().get(0);
        switch (s.status()) {
            case MIGRATED -> {
                if (!command.equals(parsed.getString(List.of("mcp_servers", name, "command"))) || !envTranslated(s, parsed, name, envValue)) {
                    throw new AssertionError("values did not round-trip: command " + Json.write(Json.nodes().textNode(command))
                            + ", env " + Json.write(Json.nodes().textNode(envValue)) + "\n" + out);
                }
            }
            case KEPT_USER_DEFINITION -> {
                if (!userToml.contains(path)) {
                    throw new AssertionError("kept a user definition that does not exist");
                }
            }
            case FAILED -> {
                if (!name.isEmpty() && !command.isEmpty() && !s.error().contains("surrogate")) {
                    throw new AssertionError("unexpected failure: " + s.error());
                }
            }
            default -> throw new AssertionError(s);
        }
        if (permissions && !userToml.contains("default_permissions") && !":workspace".equals(parsed.getString("default_permissions"))) {
            throw new AssertionError("default_permissions is not a root key");
        }
    }

    /**
     * The env value is written as given, unless it uses a variable reference: then it is either
     * passed through by name ({@code env_vars}) or skipped and named in the report, never written.
     */
    private static boolean envTranslated(ServerReport s, TomlParseResult parsed, String name, String envValue) {
        String written = parsed.getString(List.of("mcp_servers", name, "env", "V"));
        if (envValue.equals(written)) {
            return true;
        }
        boolean skipped = s.skippedKeys().stream().anyMatch(k -> k.startsWith("env.V "));
        org.tomlj.TomlArray passed = parsed.getArray(List.of("mcp_servers", name, "env_vars"));
        boolean passedThrough = passed != null && passed.toList().contains("V");
        return written == null && envValue.contains("$") && (skipped || passedThrough);
    }
}
