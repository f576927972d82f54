package dev.codexbridge.bench;

import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.a2a.SessionSource;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.mcp.CodexMcpServer;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.McpSessions;
import dev.codexbridge.mcp.OutputSchemaCheck;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What a codex per principal costs a caller (decision 0048): in one run, a turn on a direct
 * session (the yardstick), through MCP over Streamable HTTP and through A2A (blocking
 * {@code message/send}), each both on one shared codex and with a tenant per principal once the
 * principal's codex runs; the first turn of new principals (their codex starts); and memory per
 * idle principal (JVM plus every codex process, PSS), with their codex running and after the idle
 * timeout stopped it. Blocks alternate, round 0 is a warm-up. Run with
 * {@code bin/bench callers [TURNS] [ROUNDS] [PRINCIPALS]}.
 */
public final class CallersBench {
    private static final int TOKENS = 64;
    /** As the CLI does (--hibernate-after, shorter here): an idle conversation lets its thread go, so its principal's codex can stop. */
    private static final int HIBERNATE_S = 3;

    private CallersBench() {
    }

    public static void main(String[] args) throws Exception {
        int turns = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int principals = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        Path dir = TestDirs.create("callers-bench");
        Path binary = new CodexLocator().locate(null).binary();
        Map<String, String> tokens = new LinkedHashMap<>();
        for (int i = 0; i < TOKENS; i++) {
            tokens.put(token(i), principal(i));
        }
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.printf("load average at start: %.2f (%d cores)%n", os.getSystemLoadAverage(), os.getAvailableProcessors());
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"))) {
            IsolatedCodexHome.Builder home = IsolatedCodexHome.builder(dir.resolve("shared-home"), model.baseUrl());
            Path work = Files.createDirectories(dir.resolve("work"));
            try (CodexClient shared = CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(home.write()).build()).connect();
                 CodexTenants tenants = CodexTenants.builder().homesRoot(dir.resolve("tenants")).launch(CodexLaunch.appServer(binary).build())
                         .template(home.configToml()).idleTimeout(Duration.ofSeconds(8)).maxProcesses(TOKENS).build();
                 CodexSession direct = CodexSession.builder().client(shared).cwd(work).build();
                 Front sharedFront = new Front(CodexGateway.builder().client(shared).configure(b -> b.cwd(work)).build(), tokens, dir, "shared");
                 Front tenantFront = new Front(CodexGateway.builder().tenants(tenants)
                         .configure(b -> b.hibernateAfter(Duration.ofSeconds(HIBERNATE_S))).build(), tokens, dir, "tenants")) {
                Caller mcpShared = sharedFront.mcp(token(0));
                Caller mcpTenant = tenantFront.mcp(token(1));
                Caller a2aShared = sharedFront.a2a(token(2));
                Caller a2aTenant = tenantFront.a2a(token(3));
                Map<String, Supplier<Boolean>> sides = new LinkedHashMap<>();
                sides.put("direct session", () -> direct.runTurn(TurnInput.text("turn")).status() == TurnOutcome.COMPLETED);
                sides.put("MCP, shared codex", mcpShared::turn);
                sides.put("MCP, codex per principal", mcpTenant::turn);
                sides.put("A2A, shared codex", a2aShared::turn);
                sides.put("A2A, codex per principal", a2aTenant::turn);
                Map<String, List<Double>> medians = new LinkedHashMap<>();
                Map<String, List<Double>> p90s = new LinkedHashMap<>();
                List<String> names = new ArrayList<>(sides.keySet());
                for (int r = 0; r <= rounds; r++) {
                    for (int k = 0; k < names.size(); k++) {
                        String name = names.get((k + r) % names.size());
                        double[] ms = new double[turns];
                        for (int i = 0; i < turns; i++) {
                            long t0 = System.nanoTime();
                            if (!sides.get(name).get()) {
                                throw new IllegalStateException(name + ": a turn did not complete");
                            }
                            ms[i] = (System.nanoTime() - t0) / 1e6;
                        }
                        if (r > 0) {
                            Arrays.sort(ms);
                            medians.computeIfAbsent(name, n -> new ArrayList<>()).add(ms[turns / 2]);
                            p90s.computeIfAbsent(name, n -> new ArrayList<>()).add(ms[(int) (turns * 0.9)]);
                        }
                    }
                }
                double yard = median(medians.get("direct session"));
                System.out.println("warm turns (one-message reply), median of the rounds' medians / p90s:");
                for (String name : names) {
                    double m = median(medians.get(name));
                    System.out.printf("  %-26s %6.1f ms  p90 %6.1f ms  (%+.1f ms against the direct session)  rounds %s%n", name, m,
                            median(p90s.get(name)), m - yard, medians.get(name));
                }

                // the first turn of a principal whose codex is not running yet, one after another
                ProcMemory.Sample before = settle();
                List<Double> cold = new ArrayList<>();
                List<Double> coldA2a = new ArrayList<>();
                List<Caller> idle = new ArrayList<>();
                for (int i = 0; i < principals; i++) {
                    boolean a2a = i % 2 == 1;
                    long t0 = System.nanoTime();
                    Caller c = a2a ? tenantFront.a2a(token(4 + i)) : tenantFront.mcp(token(4 + i));
                    if (!c.turn()) {
                        throw new IllegalStateException("a new principal's first turn did not complete");
                    }
                    (a2a ? coldA2a : cold).add((System.nanoTime() - t0) / 1e6);
                    idle.add(c);
                }
                System.out.printf("first turn of a new principal (its codex starts; MCP includes initialize): MCP median %.0f ms, max %.0f ms; "
                        + "A2A median %.0f ms, max %.0f ms (%d principals)%n", median(cold), max(cold), median(coldA2a), max(coldA2a),
                        principals);
                ProcMemory.Sample running = settle();
                System.out.printf("%d more principals idle with their codex running: +%d KiB PSS in all (%d KiB each; codex processes %d -> %d)%n",
                        principals, running.totalPss() - before.totalPss(), (running.totalPss() - before.totalPss()) / principals,
                        before.children(), running.children());
                // the conversations sleep after HIBERNATE_S, the tenants' codex stops IDLE after that
                Thread.sleep(Duration.ofSeconds(HIBERNATE_S + 8 + 8).toMillis());
                ProcMemory.Sample stopped = settle();
                System.out.printf("after the tenants' idle timeout: +%d KiB PSS in all against before them (%d KiB each; codex processes %d)%n",
                        stopped.totalPss() - before.totalPss(), (stopped.totalPss() - before.totalPss()) / principals, stopped.children());
                for (Caller c : idle) {
                    c.close();
                }
                mcpShared.close();
                mcpTenant.close();
            }
        } finally {
            TestDirs.delete(dir);
        }
        // the MCP SDK's and the HTTP client's own threads would keep this JVM (and its tenants' codex) alive
        System.exit(0);
    }

    private static ProcMemory.Sample settle() throws InterruptedException {
        System.gc();
        Thread.sleep(1500);
        return ProcMemory.sample();
    }

    private static String token(int i) {
        return "callers-bench-token-" + String.format("%04d", i) + "-0123456789";
    }

    private static String principal(int i) {
        return "principal" + i;
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }

    private static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** One caller's conversation: a turn, over its protocol. */
    interface Caller extends AutoCloseable {
        boolean turn();

        @Override
        default void close() {
        }
    }

    /** The MCP and A2A servers on one gateway, as the CLI assembles them. */
    private static final class Front implements AutoCloseable {
        private final CodexMcpServer mcp;
        private final McpHttpServer http;
        private final A2aServer a2a;
        private final HttpClient client = HttpClient.newHttpClient();

        Front(CodexGateway gateway, Map<String, String> tokens, Path dir, String name) throws Exception {
            this.mcp = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).build();
            this.http = McpHttpServer.builder(mcp).authenticator(BearerTokens.of(tokens)).start();
            this.a2a = A2aServer.builder().host("127.0.0.1").port(0).authenticator(BearerTokens.of(tokens)).push(null)
                    .contexts(ContextStore.inMemory(ContextStore.DEFAULT_MAX_CONTEXTS)).sessions(SessionSource.of(gateway)).start();
        }

        Caller mcp(String token) {
            McpSyncClient c = McpClient.sync(HttpClientStreamableHttpTransport.builder(http.uri().resolve("/").toString())
                            .endpoint(McpHttpServer.PATH)
                            .httpRequestCustomizer((b, method, uri, body, context) -> b.header("Authorization", "Bearer " + token)).build())
                    .requestTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck()).build();
            c.initialize();
            String[] thread = new String[1];
            return new Caller() {
                @Override
                public boolean turn() {
                    McpSchema.CallToolResult r = thread[0] == null
                            ? c.callTool(McpSchema.CallToolRequest.builder().name("codex").arguments(Map.of("prompt", "turn")).build())
                            : c.callTool(McpSchema.CallToolRequest.builder().name("codex-reply")
                                    .arguments(Map.of("threadId", thread[0], "prompt", "turn")).build());
                    if (thread[0] == null && r.structuredContent() instanceof Map<?, ?> s) {
                        thread[0] = (String) s.get("threadId");
                    }
                    return !Boolean.TRUE.equals(r.isError());
                }

                @Override
                public void close() {
                    c.closeGracefully();
                }
            };
        }

        Caller a2a(String token) {
            String context = UUID.randomUUID().toString();
            URI uri = a2a.uri();
            return () -> {
                String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":{\"role\":\"user\","
                        + "\"messageId\":\"" + UUID.randomUUID() + "\",\"contextId\":\"" + context
                        + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"turn\"}]}}}";
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    return "completed".equals(Json.parse(r.body()).at("/result/status/state").asText());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
        }

        @Override
        public void close() {
            a2a.close();
            http.close();
            mcp.close();
        }
    }
}
