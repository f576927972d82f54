package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.a2a.A2aLimits;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.mcp.CodexMcpServer;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.McpSessions;
import dev.codexbridge.mcp.OutputSchemaCheck;
import dev.codexbridge.mcp.ReplayLimits;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a replica keeps in its heap per conversation it served that is now asleep or closed in the
 * store: {@code bin/bench door-memory [N] [PRINCIPALS] [DOORS]} (defaults 1000, 8,
 * {@code tenants,a2a,mcp}). One PostgreSQL conversation store, the real codex with a scripted
 * model; for each door, N conversations of one turn each, PRINCIPALS callers taking turns, four at
 * once, then every conversation let go of (closed, or asleep after the door's idle time) and its
 * sleep settled. Per door: the heap after GC against the door's own baseline (taken after a warm-up
 * of 20 conversations), divided by N, and the classes that grew the most (a live class histogram).
 * <ul>
 * <li>{@code tenants}: a {@link CodexGateway} over {@link CodexTenants} with the store (a codex per
 * principal); each conversation opened, one turn, closed gracefully.</li>
 * <li>{@code a2a}: an {@link A2aServer} with {@link ContextStore#postgres} over a gateway on one
 * codex with the store; a blocking {@code message/send} into a new context each; contexts sleep
 * after 1 s. {@code a2a-1task}: the same keeping one ended task per caller (the others are read from
 * their records).</li>
 * <li>{@code mcp}: the MCP server over Streamable HTTP over the same kind of gateway; a {@code codex}
 * call each; conversations sleep after 1 s. After the weighing, a {@code codex-reply} to each of the
 * 20 newest conversations, one after another, timed. Weighed twice: as the others, and the door
 * alone, its clients closed before each weighing (they share this JVM: their connections, and
 * Jetty's ends of them, are not per conversation).</li>
 * </ul>
 */
public final class DoorMemoryBench {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int AT_ONCE = 4;
    private static final int WARM_UP = 20;
    private static final Duration SLEEP_AFTER = Duration.ofSeconds(1);
    /**
     * The stderr lines kept per codex process (500 by default): bounded per process, not per
     * conversation, but codex logs two lines for each conversation that slept ("state db returned
     * stale rollout path"), so a tail that fills during the run would count as conversations' cost.
     */
    private static final int STDERR_LINES = 8;

    private DoorMemoryBench() {
    }

    /** One door under test: serves conversation {@code i} of {@code principal}, and lets go of all of them at the end. */
    private interface Door extends AutoCloseable {
        void conversation(String principal) throws Exception;

        /** Waits until every conversation served is asleep or closed and its store has settled. */
        void settle() throws Exception;

        /** After the weighing: what a caller waits for going on with a conversation let go of (where the door says). */
        default void reopen() throws Exception {
        }

        /**
         * Closes the bench's own clients of the door, which share this JVM, so that the next weighing
         * counts the door alone (they are opened again when next needed). False when there are none.
         */
        default boolean releaseCallers() throws Exception {
            return false;
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int principals = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        List<String> doors = List.of((args.length > 2 ? args[2] : "tenants,a2a,mcp").split(","));
        Path tmp = TestDirs.create("door-memory");
        Path binary = new CodexLocator().locate(null).binary();
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"));
             PostgresServer postgres = PostgresServer.start(false)) {
            String url = postgres.newDatabase();
            for (String name : doors) {
                try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(4).build();
                     Door door = door(name, tmp.resolve(name), binary, model.baseUrl(), url,
                             ConversationStorage.builder(store, "replica-a").build(), principals)) {
                    run(name, door, n, principals);
                }
            }
        } finally {
            TestDirs.delete(tmp);
        }
    }

    private static void run(String name, Door door, int n, int principals) throws Exception {
        serve(door, WARM_UP, principals);
        door.settle();
        long before = ProcMemory.heapAfterGc();
        // the door alone: without the bench's clients (MCP: their HTTP connections, both ends, and their JSON buffers)
        long beforeAlone = door.releaseCallers() ? ProcMemory.heapAfterGc() : before;
        // kept in files until both are taken: a histogram in the heap would count in the second
        Path histogramBefore = histogram();
        dump(name + "-before");
        long t0 = System.nanoTime();
        serve(door, n, principals);
        double seconds = (System.nanoTime() - t0) / 1e9;
        door.settle();
        long after = ProcMemory.heapAfterGc();
        long afterAlone = door.releaseCallers() ? ProcMemory.heapAfterGc() : after;
        Path histogramAfter = histogram();
        dump(name + "-after");
        System.out.printf("door-memory %s: %,d conversations in %.0f s, %d principals; heap after GC %.1f -> %.1f MiB: %+.3f KiB per conversation%n",
                name, n, seconds, principals, before / 1048576.0, after / 1048576.0, (after - before) / 1024.0 / n);
        if (beforeAlone != before || afterAlone != after) {
            System.out.printf("door-memory %s, the door alone (its clients closed before each weighing): %.1f -> %.1f MiB: %+.3f KiB per conversation%n",
                    name, beforeAlone / 1048576.0, afterAlone / 1048576.0, (afterAlone - beforeAlone) / 1024.0 / n);
        }
        growth(read(histogramBefore), read(histogramAfter), n).forEach(line -> System.out.println("  " + line));
        door.reopen();
    }

    /** DOOR_MEMORY_DUMP=DIR: a heap dump of live objects at each weighing, to see what holds what grew. */
    private static void dump(String file) throws Exception {
        String dir = System.getenv("DOOR_MEMORY_DUMP");
        if (dir != null) {
            new ProcessBuilder("jcmd", String.valueOf(ProcessHandle.current().pid()), "GC.heap_dump", Path.of(dir, file + ".hprof").toString())
                    .inheritIO().start().waitFor();
        }
    }

    /** {@code n} conversations, principals in turn, {@link #AT_ONCE} at a time. */
    private static void serve(Door door, int n, int principals) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(AT_ONCE);
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < AT_ONCE; c++) {
                all.add(callers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        door.conversation("p" + (i % principals));
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

    private static Door door(String name, Path dir, Path binary, URI model, String url, ConversationStorage storage, int principals)
            throws Exception {
        Files.createDirectories(dir);
        Path work = Files.createDirectories(dir.resolve("work"));
        return switch (name) {
            case "tenants" -> tenants(dir, binary, model, storage);
            case "a2a" -> a2a(sharedCodex(dir, binary, model), work, url, storage, principals, A2aLimits.DEFAULTS);
            // one ended task kept per caller: the rest are read from their records, as any replica reads them
            case "a2a-1task" -> a2a(sharedCodex(dir, binary, model), work, url, storage, principals, A2aLimits.DEFAULTS.withTasksPerPrincipal(1));
            case "mcp" -> mcp(sharedCodex(dir, binary, model), work, storage, principals);
            default -> throw new IllegalArgumentException("doors: tenants, a2a, a2a-1task, mcp; not " + name);
        };
    }

    private static CodexClient sharedCodex(Path dir, Path binary, URI model) throws Exception {
        return CodexClient.builder().process(CodexLaunch.appServer(binary).stderrLines(STDERR_LINES)
                .codexHome(IsolatedCodexHome.builder(dir.resolve("home"), model).write()).build()).connect();
    }

    private static Door tenants(Path dir, Path binary, URI model, ConversationStorage storage) {
        String toml = IsolatedCodexHome.builder(dir.resolve("unused"), model).configToml();
        CodexTenants tenants = CodexTenants.builder().homesRoot(dir.resolve("homes"))
                .launch(CodexLaunch.appServer(binary).stderrLines(STDERR_LINES).build())
                .homeSetup(TenantHomeSetup.configToml(toml)).storage(storage).build();
        CodexGateway gateway = CodexGateway.builder().tenants(tenants).storage(storage)
                .configure(b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
        return new Door() {
            @Override
            public void conversation(String principal) throws Exception {
                CodexSession s = gateway.open(principal, null);
                try {
                    if (s.runTurn(TurnInput.text("turn")).status() != TurnOutcome.COMPLETED) {
                        throw new IllegalStateException("a turn through the tenants did not complete");
                    }
                } finally {
                    s.closeGracefully().get(60, TimeUnit.SECONDS);
                }
            }

            @Override
            public void settle() {
            }

            @Override
            public void close() {
                tenants.close();
            }
        };
    }

    private static Door a2a(CodexClient codex, Path work, String url, ConversationStorage storage, int principals, A2aLimits limits) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(4);
        HikariDataSource contexts = new HikariDataSource(c);
        Map<String, String> tokens = new HashMap<>();
        for (int p = 0; p < principals; p++) {
            tokens.put(token(p), "p" + p);
        }
        List<CodexSession> opened = java.util.Collections.synchronizedList(new ArrayList<>());
        CodexGateway gateway = CodexGateway.builder().client(codex).storage(storage).onOpen(opened::add)
                .configure(b -> b.cwd(work).hibernateAfter(SLEEP_AFTER).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))
                .build();
        A2aServer server = A2aServer.builder().tokens(BearerTokens.of(tokens)).gateway(gateway).limits(limits)
                .contexts(ContextStore.postgres(contexts, "replica-a", 1_000_000)).start();
        HttpClient http = HttpClient.newHttpClient();
        return new Door() {
            @Override
            public void conversation(String principal) throws Exception {
                String token = token(Integer.parseInt(principal.substring(1)));
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri()).header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":"
                                + "{\"message\":{\"role\":\"user\",\"messageId\":\"" + java.util.UUID.randomUUID() + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"turn\"}]}}}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                JsonNode task = MAPPER.readTree(r.body()).path("result");
                if (!task.path("status").path("state").asText().equals("completed")) {
                    throw new IllegalStateException("A2A turn: " + r.body());
                }
            }

            @Override
            public void settle() throws Exception {
                settleAll(opened);
            }

            @Override
            public void close() throws Exception {
                server.close();
                contexts.close();
                codex.close();
            }
        };
    }

    private static Door mcp(CodexClient codex, Path work, ConversationStorage storage, int principals) {
        List<String[]> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CodexSession> opened = java.util.Collections.synchronizedList(new ArrayList<>());
        CodexGateway gateway = CodexGateway.builder().client(codex).storage(storage).onOpen(opened::add)
                .configure(b -> b.cwd(work).hibernateAfter(SLEEP_AFTER).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))
                .build();
        Map<String, String> tokens = new HashMap<>();
        for (int p = 0; p < principals; p++) {
            tokens.put(token(p), "p" + p);
        }
        CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).build();
        // SSE streams are kept for a client's reconnect 5 minutes after their end (ReplayLimits): not a conversation's cost
        McpHttpServer http = McpHttpServer.builder(server).authenticator(BearerTokens.of(tokens))
                .replay(new ReplayLimits(1000, 1 << 20, Duration.ZERO, 4096)).start();
        Map<String, McpSyncClient> clients = new LinkedHashMap<>();
        return new Door() {
            /** The principal's client, opened on first use (again after {@link #releaseCallers}). */
            private McpSyncClient client(String principal) {
                synchronized (clients) {
                    return clients.computeIfAbsent(principal, p -> {
                        String token = token(Integer.parseInt(p.substring(1)));
                        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(http.uri().resolve("/").toString())
                                        .endpoint(McpHttpServer.PATH)
                                        .httpRequestCustomizer((b, method, uri, body, context) -> b.header("Authorization", "Bearer " + token)).build())
                                .requestTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck()).build();
                        client.initialize();
                        return client;
                    });
                }
            }

            @Override
            public boolean releaseCallers() throws Exception {
                synchronized (clients) {
                    // each deletes its MCP session (bounded per principal, not per conversation)
                    clients.values().forEach(McpSyncClient::closeGracefully);
                    clients.clear();
                }
                // Java 17's HttpClient has no close(): its selector thread lets go of its connections
                // within 3 s of the client being collected, and Jetty then of its ends
                System.gc();
                Thread.sleep(3_500);
                return true;
            }

            @Override
            public void conversation(String principal) {
                McpSchema.CallToolResult r = client(principal).callTool(McpSchema.CallToolRequest.builder().name("codex")
                        .arguments(Map.of("prompt", "turn")).build());
                if (Boolean.TRUE.equals(r.isError())) {
                    throw new IllegalStateException("MCP turn: " + r);
                }
                synchronized (threads) {
                    // the newest 20 only: the bench's own list must not weigh as the door's
                    threads.add(new String[] {principal, (String) ((Map<?, ?>) r.structuredContent()).get("threadId")});
                    if (threads.size() > 20) {
                        threads.remove(0);
                    }
                }
            }

            @Override
            public void reopen() throws Exception {
                // the newest conversations, asleep: a codex-reply to each, one after another, timed from outside
                List<Long> millis = new ArrayList<>();
                List<String[]> newest;
                synchronized (threads) {
                    newest = new ArrayList<>(threads.subList(Math.max(0, threads.size() - 20), threads.size()));
                }
                for (String[] t : newest) {
                    long t0 = System.nanoTime();
                    McpSchema.CallToolResult r = client(t[0]).callTool(McpSchema.CallToolRequest.builder().name("codex-reply")
                            .arguments(Map.of("threadId", t[1], "prompt", "again")).build());
                    millis.add((System.nanoTime() - t0) / 1_000_000);
                    if (Boolean.TRUE.equals(r.isError())) {
                        throw new IllegalStateException("MCP reply: " + r);
                    }
                }
                java.util.Collections.sort(millis);
                System.out.printf("mcp: codex-reply to a conversation asleep: median %d ms, max %d ms (%d, one at a time)%n",
                        millis.get(millis.size() / 2), millis.get(millis.size() - 1), millis.size());
            }

            @Override
            public void settle() throws Exception {
                settleAll(opened);
                // the server lets go of conversations asleep in the store on its next sweep (every second)
                Thread.sleep(2_500);
            }

            @Override
            public void close() throws Exception {
                releaseCallers();
                http.close();
                server.close();
                codex.close();
            }
        };
    }

    /** Waits until every session opened is closed or asleep, and what its sleep or close set going has ended. */
    private static void settleAll(List<CodexSession> opened) throws Exception {
        Thread.sleep(SLEEP_AFTER.toMillis() + 500);
        List<CodexSession> all;
        synchronized (opened) {
            all = new ArrayList<>(opened);
            opened.clear();   // the bench's own list must not be what keeps them
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (CodexSession s : all) {
            s.settled().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private static String token(int principal) {
        return "bench-token-" + principal + "-0123456789";
    }

    /** The live class histogram of this JVM (a full GC first), in a file. */
    private static Path histogram() throws Exception {
        Path file = Files.createTempFile("door-memory-", ".histogram");
        new ProcessBuilder("jcmd", String.valueOf(ProcessHandle.current().pid()), "GC.class_histogram")
                .redirectErrorStream(true).redirectOutput(file.toFile()).start().waitFor();
        return file;
    }

    /** Instances and bytes by class, from a histogram's file (deleted once read). */
    static Map<String, long[]> read(Path histogram) throws Exception {
        Map<String, long[]> out = new HashMap<>();
        List<String> lines = Files.readAllLines(histogram, StandardCharsets.UTF_8);
        Files.delete(histogram);
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                out.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return out;
    }

    /** The twelve classes that grew the most in bytes, with their growth per conversation. */
    static List<String> growth(Map<String, long[]> before, Map<String, long[]> after, int n) {
        return after.entrySet().stream()
                .map(e -> {
                    long[] b = before.getOrDefault(e.getKey(), new long[2]);
                    return Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
                })
                .filter(e -> e.getValue()[1] > 0)
                .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                .limit(12)
                .map(e -> String.format("%+,10d B %+,8d instances  %7.1f B/conv  %s", e.getValue()[1], e.getValue()[0],
                        (double) e.getValue()[1] / n, e.getKey()))
                .toList();
    }
}
