package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlVersion;

/**
 * Generated user files × generated host configs (seeded, so a failure is reproducible): the output
 * parses at TOML 1.0, bytes outside the block are unchanged, every migrated value reads back
 * exactly, user definitions are untouched, and a second run changes nothing.
 */
class MigrationPropertyTest {
    private static final long SEED = Long.getLong("codexbridge.propertySeed", 20261121L);
    private static final int CASES = Integer.getInteger("codexbridge.propertyCases", 300);
    private static final List<String> NAMES = List.of("fs", "github", "my.server", "with space", "ünï", "a\"q", "tab\tname", "x]y", "notes");

    @TempDir
    Path tmp;

    private final java.util.EnumMap<ServerReport.Status, Integer> seen = new java.util.EnumMap<>(ServerReport.Status.class);

    @Test
    void generatedCasesKeepEveryInvariant() throws Exception {
        Random rnd = new Random(SEED);
        for (int n = 0; n < CASES; n++) {
            String user = userFile(rnd);
            ObjectNode hostServers = hostServers(rnd);
            String permissions = rnd.nextInt(3) == 0 ? null : List.of(":workspace", "read-only", ":danger-full-access").get(rnd.nextInt(3));
            checkCase(n, user, hostServers, permissions);
        }
        // The generator must keep reaching every outcome, or the invariants above check little.
        assertThat(seen.keySet()).containsExactlyInAnyOrder(ServerReport.Status.values());
        assertThat(seen.values()).allSatisfy(count -> assertThat(count).isGreaterThan(CASES / 20));
    }

    private void checkCase(int n, String user, ObjectNode hostServers, String permissions) throws Exception {
        String label = "case " + n + " (seed " + SEED + ")\n--- user file ---\n" + user + "\n--- host ---\n" + hostServers;
        Path home = Files.createDirectories(tmp.resolve("c" + n));
        Files.writeString(home.resolve("config.toml"), user);
        ObjectNode root = Json.object();
        root.set("mcpServers", hostServers);
        ConfigMigrator migrator = ConfigMigrator.builder().codexHome(home)
                .hostConfig(HostMcpConfig.fromTree(root, "generated")).defaultPermissions(permissions).build();
        MigrationReport report = migrator.migrate(false);
        String out = Files.readString(home.resolve("config.toml"));

        TomlParseResult parsed = Toml.parse(out, TomlVersion.V1_0_0);
        assertThat(parsed.errors()).as(label).isEmpty();
        String outside = ManagedBlock.strip(out).outside();
        assertThat(outside).as(label).isIn(user, user + ManagedBlock.lineEnding(user));

        TomlParseResult userToml = Toml.parse(user, TomlVersion.V1_0_0);
        for (ServerReport s : report.servers()) {
            seen.merge(s.status(), 1, Integer::sum);
            List<String> path = List.of("mcp_servers", s.name());
            switch (s.status()) {
                case MIGRATED -> {
                    var def = hostServers.get(s.name());
                    if (def.has("command")) {
                        assertThat(parsed.getString(List.of("mcp_servers", s.name(), "command"))).as(label)
                                .isEqualTo(def.get("command").asText());
                        if (def.has("args") && def.get("args").size() > 0) {
                            List<Object> args = parsed.getArray(List.of("mcp_servers", s.name(), "args")).toList();
                            List<String> expected = new ArrayList<>();
                            def.get("args").forEach(a -> expected.add(a.asText()));
                            assertThat(args).as(label).isEqualTo(new ArrayList<Object>(expected));
                        }
                        if (def.has("env")) {
                            def.get("env").fields().forEachRemaining(e -> assertThat(
                                    parsed.getTable(List.of("mcp_servers", s.name(), "env")).getString(List.of(e.getKey())))
                                    .as(label).isEqualTo(e.getValue().asText()));
                        }
                    } else {
                        assertThat(parsed.getString(List.of("mcp_servers", s.name(), "url"))).as(label)
                                .isEqualTo(def.get("url").asText());
                    }
                }
                case KEPT_USER_DEFINITION -> assertThat(parsed.getTable(path).toMap()).as(label)
                        .isEqualTo(userToml.getTable(path).toMap());
                case FAILED -> assertThat(parsed.contains(path) && !userToml.contains(path)).as(label).isFalse();
                default -> throw new AssertionError(s);
            }
        }
        if (userToml.contains("default_permissions")) {
            assertThat(parsed.getString("default_permissions")).as(label).isEqualTo(userToml.getString("default_permissions"));
        } else if (permissions != null) {
            assertThat(parsed.getString("default_permissions")).as(label).isEqualTo(permissions.startsWith(":") ? permissions : ":" + permissions);
        }
        assertThat(migrator.migrate(false).changed()).as("second run changes nothing: " + label).isFalse();
    }

    private static String userFile(Random rnd) {
        StringBuilder root = new StringBuilder();
        List<String> rootPieces = List.of(
                "model = \"gpt-5.5\"\n",
                "# a comment with [brackets]\n",
                "\n",
                "approval_policy = \"on-request\"\n",
                "notify = [\n  \"notify-send\",\n  \"[codex]\",\n]\n",
                "developer_instructions = \"\"\"\n[not a table]\nline\n\"\"\"\n",
                "literal = '''\n[nor this]\n'''\n",
                "inline = { a = [1, [2]], b = \"[x]\" }\n",
                "default_permissions = \":read-only\"\n",
                "emoji = \"🚀 ünïcode\"\n");
        int rootCount = rnd.nextInt(5);
        List<String> used = new ArrayList<>();
        for (int i = 0; i < rootCount; i++) {
            String piece = rootPieces.get(rnd.nextInt(rootPieces.size()));
            String key = piece.contains("=") ? piece.substring(0, piece.indexOf('=')).strip() : null;
            if (key != null && used.contains(key)) {
                continue;
            }
            if (key != null) {
                used.add(key);
            }
            root.append(piece);
        }
        List<String> tablePieces = new ArrayList<>(List.of(
                "[features]\nunified_exec = true\n",
                "# about tui\n[tui]\nnotifications = true\n",
                "[mcp_servers.notes]\ncommand = \"notes-mcp\"\n",
                "[mcp_servers.\"my.server\"]\nurl = \"https://user.example/mcp\"\n",
                "[plugins.\"p@m\"]\nenabled = true\n",
                "[[profiles_list]]\nname = \"a\"\n",
                "[model_providers.x]\nname = \"X\"\nbase_url = \"http://127.0.0.1:1/v1\"\n"));
        java.util.Collections.shuffle(tablePieces, rnd);
        StringBuilder text = new StringBuilder(root);
        int tables = rnd.nextInt(4);
        for (int i = 0; i < tables; i++) {
            text.append(rnd.nextBoolean() ? "\n" : "").append(tablePieces.get(i));
        }
        String s = text.toString();
        if (rnd.nextInt(4) == 0) {
            s = s.replace("\n", "\r\n");
        }
        if (rnd.nextInt(4) == 0 && s.endsWith("\n")) {
            s = s.substring(0, s.length() - (s.endsWith("\r\n") ? 2 : 1));
        }
        return s;
    }

    private static ObjectNode hostServers(Random rnd) {
        ObjectNode servers = Json.object();
        int count = rnd.nextInt(5);
        for (int i = 0; i < count; i++) {
            String name = NAMES.get(rnd.nextInt(NAMES.size()));
            ObjectNode def = servers.putObject(name);
            switch (rnd.nextInt(6)) {
                case 0 -> def.put("url", "https://" + word(rnd) + ".example/mcp");
                case 1 -> {
                    def.put("command", "x");
                    def.put("url", "https://both");
                }
                case 2 -> def.put("description", "no transport");
                default -> {
                    def.put("command", weird(rnd));
                    ArrayNode args = def.putArray("args");
                    for (int a = rnd.nextInt(3); a > 0; a--) {
                        args.add(weird(rnd));
                    }
                    if (rnd.nextBoolean()) {
                        def.putObject("env").put("K_" + word(rnd), weird(rnd));
                    }
                }
            }
        }
        return servers;
    }

    private static String word(Random rnd) {
        return Long.toString(Math.abs(rnd.nextLong()), 36).substring(0, 4);
    }

    /** Strings with everything TOML makes you escape, minus variable syntax (tested elsewhere). */
    private static String weird(Random rnd) {
        String[] parts = {"plain", "q\"uote", "back\\slash", "new\nline", "tab\t", "cr\r", "bell\u0007", "del\u007f",
                "é", "名前", "🚀", "[br]", "#hash", "'single'", "nul\u0000"};
        StringBuilder sb = new StringBuilder();
        for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            sb.append(parts[rnd.nextInt(parts.length)]);
        }
        return sb.toString();
    }
}
