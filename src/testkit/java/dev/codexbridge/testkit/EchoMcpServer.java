package dev.codexbridge.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.process.Toml;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RequestHandler;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A tiny MCP server over stdio for tests that need codex to call an MCP tool: tool {@code say}
 * echoes its {@code text}; tool {@code ask} asks the user to confirm through an MCP form
 * elicitation. Start it from codex's config with {@link #configToml(String)}; with
 * {@link #annotatedConfigToml(String)} it also lists one echo tool per entry of
 * {@link #ANNOTATED_TOOLS}, each carrying those MCP tool annotations (which decide whether codex
 * asks before calling it). Extra tools named on the command line ({@code --tool NAME}, e.g.
 * {@code get-sum}) answer with the name they were called by and their arguments, so a test sees
 * which name reached the server ({@link #configToml(String, String...)}). Runs until stdin closes.
 */
public final class EchoMcpServer {
    /** The argument that makes the server list {@link #ANNOTATED_TOOLS} too. */
    public static final String ANNOTATED = "--annotated";

    /**
     * Echo tools by name → their {@code annotations} object, as JSON: each annotation alone and
     * the combinations that decide codex's approval rule. Names have no {@code -}, so codex's
     * model-facing name is the same.
     */
    public static final Map<String, String> ANNOTATED_TOOLS = annotatedTools();

    private EchoMcpServer() {
    }

    private static Map<String, String> annotatedTools() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("plain", "");
        t.put("emptyannotations", "{}");
        t.put("readonly", "{\"readOnlyHint\":true}");
        t.put("notreadonly", "{\"readOnlyHint\":false}");
        t.put("nondestructive", "{\"destructiveHint\":false}");
        t.put("destructive", "{\"destructiveHint\":true}");
        t.put("openworld", "{\"openWorldHint\":true}");
        t.put("closedworld", "{\"openWorldHint\":false}");
        t.put("idempotent", "{\"idempotentHint\":true}");
        t.put("nondestructiveclosedworld", "{\"destructiveHint\":false,\"openWorldHint\":false}");
        t.put("nondestructiveopenworld", "{\"destructiveHint\":false,\"openWorldHint\":true}");
        t.put("destructiveclosedworld", "{\"destructiveHint\":true,\"openWorldHint\":false}");
        t.put("notreadonlyclosedworld", "{\"readOnlyHint\":false,\"openWorldHint\":false}");
        t.put("notreadonlynondestructiveclosedworld",
                "{\"readOnlyHint\":false,\"destructiveHint\":false,\"openWorldHint\":false}");
        t.put("readonlyopenworld", "{\"readOnlyHint\":true,\"openWorldHint\":true}");
        t.put("readonlydestructive", "{\"readOnlyHint\":true,\"destructiveHint\":true}");
        t.put("readonlynondestructiveclosedworld",
                "{\"readOnlyHint\":true,\"destructiveHint\":false,\"openWorldHint\":false}");
        t.put("nondestructiveclosedworldidempotent",
                "{\"destructiveHint\":false,\"openWorldHint\":false,\"idempotentHint\":true}");
        return Collections.unmodifiableMap(t);
    }

    public static void main(String[] args) throws InterruptedException {
        boolean annotated = List.of(args).contains(ANNOTATED);
        List<String> extra = new ArrayList<>();
        long initializeDelayMs = 0;
        for (int i = 0; i + 1 < args.length; i++) {
            if ("--tool".equals(args[i])) {
                extra.add(args[++i]);
            } else if ("--initialize-delay-ms".equals(args[i])) {
                initializeDelayMs = Long.parseLong(args[++i]);
            }
        }
        long delay = initializeDelayMs;
        AtomicReference<JsonRpcPeer> self = new AtomicReference<>();
        JsonRpcPeer peer = JsonRpcPeer.builder(System.in, System.out)
                .name("echo-mcp")
                .jsonrpcMember(true)
                .handler("initialize", RequestHandler.sync(p -> {
                    sleep(delay);
                    return initialize(p);
                }))
                .handler("ping", RequestHandler.sync(p -> Json.object()))
                .handler("tools/list", RequestHandler.sync(p -> tools(annotated, extra)))
                .handler("tools/call", r -> "ask".equals(r.params().path("name").asText())
                        ? ask(self.get()) : CompletableFuture.completedFuture(call(r.params(), extra)))
                .build();
        self.set(peer);
        peer.start();
        peer.closedFuture().join();
    }

    /** Tool {@code ask}: asks the user to confirm through an MCP form elicitation, and reports the answer. */
    private static CompletionStage<JsonNode> ask(JsonRpcPeer peer) {
        ObjectNode params = Json.object().put("mode", "form").put("message", "Please confirm");
        ObjectNode schema = params.putObject("requestedSchema").put("type", "object");
        schema.putObject("properties").putObject("confirmed").put("type", "boolean");
        schema.putArray("required").add("confirmed");
        return peer.request("elicitation/create", params, Duration.ofMinutes(5)).thenApply(answer -> {
            ObjectNode result = Json.object();
            String text = "accept".equals(answer.path("action").asText())
                    ? "confirmed: " + answer.path("content").path("confirmed").asBoolean(false)
                    : "not confirmed (" + answer.path("action").asText() + ")";
            result.putArray("content").addObject().put("type", "text").put("text", text);
            result.put("isError", false);
            return result;
        });
    }

    private static JsonNode initialize(JsonNode params) {
        ObjectNode result = Json.object();
        result.put("protocolVersion", params.path("protocolVersion").asText("2025-06-18"));
        result.putObject("capabilities").putObject("tools");
        result.putObject("serverInfo").put("name", "echo").put("version", "1.0.0");
        return result;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonNode tools(boolean annotated, List<String> extra) {
        ObjectNode result = Json.object();
        ArrayNode tools = result.putArray("tools");
        ObjectNode say = tools.addObject().put("name", "say").put("description", "Echo text back");
        ObjectNode schema = say.putObject("inputSchema").put("type", "object");
        schema.putObject("properties").putObject("text").put("type", "string");
        schema.putArray("required").add("text");
        ObjectNode ask = tools.addObject().put("name", "ask").put("description", "Ask the user to confirm");
        ask.putObject("inputSchema").put("type", "object").putObject("properties");
        for (String name : extra) {
            tools.addObject().put("name", name).put("description", "Report the name and arguments it was called with")
                    .putObject("inputSchema").put("type", "object").putObject("properties");
        }
        if (annotated) {
            ANNOTATED_TOOLS.forEach((name, annotations) -> {
                ObjectNode tool = tools.addObject().put("name", name).put("description", "Echo text back");
                ObjectNode s = tool.putObject("inputSchema").put("type", "object");
                s.putObject("properties").putObject("text").put("type", "string");
                if (!annotations.isEmpty()) {
                    tool.set("annotations", Json.parse(annotations));
                }
            });
        }
        return result;
    }

    private static JsonNode call(JsonNode params, List<String> extra) {
        String name = params.path("name").asText();
        if (extra.contains(name)) {
            ObjectNode result = Json.object();
            result.putArray("content").addObject().put("type", "text")
                    .put("text", name + " called with " + Json.write(params.path("arguments")));
            result.put("isError", false);
            return result;
        }
        if (!"say".equals(name) && !ANNOTATED_TOOLS.containsKey(name)) {
            throw new RpcException("tools/call", new RpcError(RpcError.INVALID_PARAMS, "unknown tool " + params.path("name")));
        }
        ObjectNode result = Json.object();
        result.putArray("content").addObject().put("type", "text")
                .put("text", "echo: " + params.path("arguments").path("text").asText(""));
        result.put("isError", false);
        return result;
    }

    /**
     * A {@code [mcp_servers.<name>]} table that starts this server with the current JVM and class
     * path, its tools auto-approved (under approval policy {@code never}, codex refuses MCP tools
     * that would need a prompt), and required, so codex has it running before the first turn.
     */
    public static String configToml(String name) {
        return configToml(name, List.of(), true);
    }

    /**
     * As {@link #configToml(String)}, with extra tools under the given names (any name the MCP
     * server may use, e.g. {@code get-sum}); each answers {@code "<name> called with <arguments>"}.
     */
    public static String configToml(String name, String... extraTools) {
        return configToml(name, toolArgs(extraTools), true);
    }

    /**
     * As {@link #configToml(String, String...)}, the server answering {@code initialize} only after
     * {@code startupDelay}, and not required: a server that is still starting when the model calls it.
     */
    public static String configToml(String name, Duration startupDelay, String... extraTools) {
        List<String> args = new ArrayList<>(List.of("--initialize-delay-ms", Long.toString(startupDelay.toMillis())));
        args.addAll(toolArgs(extraTools));
        return configToml(name, args, false);
    }

    /**
     * A {@code [mcp_servers.<name>]} table for the server with {@link #ANNOTATED_TOOLS} too, and
     * no approval mode, so codex applies its own rule (a {@code [mcp_servers.<name>.tools.<tool>]}
     * table may follow).
     */
    public static String annotatedConfigToml(String name) {
        return configToml(name, List.of(ANNOTATED), true).replace("default_tools_approval_mode = \"approve\"\n", "");
    }

    private static List<String> toolArgs(String... tools) {
        List<String> args = new ArrayList<>();
        for (String tool : tools) {
            args.add("--tool");
            args.add(tool);
        }
        return args;
    }

    private static String configToml(String name, List<String> serverArgs, boolean required) {
        // a small server living for one test, often several at once: the client compiler and the serial collector start it
        // on about a third less CPU than the JVM's defaults
        List<String> command = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), EchoMcpServer.class.getName()));
        command.addAll(serverArgs);
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        return "[mcp_servers." + Toml.key(name) + "]\n"
                + "command = " + Toml.string(java) + "\n"
                + "args = " + Toml.value(command) + "\n"
                + "default_tools_approval_mode = \"approve\"\n"
                // far above its second or so, for a loaded machine starting several at once: a required server late is a
                // thread that does not start
                + "startup_timeout_sec = 90.0\n"
                // Required: codex waits for the server before the first turn. Otherwise a turn can
                // start before its tools are listed, and codex answers the model's call "unsupported call".
                + (required ? "required = true\n" : "");
    }
}
