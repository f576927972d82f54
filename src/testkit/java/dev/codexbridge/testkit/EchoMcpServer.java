package dev.codexbridge.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RequestHandler;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import java.nio.file.Paths;
import java.util.List;

/**
 * A tiny MCP server over stdio for tests that need codex to call an MCP tool: tool {@code say}
 * echoes its {@code text}; tool {@code ask} asks the user to confirm through an MCP form
 * elicitation. Extra tools named on the command line ({@code --tool NAME}, e.g. {@code get-sum})
 * answer with the name they were called by and their arguments, so a test sees which name reached
 * the server. Start it from codex's config with {@link #configToml(String, String...)}.
 * Runs until stdin closes.
 */
public final class EchoMcpServer {
    private EchoMcpServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> extra = new java.util.ArrayList<>();
        long initializeDelayMs = 0;
        for (int i = 0; i + 1 < args.length; i++) {
            if ("--tool".equals(args[i])) {
                extra.add(args[++i]);
            } else if ("--initialize-delay-ms".equals(args[i])) {
                initializeDelayMs = Long.parseLong(args[++i]);
            }
        }
        long delay = initializeDelayMs;
        java.util.concurrent.atomic.AtomicReference<JsonRpcPeer> self = new java.util.concurrent.atomic.AtomicReference<>();
        JsonRpcPeer peer = JsonRpcPeer.builder(System.in, System.out)
                .name("echo-mcp")
                .jsonrpcMember(true)
                .handler("initialize", RequestHandler.sync(p -> {
                    sleep(delay);
                    return initialize(p);
                }))
                .handler("ping", RequestHandler.sync(p -> Json.object()))
                .handler("tools/list", RequestHandler.sync(p -> tools(extra)))
                .handler("tools/call", r -> "ask".equals(r.params().path("name").asText())
                        ? ask(self.get()) : java.util.concurrent.CompletableFuture.completedFuture(call(r.params(), extra)))
                .build();
        self.set(peer);
        peer.start();
        peer.closedFuture().join();
    }

    /** Tool {@code ask}: asks the user to confirm through an MCP form elicitation, and reports the answer. */
    private static java.util.concurrent.CompletionStage<JsonNode> ask(JsonRpcPeer peer) {
        ObjectNode params = Json.object().put("mode", "form").put("message", "Please confirm");
        ObjectNode schema = params.putObject("requestedSchema").put("type", "object");
        schema.putObject("properties").putObject("confirmed").put("type", "boolean");
        schema.putArray("required").add("confirmed");
        return peer.request("elicitation/create", params, java.time.Duration.ofMinutes(5)).thenApply(answer -> {
            ObjectNode result = Json.object();
            String text = "accept".equals(answer.path("action").asText())
                    ? "confirmed: " + answer.path("content").path("confirmed").asBoolean(false)
                    : "not confirmed (" + answer.path("action").asText() + ")";
            result.putArray("content").addObject().put("type", "text").put("text", text);
            result.put("isError", false);
            return result;
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonNode initialize(JsonNode params) {
        ObjectNode result = Json.object();
        result.put("protocolVersion", params.path("protocolVersion").asText("2025-06-18"));
        result.putObject("capabilities").putObject("tools");
        result.putObject("serverInfo").put("name", "echo").put("version", "1.0.0");
        return result;
    }

    private static JsonNode tools(List<String> extra) {
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
        if (!"say".equals(name)) {
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
     * that would need a prompt).
     */
    public static String configToml(String name) {
        return configToml(name, new String[0]);
    }

    /**
     * As {@link #configToml(String)}, with extra tools under the given names (any name the MCP
     * server may use, e.g. {@code get-sum}); each answers {@code "<name> called with <arguments>"}.
     */
    public static String configToml(String name, String... extraTools) {
        return configToml(name, java.time.Duration.ZERO, extraTools);
    }

    /**
     * As {@link #configToml(String, String...)}, the server answering {@code initialize} only after
     * {@code startupDelay}: a server that is still starting when the model calls it.
     */
    public static String configToml(String name, java.time.Duration startupDelay, String... extraTools) {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<String> args = new java.util.ArrayList<>(List.of("-cp", cp, EchoMcpServer.class.getName()));
        if (!startupDelay.isZero()) {
            args.add("--initialize-delay-ms");
            args.add(Long.toString(startupDelay.toMillis()));
        }
        for (String tool : extraTools) {
            args.add("--tool");
            args.add(tool);
        }
        return "[mcp_servers." + dev.codexbridge.config.Toml.key(name) + "]\n"
                + "command = " + dev.codexbridge.config.Toml.string(java) + "\n"
                + "args = " + dev.codexbridge.config.Toml.value(args) + "\n"
                + "default_tools_approval_mode = \"approve\"\n"
                + "startup_timeout_sec = 30.0\n";
    }
}
