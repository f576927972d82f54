package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * How long an idle conversation takes to move between two live replicas on one PostgreSQL
 * (issue 81, item 2; decision 0118), at each door, with the CLI's door commands as their own
 * processes (a codex per principal, the doors' 6 s lease, hibernation after 60 s, so the holder
 * keeps the conversation awake and must be asked for it):
 * <ul>
 *   <li><b>MCP</b>: two {@code codex-bridge mcp --http --store jdbc:postgresql://…}, a client session
 *       open on each. A conversation is opened on one; each round, after a pause of 0.3 – 1.3 s
 *       (the holder idle, at a random point of its renewals), the other replica's client sends
 *       {@code codex-reply} for it — the move, asked of the holder and waited for by the door — and
 *       then once more on the same replica: the turn alone, no move.</li>
 *   <li><b>A2A</b>: two {@code codex-bridge a2a --store …}; a context's next {@code message/send}
 *       goes to the other replica, then once more to the same one.</li>
 * </ul>
 * Reported per door: the move's p50, p99 and largest; the same turn without a move; the move's
 * median less the turn's. A call refused (held elsewhere, busy) is tried again after 100 ms, the
 * move timed from its first call. Run with {@code bin/bench moves [ROUNDS]} (default 20 per door);
 * {@code MOVE_BENCH_DEBUG=1} logs the doors' own steps at debug, with the time of day. Each door's
 * log is left in the run's folder, for a slow round to be read.
 */
public final class MoveBench {
    private static final String TOKEN = "alice-token-0123456789";
    /** The doors' JVM options: debug logs with the time of day when {@code MOVE_BENCH_DEBUG=1}. */
    private static final List<String> DOOR_JVM = "1".equals(System.getenv("MOVE_BENCH_DEBUG"))
            ? List.of("-Dorg.slf4j.simpleLogger.log.dev.codexbridge=debug", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                    "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS")
            : List.of();

    private MoveBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path tmp = Files.createTempDirectory("codex-bridge-move-bench-");
        List<Path> roots = new ArrayList<>();
        try (PostgresServer postgres = PostgresServer.start(false);
             ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"))) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            Path tokens = Files.writeString(tmp.resolve("tokens"), "alice " + TOKEN + "\n");
            Times mcp = mcp(rounds, postgres.newDatabase(), home, tokens, roots, tmp);
            Times a2a = a2a(rounds, postgres.newDatabase(), home, tokens, roots, tmp);
            mcp.print("MCP codex-reply");
            a2a.print("A2A message/send");
            System.out.printf("the doors' logs: %s%n", tmp);
        } finally {
            for (Path root : roots) {
                TestDirs.delete(root);
            }
        }
    }

    /** The rounds' times, in seconds: the move, and the turn on the replica that holds the conversation. */
    private record Times(List<Double> moves, List<Double> stays) {
        void print(String door) {
            System.out.printf("%s moved, s: %s%n", door, fmt(moves));
            System.out.printf("%s stayed, s: %s%n", door, fmt(stays));
            System.out.printf("%s: move p50 %.2f s, p99 %.2f s, max %.2f s; the turn alone p50 %.2f s; the move's median less the "
                    + "turn's %.2f s (%d rounds)%n", door, pct(moves, 50), pct(moves, 99), pct(moves, 100), pct(stays, 50),
                    pct(moves, 50) - pct(stays, 50), moves.size());
        }
    }

    private static Times mcp(int rounds, String url, Path home, Path tokens, List<Path> roots, Path logs) throws Exception {
        List<FailoverBench.McpReplica> replicas = new ArrayList<>();
        List<McpSyncClient> clients = new ArrayList<>();
        Random random = new Random(81);
        List<Double> moves = new ArrayList<>();
        List<Double> stays = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                replicas.add(FailoverBench.McpReplica.start(DOOR_JVM, url, home, tokens, roots));
                clients.add(replicas.get(i).client());
            }
            McpSchema.CallToolResult opened = clients.get(0).callTool(McpSchema.CallToolRequest.builder().name("codex")
                    .arguments(Map.of("prompt", "remember this")).build());
            String thread = (String) ((Map<?, ?>) opened.structuredContent()).get("threadId");
            // both replicas' principal codex started and warm before the first round
            clients.get(1).callTool(McpSchema.CallToolRequest.builder().name("codex").arguments(Map.of("prompt", "warm up")).build());
            for (int k = 0; k < rounds; k++) {
                McpSyncClient to = clients.get((k + 1) % 2);
                Thread.sleep(300 + random.nextInt(1000));
                double moved = reply(to, thread, "move " + k);
                double stayed = reply(to, thread, "stay " + k);
                moves.add(moved);
                stays.add(stayed);
                System.out.printf("MCP round %d: moved to replica %d in %.2f s, next turn there %.2f s%n", k + 1, (k + 1) % 2, moved, stayed);
            }
        } finally {
            for (int i = 0; i < replicas.size(); i++) {
                replicas.get(i).close();
                Files.write(logs.resolve("mcp-" + i + ".log"), replicas.get(i).door().log());
            }
        }
        return new Times(moves, stays);
    }

    /** {@code codex-reply} until it is served (a refusal tried again after 100 ms, counted), timed from the first call. */
    private static double reply(McpSyncClient client, String thread, String prompt) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            McpSchema.CallToolResult r = client.callTool(McpSchema.CallToolRequest.builder().name("codex-reply")
                    .arguments(Map.of("threadId", thread, "prompt", prompt)).build());
            if (!Boolean.TRUE.equals(r.isError())) {
                return (System.nanoTime() - start) / 1e9;
            }
            refused(r.content().toString());
        }
    }

    /** A call refused: said, and tried again after 100 ms. */
    private static void refused(String why) throws InterruptedException {
        System.out.printf("  refused, tried again: %s%n", why.length() > 300 ? why.substring(0, 300) : why);
        Thread.sleep(100);
    }

    private static Times a2a(int rounds, String url, Path home, Path tokens, List<Path> roots, Path logs) throws Exception {
        List<DoorProcess> doors = new ArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        Random random = new Random(81);
        List<Double> moves = new ArrayList<>();
        List<Double> stays = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Path root = TestDirs.create("move-a2a-tenants");
                roots.add(root);
                doors.add(DoorProcess.start(DOOR_JVM, List.of("a2a", "--listen", "127.0.0.1:0", "--tokens", tokens.toString(),
                        "--codex-home", home.toString(), "--tenants-root", root.toString(), "--store", url), DoorProcess.A2A_AT));
            }
            String context = send(http, doors.get(0).uri(), "remember this", null).at("/result/contextId").asText();
            send(http, doors.get(1).uri(), "warm up", null);
            for (int k = 0; k < rounds; k++) {
                URI to = doors.get((k + 1) % 2).uri();
                Thread.sleep(300 + random.nextInt(1000));
                long start = System.nanoTime();
                send(http, to, "move " + k, context);
                double moved = (System.nanoTime() - start) / 1e9;
                start = System.nanoTime();
                send(http, to, "stay " + k, context);
                double stayed = (System.nanoTime() - start) / 1e9;
                moves.add(moved);
                stays.add(stayed);
                System.out.printf("A2A round %d: moved to replica %d in %.2f s, next turn there %.2f s%n", k + 1, (k + 1) % 2, moved, stayed);
            }
        } finally {
            for (int i = 0; i < doors.size(); i++) {
                doors.get(i).close();
                Files.write(logs.resolve("a2a-" + i + ".log"), doors.get(i).log());
            }
        }
        return new Times(moves, stays);
    }

    /** A blocking {@code message/send} until its task completes (a refusal tried again after 100 ms, said). */
    private static JsonNode send(HttpClient http, URI uri, String text, String context) throws Exception {
        while (true) {
            String message = "{\"role\":\"user\",\"messageId\":\"" + java.util.UUID.randomUUID() + "\""
                    + (context == null ? "" : ",\"contextId\":\"" + context + "\"") + ",\"parts\":[{\"kind\":\"text\",\"text\":\"" + text + "\"}]}";
            String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":" + message + "}}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = Json.parse(r.body());
            if ("completed".equals(answer.at("/result/status/state").asText())) {
                return answer;
            }
            refused(r.body());
        }
    }

    private static String fmt(List<Double> xs) {
        return xs.stream().map(x -> String.format("%.2f", x)).collect(Collectors.joining(", "));
    }

    /** The {@code p}th percentile, nearest rank (100: the largest). */
    private static double pct(List<Double> xs, int p) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[Math.max(0, Math.min(a.length - 1, (int) Math.ceil(p / 100.0 * a.length) - 1))];
    }
}
