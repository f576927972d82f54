package dev.codexbridge.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The codex JSON Schema as the generator reads it: every definition by name (the bundle's
 * top-level and {@code v2} definitions share one namespace), the stable surface beside the
 * experimental one, and the four method unions.
 *
 * <p>Definitions and {@code $ref}s are named by the Java type they become ({@link Names#type}:
 * {@code Thread} is {@code CodexThread} here), so the rest of the generator never sees a schema
 * name that differs from its Java name.
 */
final class SchemaModel {
    /** One method of a {@code ClientRequest}/{@code ServerRequest}/… union. */
    record MethodSpec(String method, String paramsType, boolean paramsOptional, String description,
                      boolean experimental) {
    }

    private final Map<String, JsonNode> definitions;
    private final Map<String, JsonNode> stableDefinitions;
    final List<MethodSpec> clientRequests;
    final List<MethodSpec> serverRequests;
    final List<MethodSpec> serverNotifications;
    final List<MethodSpec> clientNotifications;

    private SchemaModel(JsonNode experimental, JsonNode stable) {
        this.definitions = flatten(experimental);
        this.stableDefinitions = flatten(stable);
        this.clientRequests = methods("ClientRequest");
        this.serverRequests = methods("ServerRequest");
        this.serverNotifications = methods("ServerNotification");
        this.clientNotifications = methods("ClientNotification");
    }

    /** Reads {@code DIR/codex_app_server_protocol.schemas.json} and {@code DIR/experimental/…}. */
    static SchemaModel load(Path schemaDir) {
        String bundle = "codex_app_server_protocol.schemas.json";
        return new SchemaModel(read(schemaDir.resolve("experimental").resolve(bundle)), read(schemaDir.resolve(bundle)));
    }

    private static JsonNode read(Path file) {
        try {
            return new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema " + file, e);
        }
    }

    private static Map<String, JsonNode> flatten(JsonNode bundle) {
        Map<String, JsonNode> out = new TreeMap<>();
        JsonNode defs = bundle.path("definitions");
        for (Iterator<Map.Entry<String, JsonNode>> it = defs.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("v2")) {
                out.put(javaName(defs, e.getKey()), e.getValue());
            }
        }
        // v2 wins: the top-level RequestId differs from v2's only by its title and $schema
        defs.path("v2").properties().forEach(e -> out.put(javaName(defs, e.getKey()), e.getValue()));
        return out;
    }

    /** {@link Names#type} of a definition; fails when the new name is taken by another definition. */
    private static String javaName(JsonNode defs, String definition) {
        String name = Names.type(definition);
        if (!name.equals(definition) && (defs.has(name) || defs.path("v2").has(name))) {
            throw new IllegalStateException("definition " + definition + " would be renamed " + name
                    + ", the name of another definition: extend the rule in Names.type");
        }
        return name;
    }

    Map<String, JsonNode> definitions() {
        return definitions;
    }

    JsonNode definition(String name) {
        JsonNode node = definitions.get(name);
        if (node == null) {
            throw new IllegalStateException("schema has no definition " + name);
        }
        return node;
    }

    boolean hasDefinition(String name) {
        return definitions.containsKey(name);
    }

    /** The stable surface's schema of a definition, or null when the type is experimental-only. */
    JsonNode stable(String name) {
        return stableDefinitions.get(name);
    }

    static boolean isRef(JsonNode schema) {
        return schema.has("$ref");
    }

    /** The Java name of the definition a {@code $ref} points at. */
    static String refName(JsonNode schema) {
        String ref = schema.get("$ref").asText();
        return Names.type(ref.substring(ref.lastIndexOf('/') + 1));
    }

    /** Follows {@code $ref} chains to the schema that has content. */
    JsonNode resolve(JsonNode schema) {
        JsonNode s = schema;
        for (int guard = 0; isRef(s); guard++) {
            if (guard > 50) {
                throw new IllegalStateException("$ref cycle at " + schema);
            }
            s = definition(refName(s));
        }
        return s;
    }

    private List<MethodSpec> methods(String unionName) {
        JsonNode union = definition(unionName);
        JsonNode stableUnion = stableDefinitions.get(unionName);
        List<String> stableMethods = new ArrayList<>();
        if (stableUnion != null) {
            stableUnion.path("oneOf").forEach(b -> stableMethods.add(methodOf(b)));
        }
        List<MethodSpec> out = new ArrayList<>();
        for (JsonNode branch : union.path("oneOf")) {
            String method = methodOf(branch);
            JsonNode params = branch.path("properties").path("params");
            String paramsType = null;
            boolean optional = false;
            if (isRef(params)) {
                paramsType = refName(params);
            } else if (params.has("anyOf")) {
                for (JsonNode alt : params.get("anyOf")) {
                    if (isRef(alt)) {
                        paramsType = refName(alt);
                    }
                }
                optional = true;
            } else if (!params.isMissingNode() && !"null".equals(params.path("type").asText())) {
                throw new IllegalStateException(unionName + " " + method + ": unsupported params schema " + params);
            }
            out.add(new MethodSpec(method, paramsType, optional, text(branch, "description"),
                    !stableMethods.contains(method)));
        }
        out.sort((a, b) -> a.method().compareTo(b.method()));
        return out;
    }

    private static String methodOf(JsonNode branch) {
        return branch.path("properties").path("method").path("enum").path(0).asText();
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || !v.isTextual() ? null : v.asText();
    }
}
