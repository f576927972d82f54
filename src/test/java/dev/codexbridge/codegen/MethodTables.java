package dev.codexbridge.codegen;

import dev.codexbridge.codegen.SchemaModel.MethodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The method tables ({@code ClientRequests}, {@code ServerRequests}, {@code ServerNotifications},
 * {@code ClientNotifications}), the sealed {@code ServerNotification}/{@code ServerRequestParams}
 * roots, and the typed {@code CodexApi} and {@code CodexAsyncApi}.
 */
final class MethodTables {
    /**
     * Client requests whose response type does not follow {@code XxxParams -> XxxResponse}
     * (no params, or an odd name). The generator fails on any other method it cannot resolve.
     */
    static final Map<String, String> RESPONSE_EXCEPTIONS = new TreeMap<>(Map.ofEntries(
            Map.entry("account/gatewayOAuth/cancel", "GatewayOAuthCancelResponse"),
            Map.entry("account/logout", "LogoutAccountResponse"),
            Map.entry("account/securitySetup/read", "GetAccountSecuritySetupResponse"),
            Map.entry("account/workspaceMessages/read", "GetWorkspaceMessagesResponse"),
            Map.entry("accountSession/list", "AccountSessionsResponse"),
            Map.entry("config/batchWrite", "ConfigWriteResponse"),
            Map.entry("config/mcpServer/reload", "McpServerRefreshResponse"),
            Map.entry("config/value/write", "ConfigWriteResponse"),
            Map.entry("configRequirements/read", "ConfigRequirementsReadResponse"),
            Map.entry("externalAgentConfig/import/readHistories", "ExternalAgentConfigImportHistoriesReadResponse"),
            Map.entry("memory/reset", "MemoryResetResponse"),
            // 0.171.0 answers {status, version, filePath, overriddenMetadata}: a config write (asked of the binary)
            Map.entry("modelProvider/default/set", "ConfigWriteResponse"),
            Map.entry("remoteControl/status/read", "RemoteControlStatusReadResponse"),
            Map.entry("rollout/compress", "RolloutCompressResponse"),
            Map.entry("windowsSandbox/readiness", "WindowsSandboxReadinessResponse")));

    private final SchemaModel schema;
    private final TypeMapper types;
    private final JavaEmitter emitter;

    MethodTables(SchemaModel schema, TypeMapper types, JavaEmitter emitter) {
        this.schema = schema;
        this.types = types;
        this.emitter = emitter;
    }

    /** The response type of a request; throws when neither the table nor the convention names one. */
    String responseType(MethodSpec m) {
        String name = RESPONSE_EXCEPTIONS.get(m.method());
        if (name == null && m.paramsType() != null && m.paramsType().endsWith("Params")) {
            name = m.paramsType().substring(0, m.paramsType().length() - "Params".length()) + "Response";
        }
        if (name == null || !schema.hasDefinition(name)) {
            throw new IllegalStateException("no response type for " + m.method() + " (params " + m.paramsType()
                    + "): add it to MethodTables.RESPONSE_EXCEPTIONS");
        }
        return typeName(name, m.method());
    }

    /** Checks that every exception still names a method of the schema, so the table does not rot. */
    void checkExceptionsUsed() {
        for (String method : RESPONSE_EXCEPTIONS.keySet()) {
            if (schema.clientRequests.stream().noneMatch(m -> m.method().equals(method))) {
                throw new IllegalStateException("RESPONSE_EXCEPTIONS names " + method + ", which codex no longer has");
            }
        }
    }

    String paramsType(MethodSpec m) {
        return m.paramsType() == null ? "Void" : typeName(m.paramsType(), m.method());
    }

    private String typeName(String definition, String method) {
        if (types.isAlias(definition)) {
            throw new IllegalStateException(method + ": " + definition + " has no class of its own");
        }
        return definition;
    }

    String requests(String className, String description, List<MethodSpec> methods) {
        StringBuilder out = new StringBuilder();
        out.append("/** ").append(description).append(" */\n");
        out.append("public final class ").append(className).append(" {\n");
        out.append("    private ").append(className).append("() {\n    }\n");
        List<String> names = new ArrayList<>();
        for (MethodSpec m : methods) {
            String constant = Names.constant(m.method());
            names.add(constant);
            String params = paramsType(m);
            String result = responseType(m);
            out.append('\n');
            emitter.javadoc(out, "    ", m.description(), List.of(), "Wire method {@code "
                    + JavaEmitter.javadocText(m.method()) + "}" + (m.paramsType() == null ? "; takes no params."
                    : m.paramsOptional() ? "; params may be null." : "."));
            if (m.experimental()) {
                out.append("    @Experimental\n");
            }
            out.append("    public static final RequestMethod<").append(params).append(", ").append(result)
                    .append("> ").append(constant).append(" =\n            new RequestMethod<>(\"")
                    .append(JavaEmitter.javaString(m.method())).append("\", ").append(params).append(".class, ")
                    .append(result).append(".class, ").append(m.experimental()).append(");\n");
        }
        out.append("\n    /** Every method, sorted by name. */\n");
        out.append("    public static final List<RequestMethod<?, ?>> ALL = List.of(");
        appendList(out, names);
        out.append("\n    public static final Map<String, RequestMethod<?, ?>> BY_METHOD = RequestMethod.byMethod(ALL);\n");
        out.append("}\n");
        return emitter.file(out.toString());
    }

    String notifications(String className, String description, List<MethodSpec> methods) {
        StringBuilder out = new StringBuilder();
        out.append("/** ").append(description).append(" */\n");
        out.append("public final class ").append(className).append(" {\n");
        out.append("    private ").append(className).append("() {\n    }\n");
        List<String> names = new ArrayList<>();
        for (MethodSpec m : methods) {
            String constant = Names.constant(m.method());
            names.add(constant);
            String params = paramsType(m);
            out.append('\n');
            emitter.javadoc(out, "    ", m.description(), List.of(), "Wire method {@code "
                    + JavaEmitter.javadocText(m.method()) + "}.");
            if (m.experimental()) {
                out.append("    @Experimental\n");
            }
            out.append("    public static final NotificationMethod<").append(params).append("> ").append(constant)
                    .append(" =\n            new NotificationMethod<>(\"").append(JavaEmitter.javaString(m.method()))
                    .append("\", ").append(params).append(".class);\n");
        }
        out.append("\n    /** Every method, sorted by name. */\n");
        out.append("    public static final List<NotificationMethod<?>> ALL = List.of(");
        appendList(out, names);
        out.append("\n    public static final Map<String, NotificationMethod<?>> BY_METHOD = NotificationMethod.byMethod(ALL);\n");
        out.append("}\n");
        return emitter.file(out.toString());
    }

    private static void appendList(StringBuilder out, List<String> names) {
        for (int i = 0; i < names.size(); i++) {
            out.append("\n            ").append(names.get(i)).append(i + 1 < names.size() ? "," : ");\n");
        }
        if (names.isEmpty()) {
            out.append(");\n");
        }
    }

    /** A sealed root every params type of {@code methods} implements, plus its {@code Unknown}. */
    String sealedRoot(String name, String description, List<String> permitted, String unknownDoc,
                      String unknownComponents) {
        StringBuilder out = new StringBuilder();
        out.append("/**\n * ").append(description).append("\n */\n");
        out.append("public sealed interface ").append(name).append(" permits\n        ");
        List<String> all = new ArrayList<>(permitted);
        all.add(name + ".Unknown");
        out.append(String.join(",\n        ", all)).append(" {\n");
        out.append("    /** ").append(unknownDoc).append(" */\n");
        out.append("    record Unknown(").append(unknownComponents).append(") implements ").append(name)
                .append(" {\n    }\n}\n");
        return emitter.file(out.toString());
    }

    /** The synchronous typed operations: one default method per stable client request, over {@code request}. */
    String codexApi(List<MethodSpec> methods) {
        return api(methods, """
                /**
                 * Every stable client request of codex app-server as a typed method that waits for the result.
                 * Implementations provide {@link #request}; experimental requests are sent through it, e.g.
                 * {@code api.request(ClientRequests.PROCESS_SPAWN, params)}. {@link CodexAsyncApi} has the same
                 * methods returning futures.
                 */
                public interface CodexApi {
                    /** Sends {@code method} with {@code params} (null for methods without params) and waits for the result. */
                    <P, R> R request(RequestMethod<P, R> method, P params);
                """, false);
    }

    /** The same operations as {@link #codexApi}, each returning a future, over {@code requestAsync}. */
    String codexAsyncApi(List<MethodSpec> methods) {
        return api(methods, """
                /**
                 * Every stable client request of codex app-server as a typed method returning a future: the
                 * methods of {@link CodexApi}, asynchronous. Implementations provide {@link #requestAsync};
                 * experimental requests are sent through it, e.g.
                 * {@code api.requestAsync(ClientRequests.PROCESS_SPAWN, params)}.
                 */
                public interface CodexAsyncApi {
                    /** Sends {@code method} with {@code params} (null for methods without params). */
                    <P, R> CompletableFuture<R> requestAsync(RequestMethod<P, R> method, P params);
                """, true);
    }

    private String api(List<MethodSpec> methods, String head, boolean async) {
        StringBuilder out = new StringBuilder(head);
        for (MethodSpec m : methods) {
            if (m.experimental()) {
                continue;
            }
            String constant = Names.constant(m.method());
            String name = Names.member(m.method());
            String result = responseType(m);
            String param = m.paramsType() == null ? "" : paramsType(m) + " params";
            String arg = m.paramsType() == null ? "null" : "params";
            String wire = "Wire method {@code " + JavaEmitter.javadocText(m.method()) + "}"
                    + (m.paramsOptional() ? "; {@code params} may be null." : ".");
            out.append('\n');
            emitter.javadoc(out, "    ", m.description(), List.of(), wire);
            out.append("    default ").append(async ? "CompletableFuture<" + result + ">" : result).append(' ')
                    .append(name).append('(').append(param).append(") {\n        return ")
                    .append(async ? "requestAsync" : "request").append("(ClientRequests.").append(constant)
                    .append(", ").append(arg).append(");\n    }\n");
        }
        out.append("}\n");
        return emitter.file(out.toString());
    }
}
