package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.OutputSchemaCheck;
import dev.codexbridge.support.TestDirs;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a door's JVM keeps per conversation it ever served, as an operator runs it (issue 80):
 * {@code bin/bench door-state [N] [DOORS] [STORES] [PRINCIPALS] [CHECKPOINTS]} (defaults 2000,
 * {@code a2a,mcp,openai}, {@code none,disk}, 2, 5). For each door and store, the CLI command itself
 * ({@code codex-bridge a2a|mcp --http|openai --offline-demo}: the real codex on the scripted model,
 * a codex per principal, the command's defaults; {@code --store DIR} for {@code disk}) in a JVM of
 * its own, fed N new conversations of one turn each, never touched again, PRINCIPALS callers in
 * turn, four at once. After a warm-up of 50 and then every N/CHECKPOINTS conversations the
 * command's live heap is weighed: {@code jcmd GC.class_histogram} (a full GC first), the door's
 * JVM alone (the bench's clients are in this one). Reported: the heap at each checkpoint, its
 * growth per conversation served (end against the warm-up), its slope (least squares) past the
 * first 40 % of N (the ramp of conversations still awake, {@code --hibernate-after}), and the
 * classes that grew the most. {@code DOOR_STATE_ARGS} adds options to every command (say, {@code --conversations-remembered 500}).
 * <ul>
 * <li>{@code a2a}: a blocking {@code message/send} into a new context.</li>
 * <li>{@code mcp}: a {@code codex} tool call over Streamable HTTP, one MCP session per principal.</li>
 * <li>{@code openai}: {@code POST /v1/responses} (stored, the API's default) and {@code POST /v1/chat/completions} in turn.</li>
 * </ul>
 */
public final class DoorStateBench {
    /** The launcher's flags; a full GC that compacts everything, so no dead object is weighed as live ("dead wood"). */
    static final List<String> WEIGHED_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:MarkSweepDeadRatio=0", "-Xmx1g");
    private static final int AT_ONCE = 4;
    private static final int WARM_UP = 50;
    private static final Pattern LISTENING = Pattern.compile(" at (http://[^\\s,]+)");
    /** Requests sent again after a "send again" answer, in the run so far. */
    private static final AtomicInteger RESENT = new AtomicInteger();
    /** Conversations whose turn failed (under load: a store that did not answer within the lease), in the run so far. */
    private static final AtomicInteger FAILED = new AtomicInteger();

    private DoorStateBench() {
    }

    /** One door's command, and how a conversation is served through it. */
    private interface Door extends AutoCloseable {
        void conversation(int principal, int i) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        List<String> doors = List.of((args.length > 1 ? args[1] : "a2a,mcp,openai").split(","));
        List<String> stores = List.of((args.length > 2 ? args[2] : "none,disk").split(","));
        int principals = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int checkpoints = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        String extra = System.getenv().getOrDefault("DOOR_STATE_ARGS", "").trim();
        for (String store : stores) {
            for (String door : doors) {
                Path tmp = TestDirs.create("door-state");
                try {
                    run(door, store, n, principals, checkpoints, extra.isEmpty() ? List.of() : List.of(extra.split("\\s+")), tmp);
                } finally {
                    TestDirs.delete(tmp);
                }
            }
        }
    }

    private static void run(String name, String store, int n, int principals, int checkpoints, List<String> extra, Path tmp)
            throws Exception {
        Path tokens = tmp.resolve("tokens");
        StringBuilder lines = new StringBuilder();
        for (int p = 0; p < principals; p++) {
            lines.append("p").append(p).append(' ').append(token(p)).append('\n');
        }
        Files.writeString(tokens, lines);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(WEIGHED_JVM);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.codexbridge.cli.Main", name));
        command.addAll(name.equals("mcp") ? List.of("--http", "127.0.0.1:0") : List.of("--listen", "127.0.0.1:0"));
        command.addAll(List.of("--offline-demo", "--tokens", tokens.toString()));
        if (store.equals("disk")) {
            command.addAll(List.of("--store", tmp.resolve("store").toString()));
        } else if (!store.equals("none")) {
            throw new IllegalArgumentException("stores: none, disk; not " + store);
        }
        command.addAll(extra);
        Process p = new ProcessBuilder(command).directory(Path.of("").toAbsolutePath().toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (Door door = door(name, listening(p), principals)) {
            serve(door, 0, WARM_UP, principals);
            List<long[]> points = new ArrayList<>();
            Map<String, long[]> before = DoorMemoryBench.read(histogram(p.pid()));
            points.add(new long[] {0, total(before)});
            long t0 = System.nanoTime();
            Map<String, long[]> after = before;
            for (int c = 1; c <= checkpoints; c++) {
                int upTo = (int) ((long) n * c / checkpoints);
                serve(door, WARM_UP + (int) points.get(points.size() - 1)[0], WARM_UP + upTo, principals);
                after = DoorMemoryBench.read(histogram(p.pid()));
                points.add(new long[] {upTo, total(after)});
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("door-state %s, store %s%s: %,d conversations in %.0f s (%d principals, %d at once; %d sent again, %d failed)%n",
                    name, store, extra.isEmpty() ? "" : ", " + String.join(" ", extra), n, seconds, principals, AT_ONCE, RESENT.getAndSet(0),
                    FAILED.getAndSet(0));
            for (long[] point : points) {
                System.out.printf("  %,7d served: live heap %7.2f MiB%n", point[0], point[1] / 1048576.0);
            }
            long first = points.get(0)[1];
            long last = points.get(points.size() - 1)[1];
            // past the first 40 %: the conversations still awake (--hibernate-after, 60 s) have reached their steady number
            int from = (int) Math.ceil(checkpoints * 0.4);
            System.out.printf("  per conversation served: %+.3f KiB; slope from %,d on: %+.3f KiB%n",
                    (last - first) / 1024.0 / n, points.get(from)[0], slope(points.subList(from, points.size())) / 1024.0);
            DoorMemoryBench.growth(before, after, n).forEach(line -> System.out.println("    " + line));
        } finally {
            p.destroy();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Least squares: bytes per conversation over {@code points} ({served, bytes}). */
    private static double slope(List<long[]> points) {
        double mx = points.stream().mapToDouble(q -> q[0]).average().orElse(0);
        double my = points.stream().mapToDouble(q -> q[1]).average().orElse(0);
        double num = 0;
        double den = 0;
        for (long[] q : points) {
            num += (q[0] - mx) * (q[1] - my);
            den += (q[0] - mx) * (q[0] - mx);
        }
        return den == 0 ? 0 : num / den;
    }

    static long total(Map<String, long[]> histogram) {
        return histogram.values().stream().mapToLong(v -> v[1]).sum();
    }

    /** The command's live class histogram (a full GC first), in a file. */
    static Path histogram(long pid) throws Exception {
        Path file = Files.createTempFile("door-state-", ".histogram");
        new ProcessBuilder("jcmd", String.valueOf(pid), "GC.class_histogram").redirectErrorStream(true)
                .redirectOutput(file.toFile()).start().waitFor();
        return file;
    }

    /** Conversations {@code from} (inclusive) to {@code to}, principals in turn, {@link #AT_ONCE} at a time. */
    private static void serve(Door door, int from, int to, int principals) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(AT_ONCE);
        AtomicInteger next = new AtomicInteger(from);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < AT_ONCE; c++) {
                all.add(callers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < to; i = next.getAndIncrement()) {
                        try {
                            door.conversation(i % principals, i);
                        } catch (IllegalStateException e) {
                            // a failed turn is counted, not fatal: more than a twentieth is
                            if (FAILED.incrementAndGet() > Math.max(5, to / 20)) {
                                throw e;
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
    }

    /** The address the command listens at, from its stderr, which is drained from then on. */
    private static URI listening(Process p) throws Exception {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line; (line = err.readLine()) != null; ) {
            lines.add(line);
            Matcher m = LISTENING.matcher(line);
            if (line.contains("Ctrl-C stops it") && m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        err.lines().forEach(l -> { });
                    } catch (UncheckedIOException ended) {
                        // the process ended
                    }
                }, "door-state-stderr");
                drain.setDaemon(true);
                drain.start();
                return URI.create(m.group(1));
            }
        }
        throw new IllegalStateException("the command did not start:\n" + String.join("\n", lines));
    }

    private static Door door(String name, URI at, int principals) {
        return switch (name) {
            case "a2a" -> a2a(at);
            case "mcp" -> mcp(at, principals);
            case "openai" -> openai(at);
            default -> throw new IllegalArgumentException("doors: a2a, mcp, openai; not " + name);
        };
    }

    private static Door a2a(URI at) {
        HttpClient http = HttpClient.newHttpClient();
        return new Door() {
            @Override
            public void conversation(int principal, int i) throws Exception {
                JsonNode r = post(http, at, principal, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":"
                        + "{\"role\":\"user\",\"messageId\":\"m" + i + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"hello " + i + "\"}]}}}");
                if (!r.at("/result/status/state").asText().equals("completed")) {
                    throw new IllegalStateException("A2A: " + r);
                }
            }

            @Override
            public void close() {
            }
        };
    }

    private static Door openai(URI at) {
        HttpClient http = HttpClient.newHttpClient();
        URI responses = at.resolve("/v1/responses");
        URI chat = at.resolve("/v1/chat/completions");
        return new Door() {
            @Override
            public void conversation(int principal, int i) throws Exception {
                JsonNode r = i % 2 == 0
                        ? post(http, responses, principal, "{\"model\":\"codex\",\"input\":\"hello " + i + "\"}")
                        : post(http, chat, principal, "{\"model\":\"codex\",\"messages\":[{\"role\":\"user\",\"content\":\"hello " + i + "\"}]}");
                if (!(r.path("status").asText().equals("completed") || r.at("/choices/0/finish_reason").asText().equals("stop"))) {
                    throw new IllegalStateException("OpenAI: " + r);
                }
            }

            @Override
            public void close() {
            }
        };
    }

    private static Door mcp(URI at, int principals) {
        Map<Integer, McpSyncClient> clients = new LinkedHashMap<>();
        for (int p = 0; p < principals; p++) {
            String token = token(p);
            McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(at.resolve("/").toString())
                            .endpoint(McpHttpServer.PATH)
                            .httpRequestCustomizer((b, method, uri, body, context) -> b.header("Authorization", "Bearer " + token)).build())
                    .requestTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck()).build();
            client.initialize();
            clients.put(p, client);
        }
        return new Door() {
            @Override
            public void conversation(int principal, int i) {
                McpSchema.CallToolResult r = clients.get(principal).callTool(McpSchema.CallToolRequest.builder().name("codex")
                        .arguments(Map.of("prompt", "hello " + i)).build());
                if (Boolean.TRUE.equals(r.isError())) {
                    throw new IllegalStateException("MCP: " + r);
                }
            }

            @Override
            public void close() {
                clients.values().forEach(McpSyncClient::closeGracefully);
            }
        };
    }

    /** A POST as {@code principal}'s caller; sent again after a "send again" answer (503, 429), as the SDKs do. */
    private static JsonNode post(HttpClient http, URI uri, int principal, String body) throws Exception {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token(principal))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return Json.parse(r.body());
            }
            if ((r.statusCode() != 503 && r.statusCode() != 429) || attempt == 20) {
                throw new IllegalStateException(uri + ": " + r.statusCode() + " " + r.body());
            }
            RESENT.incrementAndGet();
            Thread.sleep(1000L * Math.max(1, r.headers().firstValueAsLong("retry-after").orElse(1)));
        }
    }

    private static String token(int principal) {
        return "bench-token-" + principal + "-0123456789";
    }
}
