package dev.codexbridge.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.OutputSchemaCheck;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Time from a replica's death until its conversation serves on another (issue 61, item 3; decision
 * 0076), repeated kills on one PostgreSQL, the doors' default lease (6 s):
 * <ul>
 *   <li><b>MCP</b>: two {@code codex-bridge mcp --http --store jdbc:postgresql://…} processes (tenants,
 *       a codex per principal). A conversation is opened on one and left awake; that process is
 *       SIGKILLed, and at once a {@code codex-reply} for the thread goes to the other, which waits
 *       for the dead one's lease and runs the turn. Measured: the kill to that answer. A new process
 *       takes the dead one's place for the next round. Then half as many rounds where the holder is
 *       stalled (SIGSTOP), its store's session with the database still open, rather than killed.</li>
 *   <li><b>A2A</b>: two A2A replicas in this JVM, as {@code A2aReplicaDeathLiveTest} runs them (each
 *       its own codex process and database pools, contexts and tasks in PostgreSQL); one is lost as a
 *       machine is (its pools closed, its codex SIGKILLed) while a context's turn runs there
 *       ({@code sleep 60}), and the context's next message goes to the other every 250 ms until it
 *       is served. Measured: the loss to that answer.</li>
 * </ul>
 * Run with {@code bin/bench failover [KILLS]} (default 10 of each).
 */
public final class FailoverBench {
    private static final String TOKEN = "alice-token-0123456789";
    
    private FailoverBench() {
    }

    public static void main(String[] args) throws Exception {
        int kills = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path tmp = Files.createTempDirectory("codex-bridge-failover-bench-");
        try (PostgresServer postgres = PostgresServer.start(false);
             ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"))) {
            List<Double> mcp = mcp(kills, postgres.newDatabase(), model, tmp, false);
            List<Double> stalls = mcp(Math.max(1, kills / 2), postgres.newDatabase(), model, tmp, true);
            List<Double> a2a = a2a(kills, postgres.newDatabase(), model, tmp);
            System.out.printf("MCP: kill to codex-reply served elsewhere, s: %s%n", fmt(mcp));
            System.out.printf("MCP: p50 %.1f s, p99 (max of %d) %.1f s%n", pct(mcp, 50), mcp.size(), pct(mcp, 99));
            System.out.printf("MCP: stall (SIGSTOP) to codex-reply served elsewhere, s: %s%n", fmt(stalls));
            System.out.printf("MCP stall: p50 %.1f s, p99 (max of %d) %.1f s%n", pct(stalls, 50), stalls.size(), pct(stalls, 99));
            System.out.printf("A2A: loss to the context's next message served elsewhere, s: %s%n", fmt(a2a));
            System.out.printf("A2A: p50 %.1f s, p99 (max of %d) %.1f s%n", pct(a2a, 50), a2a.size(), pct(a2a, 99));
        }
    }

    /**
     * {@code kills} rounds: the holder SIGKILLed (its store's session with the database ends with it: decision 0113), or with
     * {@code stall} SIGSTOPped (its session alive: the other waits for the lease's time) and killed once served elsewhere.
     */
    private static List<Double> mcp(int kills, String url, ScriptedModelServer model, Path tmp, boolean stall) throws Exception {
        Path home = IsolatedCodexHome.builder(tmp.resolve("mcp-home"), model.baseUrl()).write();
        Path tokens = Files.writeString(tmp.resolve("tokens"), "alice " + TOKEN + "\n");
        List<Double> seconds = new ArrayList<>();
        List<Path> roots = new ArrayList<>();
        McpReplica[] replicas = new McpReplica[2];
        try {
            for (int i = 0; i < 2; i++) {
                replicas[i] = McpReplica.start(url, home, tokens, roots);
            }
            for (int k = 0; k < kills; k++) {
                McpReplica holder = replicas[k % 2];
                McpReplica other = replicas[(k + 1) % 2];
                McpSchema.CallToolResult opened = holder.client.callTool(McpSchema.CallToolRequest.builder().name("codex")
                        .arguments(Map.of("prompt", "remember round " + k)).build());
                String thread = (String) ((Map<?, ?>) opened.structuredContent()).get("threadId");
                if (stall) {
                    new ProcessBuilder("kill", "-STOP", Long.toString(holder.process().pid())).inheritIO().start().waitFor();
                } else {
                    holder.process().destroyForcibly();
                }
                long killed = System.nanoTime();
                int refused = 0;
                while (true) {
                    McpSchema.CallToolResult r = other.client.callTool(McpSchema.CallToolRequest.builder().name("codex-reply")
                            .arguments(Map.of("threadId", thread, "prompt", "which round?")).build());
                    if (!Boolean.TRUE.equals(r.isError())) {
                        break;
                    }
                    refused++;
                    Thread.sleep(100);
                }
                double s = (System.nanoTime() - killed) / 1e9;
                seconds.add(s);
                System.out.printf("MCP %s %d: served elsewhere after %.2f s (%d refusals)%n", stall ? "stall" : "kill", k + 1, s, refused);
                holder.process().destroyForcibly();
                holder.close();
                replicas[k % 2] = McpReplica.start(url, home, tokens, roots);
            }
        } finally {
            for (McpReplica r : replicas) {
                if (r != null) {
                    r.close();
                }
            }
            for (Path root : roots) {
                TestDirs.delete(root);
            }
        }
        return seconds;
    }

    /** {@code codex-bridge mcp --http} on PostgreSQL, and an MCP client of alice's connected to it (also {@link MoveBench}'s). */
    record McpReplica(DoorProcess door, McpSyncClient client) implements AutoCloseable {
        static McpReplica start(String url, Path home, Path tokens, List<Path> roots) throws Exception {
            return start(List.of(), url, home, tokens, roots);
        }

        /** As above, its JVM given {@code jvm} options first. */
        static McpReplica start(List<String> jvm, String url, Path home, Path tokens, List<Path> roots) throws Exception {
            Path root = TestDirs.create("failover-tenants");
            roots.add(root);
            DoorProcess door = DoorProcess.start(jvm, List.of("mcp", "--http", "127.0.0.1:0", "--tokens", tokens.toString(),
                    "--codex-home", home.toString(), "--tenants-root", root.toString(), "--store", url), DoorProcess.MCP_AT);
            McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(door.uri().toString()).endpoint(McpHttpServer.PATH)
                            .httpRequestCustomizer((b, method, uri, body, context) -> b.header("Authorization", "Bearer " + TOKEN)).build())
                    .requestTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck()).build();
            client.initialize();
            return new McpReplica(door, client);
        }

        Process process() {
            return door.process();
        }

        @Override
        public void close() throws Exception {
            try {
                client.closeGracefully();
            } catch (RuntimeException gone) {
                // its process was killed
            }
            door.close();
        }
    }

    private static List<Double> a2a(int kills, String url, ScriptedModelServer model, Path tmp) throws Exception {
        List<Double> seconds = new ArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        A2aReplica[] replicas = {A2aReplica.start("a2a-0", url, model, tmp), A2aReplica.start("a2a-1", url, model, tmp)};
        try {
            for (int k = 0; k < kills; k++) {
                A2aReplica holder = replicas[k % 2];
                A2aReplica other = replicas[(k + 1) % 2];
                model.enqueue(ModelReply.message("noted"), ModelReply.builder().execCommand("call-sleep-" + k, "sleep 60").build());
                JsonNode ended = send(http, holder.uri(), "{\"message\":" + message("remember round " + k, null) + "}");
                String context = ended.at("/result/contextId").asText();
                send(http, holder.uri(), "{\"configuration\":{\"blocking\":false},\"message\":" + message("sleep a while", context) + "}");
                Thread.sleep(1_000);        // the turn's command running
                holder.kill();
                long killed = System.nanoTime();
                int refused = 0;
                while (true) {
                    JsonNode r = send(http, other.uri(), "{\"message\":" + message("which round?", context) + "}");
                    if (!r.has("error") && "completed".equals(r.at("/result/status/state").asText())) {
                        break;
                    }
                    refused++;
                    Thread.sleep(250);
                }
                double s = (System.nanoTime() - killed) / 1e9;
                seconds.add(s);
                System.out.printf("A2A kill %d: served elsewhere after %.2f s (%d refusals)%n", k + 1, s, refused);
                holder.close();
                replicas[k % 2] = A2aReplica.start("a2a-" + (k + 2), url, model, tmp);
            }
        } finally {
            for (A2aReplica r : replicas) {
                r.close();
            }
        }
        return seconds;
    }

    private static String message(String text, String context) {
        return "{\"role\":\"user\",\"messageId\":\"" + java.util.UUID.randomUUID() + "\"" + (context == null ? "" : ",\"contextId\":\"" + context + "\"")
                + ",\"parts\":[{\"kind\":\"text\",\"text\":\"" + text + "\"}]}";
    }

    private static JsonNode send(HttpClient http, URI uri, String params) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":" + params + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return Json.parse(r.body());
    }

    /** An A2A replica in this JVM: its own codex and database pools; {@link #kill} loses it as a machine is lost. */
    private record A2aReplica(A2aServer server, CodexClient codex, long codexPid, HikariDataSource contexts,
                              PostgresConversationStore conversations) implements AutoCloseable {
        static A2aReplica start(String name, String url, ScriptedModelServer model, Path tmp) throws Exception {
            List<Long> before = codexChildren();
            CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                    .codexHome(IsolatedCodexHome.builder(tmp.resolve("home-" + name), model.baseUrl()).write()).build()).connect();
            List<Long> started = codexChildren();
            started.removeAll(before);
            HikariConfig c = new HikariConfig();
            c.setJdbcUrl(url);
            c.setMaximumPoolSize(4);
            HikariDataSource contexts = new HikariDataSource(c);
            PostgresConversationStore conversations = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(4).build();
            Path work = Files.createDirectories(tmp.resolve("work"));
            CodexGateway gateway = CodexGateway.builder().client(codex)
                    .storage(ConversationStorage.builder(conversations, name).leaseTime(ConversationStorage.DOORS_LEASE).build())
                    .configure(b -> b.cwd(work)).build();
            A2aServer server = A2aServer.builder().tokens(BearerTokens.of(Map.of(TOKEN, "alice"))).gateway(gateway)
                    .contexts(ContextStore.postgres(contexts, name, 1_000, conversations)).start();
            return new A2aReplica(server, codex, started.size() == 1 ? started.get(0) : -1, contexts, conversations);
        }

        URI uri() {
            return server.uri();
        }

        void kill() {
            contexts.close();
            conversations.close();
            ProcessHandle.of(codexPid).ifPresent(ProcessHandle::destroyForcibly);
        }

        @Override
        public void close() {
            for (AutoCloseable a : new AutoCloseable[] {server, codex, conversations, contexts}) {
                try {
                    a.close();
                } catch (Exception e) {
                    // lost already
                }
            }
        }

        private static List<Long> codexChildren() {
            return ProcessHandle.current().children().filter(p -> p.info().commandLine().map(l -> l.contains("app-server")).orElse(false))
                    .map(ProcessHandle::pid).collect(Collectors.toCollection(ArrayList::new));
        }
    }

    private static String fmt(List<Double> xs) {
        return xs.stream().map(x -> String.format("%.1f", x)).collect(Collectors.joining(", "));
    }

    private static double pct(List<Double> xs, int p) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[Math.min(a.length - 1, (int) Math.ceil(p / 100.0 * a.length) - 1)];
    }
}
