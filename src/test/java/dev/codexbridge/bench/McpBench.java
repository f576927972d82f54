package dev.codexbridge.bench;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.mcp.CodexMcpServer;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.McpSessions;
import dev.codexbridge.mcp.OutputSchemaCheck;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A turn through the MCP server ({@code codex-reply} over Streamable HTTP from the MCP Java SDK's
 * client, in the same JVM) against the same turn on a {@link CodexSession} directly: the same codex
 * app-server, home and scripted model, one thread each, blocks of the two alternating, round 0 a
 * warm-up. With STORES ({@code disk}, {@code postgres}), MCP servers whose gateway keeps each
 * conversation in that store (each turn stored) join the alternation. Run with
 * {@code bin/bench mcp [TURNS] [ROUNDS] [STORES] [fresh]}.
 */
public final class McpBench {
    private static final String TOKEN = "bench-token-0123456789";

    private McpBench() {
    }

    public static void main(String[] args) throws Exception {
        int turns = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        // STORES: the MCP contenders on a conversation store beside the one without (none, disk, postgres; comma-separated)
        List<String> stores = List.of((args.length > 2 ? args[2] : "none").split(","));
        // fresh: each block of turns in a new conversation (a short rollout), else one conversation all along
        boolean fresh = args.length > 3 && args[3].equals("fresh");
        Path tmp = Files.createTempDirectory("codex-bridge-mcp-bench-");
        Path work = Files.createDirectories(tmp.resolve("work"));
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<AutoCloseable> servers = new ArrayList<>();
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"));
             CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                     .codexHome(IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write()).build()).connect();
             CodexSession direct = CodexSession.builder().client(codex).cwd(work).build();
             StoreContenders backing = StoreContenders.open(stores, tmp)) {
            Map<String, StoreContenders.Turn> contenders = new LinkedHashMap<>();
            contenders.put("direct", () -> {
                if (direct.runTurn(TurnInput.text("turn")).status() != TurnOutcome.COMPLETED) {
                    throw new IllegalStateException("direct turn did not complete");
                }
            });
            contenders.put("MCP", mcpTurns(CodexGateway.builder().client(codex).configure(b -> b.cwd(work)).build(), servers));
            for (StoreContenders.Backing b : backing.all()) {
                contenders.put("MCP+" + b.name(), mcpTurns(CodexGateway.builder().client(codex).storage(b.storage())
                        .configure(c -> c.cwd(work)).build(), servers));
            }
            try {
                Map<String, Double> cpu = StoreContenders.alternate(contenders, turns, rounds, fresh, os);
                System.out.printf("JVM CPU per turn (ms, server and SDK client together for MCP): %s%n", cpu);
            } finally {
                // before the stores close: the servers' sessions store and let go of their conversations
                for (int i = servers.size() - 1; i >= 0; i--) {
                    servers.get(i).close();
                }
            }
        }
    }

    /** An MCP server over {@code gateway} and a client of it: one {@code codex} call, then {@code codex-reply} calls on its thread. */
    private static StoreContenders.Turn mcpTurns(CodexGateway gateway, List<AutoCloseable> servers) {
        CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).build();
        servers.add(server);
        McpHttpServer http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(TOKEN, "bench"))).start();
        servers.add(http);
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(http.uri().resolve("/").toString())
                        .endpoint(McpHttpServer.PATH)
                        .httpRequestCustomizer((b, method, uri, body, context) -> b.header("Authorization", "Bearer " + TOKEN)).build())
                .requestTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck()).build();
        servers.add(client::closeGracefully);
        client.initialize();
        McpSchema.CallToolResult first = client.callTool(McpSchema.CallToolRequest.builder().name("codex")
                .arguments(Map.of("prompt", "turn")).build());
        String[] thread = {(String) ((Map<?, ?>) first.structuredContent()).get("threadId")};
        return new StoreContenders.Turn() {
            @Override
            public void run() {
                McpSchema.CallToolResult res = thread[0] == null
                        ? client.callTool(McpSchema.CallToolRequest.builder().name("codex").arguments(Map.of("prompt", "turn")).build())
                        : client.callTool(McpSchema.CallToolRequest.builder().name("codex-reply")
                                .arguments(Map.of("threadId", thread[0], "prompt", "turn")).build());
                if (Boolean.TRUE.equals(res.isError())) {
                    throw new IllegalStateException("MCP turn: " + res);
                }
                thread[0] = (String) ((Map<?, ?>) res.structuredContent()).get("threadId");
            }

            @Override
            public void newConversation() {
                thread[0] = null;
            }
        };
    }
}
