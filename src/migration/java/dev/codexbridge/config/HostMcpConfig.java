package dev.codexbridge.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A host's MCP server definitions, read from the formats hosts actually use:
 * <ul>
 *   <li>{@link Format#MCP_SERVERS} — {@code {"mcpServers": {...}}}, the file most MCP clients
 *       keep their servers in;</li>
 *   <li>{@link Format#VSCODE} — VS Code's {@code mcp.json} ({@code {"servers": {...}}}, each with
 *       a {@code type}), or the {@code "mcp": {"servers": ...}} section of its settings;</li>
 *   <li>{@link Format#MCP_SERVERS_MAP} — a {@code mcp_servers:} map in a host's YAML config
 *       (other top-level keys of that file are ignored).</li>
 * </ul>
 */
public record HostMcpConfig(Format format, List<Server> servers) {

    public enum Format {
        MCP_SERVERS("mcpServers"),
        VSCODE("servers"),
        MCP_SERVERS_MAP("mcp_servers");

        private final String key;

        Format(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /** One server as the host wrote it. */
    public record Server(String name, JsonNode definition) {
    }

    public HostMcpConfig {
        servers = List.copyOf(servers);
    }

    /** Reads a file; YAML for {@code .yaml}/{@code .yml}, JSON (with comments allowed) otherwise. */
    public static HostMcpConfig read(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigMigrationException("cannot read " + file + ": " + e.getMessage(), e);
        }
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        return parse(text, yaml, file.toString());
    }

    /**
     * Parses text; {@code source} names it in error messages. A syntax error says where and what
     * kind, never a piece of the text (it may be a secret), and carries no parser exception whose
     * message would.
     */
    public static HostMcpConfig parse(String text, boolean yaml, String source) {
        JsonNode root;
        try {
            root = yaml ? YAML.readTree(text) : JSON_LENIENT.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigMigrationException(source + " is not valid " + (yaml ? "YAML" : "JSON") + ": "
                    + (yaml ? ParseErrors.yaml(e) : ParseErrors.json(e)));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigMigrationException(source + ": expected an object at the top level");
        }
        return fromTree(root, source);
    }

    /** Detects the format by its top-level key. */
    public static HostMcpConfig fromTree(JsonNode root, String source) {
        JsonNode vscodeSettings = root.path("mcp").path("servers");
        for (Format f : Format.values()) {
            JsonNode section = root.get(f.key());
            if (section != null) {
                return new HostMcpConfig(f, servers(section, f, source));
            }
        }
        if (vscodeSettings.isObject()) {
            return new HostMcpConfig(Format.VSCODE, servers(vscodeSettings, Format.VSCODE, source));
        }
        throw new ConfigMigrationException(source + ": no MCP servers found (expected a top-level "
                + "\"mcpServers\", \"servers\" or \"mcp_servers\" object)");
    }

    private static List<Server> servers(JsonNode section, Format f, String source) {
        if (section.isNull()) {
            return List.of();
        }
        if (!section.isObject()) {
            throw new ConfigMigrationException(source + ": \"" + f.key() + "\" must be an object of servers, not "
                    + section.getNodeType().toString().toLowerCase(Locale.ROOT));
        }
        List<Server> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(new Server(e.getKey(), e.getValue()));
        }
        return out;
    }

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON_LENIENT = Json.mapper().copy()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_COMMENTS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_TRAILING_COMMA);
}
