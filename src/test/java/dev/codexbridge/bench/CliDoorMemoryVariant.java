package dev.codexbridge.bench;

import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.OutputSchemaCheck;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.ServerSocket;
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

/**
 * {@code cli:DOOR[:store][:S][:keepK]} of {@code bin/bench codex-memory}: what an operator runs, {@code
 * codex-bridge mcp --http …} or {@code codex-bridge a2a --listen …}, with {@code --offline-demo}
 * and {@code --hibernate-after S} (the default, 60, when not given), with {@code --store DIR} or
 * without, {@code --keep-slept-copy K} when given, in a JVM of its own on this class path. Each conversation is one {@code codex} tool call
 * from an MCP client (one client per bench worker) or one blocking A2A {@code message/send} into no
 * context (a new one); one principal. The codex measured is the principal's, below that JVM.
 */
final class CliDoorMemoryVariant implements MonthBench.Serving {
    private static final String TOKEN = "codex-memory-token-0123456789";

    private final Process cli;
    private final URI base;
    private final boolean mcp;
    private final ThreadLocal<McpSyncClient> client;
    private final List<McpSyncClient> clients = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    /** {@code spec}: DOOR[:store][:S], as after {@code cli:}; {@code recycleAfter}: {@code --recycle-after} (0: not given). */
    CliDoorMemoryVariant(Path dir, String spec, long recycleAfter) throws Exception {
        this(dir, spec, recycleAfter, List.of("-Xmx512m"), null);
    }

    /** As above, the door's JVM given {@code jvm} options, and {@code store} (a folder or a JDBC URL) for {@code :store}; null: DIR/store. */
    CliDoorMemoryVariant(Path dir, String spec, long recycleAfter, List<String> jvm, String store) throws Exception {
        List<String> parts = List.of(spec.split(":"));
        mcp = parts.get(0).equals("mcp");
        if (!mcp && !parts.get(0).equals("a2a")) {
            throw new IllegalArgumentException("cli:mcp or cli:a2a, not cli:" + spec);
        }
        int port = freePort();
        Path tokens = Files.writeString(dir.resolve("tokens.txt"), "alice " + TOKEN + "\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.codexbridge.cli.Main", parts.get(0),
                mcp ? "--http" : "--listen", "127.0.0.1:" + port, "--offline-demo", "--tokens", tokens.toString()));
        if (recycleAfter > 0) {
            cmd.addAll(List.of("--recycle-after", Long.toString(recycleAfter)));
        }
        for (String p : parts.subList(1, parts.size())) {
            if (p.equals("store")) {
                cmd.addAll(List.of("--store", store != null ? store : dir.resolve("store").toString()));
            } else if (p.startsWith("keep")) {
                cmd.addAll(List.of("--keep-slept-copy", p.substring("keep".length())));
            } else {
                cmd.addAll(List.of("--hibernate-after", p));
            }
        }
        cli = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("cli.log").toFile()).start();
        base = URI.create("http://127.0.0.1:" + port + "/");
        awaitReady(http, base.resolve("/readyz"), cli, "codex-bridge " + parts.get(0));
        client = ThreadLocal.withInitial(this::connect);
    }

    /** A loopback port free a moment ago. */
    static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Waits until {@code ready} answers 200, for up to 120 s; fails at once when {@code process} ends meanwhile. */
    static void awaitReady(HttpClient http, URI ready, Process process, String what) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(what + " ended with " + process.exitValue());
            }
            LiveRig.sleep(200);
        }
        throw new IllegalStateException(what + " not ready within 120 s");
    }

    @Override
    public Process process() {
        return cli;
    }

    private McpSyncClient connect() {
        McpSyncClient c = McpClient.sync(HttpClientStreamableHttpTransport.builder(base.toString()).endpoint(McpHttpServer.PATH)
                        .httpRequestCustomizer((b, method, uri, body, context) -> b.header("Authorization", "Bearer " + TOKEN)).build())
                .requestTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck()).build();
        c.initialize();
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    @Override
    public void conversation() throws Exception {
        if (!mcp) {
            String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":{\"role\":\"user\","
                    + "\"messageId\":\"" + java.util.UUID.randomUUID() + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"hello\"}]}}}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base).header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (!r.body().contains("\"completed\"")) {
                throw new IllegalStateException("A2A turn: " + r.statusCode() + " " + r.body());
            }
            return;
        }
        McpSchema.CallToolResult r = client.get().callTool(McpSchema.CallToolRequest.builder().name("codex")
                .arguments(Map.of("prompt", "hello")).build());
        if (Boolean.TRUE.equals(r.isError())) {
            throw new IllegalStateException("MCP turn: " + r);
        }
    }

    @Override
    public boolean settle() {
        LiveRig.sleep(3_000);       // asleep after 1 s (when so), let go of on the server's next sweep
        return true;
    }

    @Override
    public long codexPid() {
        return CodexMemoryBench.newestCodex();
    }

    @Override
    public void close() throws Exception {
        synchronized (clients) {
            clients.forEach(McpSyncClient::closeGracefully);
        }
        stop(cli);
    }

    /** SIGTERM, so the command stops in order; SIGKILL after 60 s. */
    static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
