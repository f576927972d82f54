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
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A turn through the MCP server ({@code codex-reply} over Streamable HTTP from the MCP Java SDK's
 * client, in the same JVM) against the same turn on a {@link CodexSession} directly: the same codex
 * app-server, home and scripted model, one thread each, blocks of the two alternating, round 0 a
 * warm-up. Run with {@code bin/bench mcp [TURNS] [ROUNDS]}.
 */
public final class McpBench {
    private static final String TOKEN = "bench-token-0123456789";

    private McpBench() {
    }

    public static void main(String[] args) throws Exception {
        int turns = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path tmp = Files.createTempDirectory("codex-bridge-mcp-bench-");
        Path work = Files.createDirectories(tmp.resolve("work"));
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"));
             CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                     .codexHome(IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write()).build()).connect();
             CodexSession direct = CodexSession.builder().client(codex).cwd(work).build();
             CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.of(CodexGateway.builder().client(codex)
                     .configure(b -> b.cwd(work)).build())).build();
             McpHttpServer http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(TOKEN, "bench"))).start();
             McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(http.uri().resolve("/").toString())
                             .endpoint(McpHttpServer.PATH)
                             .httpRequestCustomizer((b, method, uri, body, context) -> b.header("Authorization", "Bearer " + TOKEN)).build())
                     .requestTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck()).build()) {
            client.initialize();
            McpSchema.CallToolResult first = client.callTool(McpSchema.CallToolRequest.builder().name("codex")
                    .arguments(Map.of("prompt", "turn")).build());
            String thread = (String) ((Map<?, ?>) first.structuredContent()).get("threadId");
            List<Double> directMs = new ArrayList<>();
            List<Double> mcpMs = new ArrayList<>();
            double directCpu = 0;
            double mcpCpu = 0;
            for (int r = 0; r <= rounds; r++) {
                for (int side = 0; side < 2; side++) {
                    boolean mcp = (r + side) % 2 == 0;
                    long cpu0 = os.getProcessCpuTime();
                    double[] ms = new double[turns];
                    for (int i = 0; i < turns; i++) {
                        long t0 = System.nanoTime();
                        if (mcp) {
                            McpSchema.CallToolResult res = client.callTool(McpSchema.CallToolRequest.builder().name("codex-reply")
                                    .arguments(Map.of("threadId", thread, "prompt", "turn")).build());
                            if (Boolean.TRUE.equals(res.isError())) {
                                throw new IllegalStateException("MCP turn: " + res);
                            }
                        } else if (direct.runTurn(TurnInput.text("turn")).status() != TurnOutcome.COMPLETED) {
                            throw new IllegalStateException("direct turn did not complete");
                        }
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                    }
                    double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / turns;
                    if (r > 0) {
                        Arrays.sort(ms);
                        (mcp ? mcpMs : directMs).add(ms[turns / 2]);
                        if (mcp) {
                            mcpCpu += cpuMs / rounds;
                        } else {
                            directCpu += cpuMs / rounds;
                        }
                    }
                }
            }
            System.out.printf("turn median ms, per round: direct %s, MCP %s%n", directMs, mcpMs);
            System.out.printf("turn median ms: direct %.1f, MCP %.1f (+%.1f ms); JVM CPU per turn: direct %.2f ms, MCP %.2f ms%n",
                    median(directMs), median(mcpMs), median(mcpMs) - median(directMs), directCpu, mcpCpu);
        }
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }
}
