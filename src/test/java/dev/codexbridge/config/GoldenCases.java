package dev.codexbridge.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The golden cases in {@code config-migration/}: one folder a case with the host's MCP config
 * ({@code host.json}, {@code host.vscode.json} or {@code host.yaml}), optional {@code options.json},
 * optional existing {@code config.toml}, and the expected {@code expected.config.toml} and
 * {@code expected-report.json}.
 */
final class GoldenCases {
    static final Path ROOT = Paths.get(System.getProperty("codexbridge.goldenDir", "config-migration"));

    private GoldenCases() {
    }

    record Case(Path dir) {
        String name() {
            return dir.getFileName().toString();
        }

        Path existing() {
            return dir.resolve("config.toml");
        }

        Path expectedConfig() {
            return dir.resolve("expected.config.toml");
        }

        Path expectedReport() {
            return dir.resolve("expected-report.json");
        }

        JsonNode options() {
            Path p = dir.resolve("options.json");
            return Files.exists(p) ? Json.parse(read(p)) : Json.object();
        }

        /** Runs the migration in a fresh CODEX_HOME seeded with the case's config.toml. */
        MigrationReport run(Path codexHome, boolean dryRun) throws IOException {
            Files.createDirectories(codexHome);
            if (Files.exists(existing()) && !Files.exists(codexHome.resolve("config.toml"))) {
                Path copy = Files.copy(existing(), codexHome.resolve("config.toml"));
                if (Files.getFileAttributeView(copy, PosixFileAttributeView.class) != null) {
                    // a user's file as most umasks leave it, whatever the test machine's umask: the
                    // report says when literal secrets make it owner-only
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
            return migrator(codexHome).migrate(dryRun);
        }

        ConfigMigrator migrator(Path codexHome) {
            JsonNode options = options();
            ConfigMigrator.Builder b = ConfigMigrator.builder().codexHome(codexHome);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path host : files.filter(p -> p.getFileName().toString().startsWith("host.")).sorted().toList()) {
                    b.hostConfig(HostMcpConfig.read(host));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (options.has("defaultPermissions")) {
                b.defaultPermissions(options.get("defaultPermissions").asText());
            }
            if (options.has("plugins")) {
                List<Plugin> plugins = new ArrayList<>();
                for (JsonNode p : options.get("plugins")) {
                    plugins.add(new Plugin(p.get("name").asText(), p.get("marketplace").asText(), p.path("enabled").asBoolean(true)));
                }
                b.plugins(PluginCatalog.fixed(plugins));
            } else if (options.has("pluginError")) {
                String error = options.get("pluginError").asText();
                b.plugins(home -> PluginCatalog.Discovery.failed(error));
            }
            return b.build();
        }
    }

    static List<Case> all() {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            return dirs.filter(Files::isDirectory).sorted().map(Case::new).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The report as compared with the golden file: no absolute path, no diff (tested apart). */
    static JsonNode comparable(MigrationReport report) {
        ObjectNode node = (ObjectNode) Json.parse(report.toJson());
        node.put("target", "$CODEX_HOME/config.toml");
        node.remove("diff");
        return node;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
