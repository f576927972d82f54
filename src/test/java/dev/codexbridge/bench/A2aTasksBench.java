package dev.codexbridge.bench;

import dev.codexbridge.gateway.CodexGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codexbridge.a2a.A2aLimits;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.a2a.SessionSource;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Tasks held at once by one A2A server: the heap each ended task kept for {@code tasks/get}
 * holds, and each open task waiting on {@code input-required} (its context, codex session and
 * pending request), with codex's own memory per waiting thread; the turn time with contexts
 * kept in the file store. One codex app-server on the scripted model ("ok", or a command to
 * approve when the message says "ask"), one principal. Run with
 * {@code bin/bench a2a-tasks [ENDED] [OPEN]}.
 */
public final class A2aTasksBench {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOKEN = "bench-token-0123456789";
    private static final long BUDGET = 512L << 20;

    private A2aTasksBench() {
    }

    public static void main(String[] args) throws Exception {
        int ended = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int open = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path tmp = Files.createTempDirectory("codex-bridge-a2a-tasks-bench-");
        Path work = Files.createDirectories(tmp.resolve("work"));
        AtomicInteger calls = new AtomicInteger();
        A2aLimits limits = new A2aLimits(ended + open + 10, open + 2, 64, 512, Duration.ofMinutes(30), Duration.ofMinutes(2), 1 << 20);
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r ->
                     r.lastUserText().orElse("").contains("ask")
                             ? ModelReply.builder().execCommandEscalated("call-" + calls.incrementAndGet(), "echo asked", "to measure").build()
                             : ModelReply.message("ok"));
             CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                     .codexHome(IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request").write())
                     .build()).connect();
             A2aServer server = A2aServer.builder().tokens(BearerTokens.of(Map.of(TOKEN, "bench"))).limits(limits)
                     .contexts(ContextStore.files(tmp.resolve("contexts"), 100_000))
                     .sessions(SessionSource.of(CodexGateway.builder().client(codex).configure(b -> b.cwd(work)).callerApprovals(true).build()))
                     .start()) {
            HttpClient http = HttpClient.newHttpClient();
            String context = expect(send(http, server.uri(), null, "warm up"), "completed").path("contextId").asText();
            for (int i = 0; i < 20; i++) {
                expect(send(http, server.uri(), context, "warm up"), "completed");
            }

            long heap0 = ProcMemory.heapAfterGc();
            double[] ms = new double[ended];
            for (int i = 0; i < ended; i++) {
                long t0 = System.nanoTime();
                expect(send(http, server.uri(), context, "turn"), "completed");
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            long heap1 = ProcMemory.heapAfterGc();
            Arrays.sort(ms);
            double perEnded = (heap1 - heap0) / (double) ended;
            System.out.printf("%d ended tasks in one context: median turn %.1f ms (p90 %.1f) with the file store; heap %.2f KiB per task "
                    + "-> %,d fit in 512 MiB%n", ended, ms[ended / 2], ms[ended * 9 / 10], perEnded / 1024, (long) (BUDGET / perEnded));

            ProcMemory.Sample before = ProcMemory.sample();
            long heap2 = ProcMemory.heapAfterGc();
            long t0 = System.nanoTime();
            for (int i = 0; i < open; i++) {
                expect(send(http, server.uri(), null, "ask " + i), "input-required");
            }
            double openMs = (System.nanoTime() - t0) / 1e6 / open;
            long heap3 = ProcMemory.heapAfterGc();
            ProcMemory.Sample after = ProcMemory.sample();
            double perOpen = (heap3 - heap2) / (double) open;
            System.out.printf("%d open tasks (a context, a codex thread and a pending request each; %.0f ms to open one): heap %.1f KiB per task "
                    + "-> %,d fit in 512 MiB; codex RSS +%.0f KiB, PSS +%.0f KiB per waiting thread%n", open, openMs, perOpen / 1024,
                    (long) (BUDGET / perOpen), (after.childRss() - before.childRss()) / (double) open,
                    (after.childPss() - before.childPss()) / (double) open);
            try (Stream<Path> files = Files.list(tmp.resolve("contexts"))) {
                long bytes = files.mapToLong(p -> p.toFile().length()).sum();
                System.out.printf("context store: %d contexts in %,d bytes on disk%n", open + 1, bytes);
            }
        }
    }

    private static JsonNode expect(JsonNode task, String state) {
        if (!task.path("status").path("state").asText().equals(state)) {
            throw new IllegalStateException("expected " + state + ": " + task);
        }
        return task;
    }

    private static JsonNode send(HttpClient http, URI uri, String context, String text) throws Exception {
        String message = "{\"role\":\"user\",\"messageId\":\"" + java.util.UUID.randomUUID() + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"" + text + "\"}]"
                + (context == null ? "" : ",\"contextId\":\"" + context + "\"") + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":"
                        + message + "}}")).build(), HttpResponse.BodyHandlers.ofString());
        return MAPPER.readTree(r.body()).path("result");
    }
}
