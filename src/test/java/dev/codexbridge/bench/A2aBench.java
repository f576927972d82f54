package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codexbridge.a2a.A2aLimits;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A turn through the A2A server against the same turn on a {@link CodexSession} directly: the
 * same codex app-server, home and scripted model, one thread each, blocks of the two alternating.
 * The A2A turns are blocking {@code message/send}s from the JDK's HTTP client in the same JVM, so
 * the CPU per turn counts the client's share too. Then the heap each ended task holds while kept.
 * Run with {@code bin/bench a2a [TURNS] [ROUNDS] [TASKS]}.
 */
public final class A2aBench {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOKEN = "bench-token-0123456789";

    private A2aBench() {
    }

    public static void main(String[] args) throws Exception {
        int turns = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int tasks = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        Path tmp = Files.createTempDirectory("codex-bridge-a2a-bench-");
        Path work = Files.createDirectories(tmp.resolve("work"));
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"));
             CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                     .codexHome(IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write()).build()).connect();
             CodexSession direct = CodexSession.builder().client(codex).cwd(work).build();
             A2aServer server = A2aServer.builder().tokens(BearerTokens.of(Map.of(TOKEN, "bench")))
                     .limits(A2aLimits.DEFAULTS.withTasksPerPrincipal(tasks + turns * (rounds + 1) * 2 + 10))
                     .gateway(CodexGateway.builder().client(codex).configure(b -> b.cwd(work)).build())
                     .start()) {
            HttpClient http = HttpClient.newHttpClient();
            String context = send(http, server.uri(), null).path("contextId").asText();
            List<Double> directMs = new ArrayList<>();
            List<Double> a2aMs = new ArrayList<>();
            double directCpu = 0;
            double a2aCpu = 0;
            for (int r = 0; r <= rounds; r++) {
                // round 0 warms both up and is not counted; the order alternates
                for (int side = 0; side < 2; side++) {
                    boolean a2a = (r + side) % 2 == 0;
                    long cpu0 = os.getProcessCpuTime();
                    double[] ms = new double[turns];
                    for (int i = 0; i < turns; i++) {
                        long t0 = System.nanoTime();
                        if (a2a) {
                            JsonNode t = send(http, server.uri(), context);
                            if (!t.path("status").path("state").asText().equals("completed")) {
                                throw new IllegalStateException("A2A turn: " + t);
                            }
                        } else if (direct.runTurn(TurnInput.text("turn")).status() != TurnOutcome.COMPLETED) {
                            throw new IllegalStateException("direct turn did not complete");
                        }
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                    }
                    double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / turns;
                    if (r > 0) {
                        Arrays.sort(ms);
                        (a2a ? a2aMs : directMs).add(ms[turns / 2]);
                        if (a2a) {
                            a2aCpu += cpuMs / rounds;
                        } else {
                            directCpu += cpuMs / rounds;
                        }
                    }
                }
            }
            System.out.printf("turn median ms, per round: direct %s, A2A %s%n", directMs, a2aMs);
            System.out.printf("turn median ms: direct %.1f, A2A %.1f (+%.1f ms); JVM CPU per turn: direct %.2f ms, A2A %.2f ms%n",
                    median(directMs), median(a2aMs), median(a2aMs) - median(directMs), directCpu, a2aCpu);
            long before = usedAfterGc();
            for (int i = 0; i < tasks; i++) {
                send(http, server.uri(), context);
            }
            long after = usedAfterGc();
            System.out.printf("heap per ended task kept: %.1f KiB (%d tasks)%n", (after - before) / 1024.0 / tasks, tasks);
        }
    }

    private static JsonNode send(HttpClient http, URI uri, String context) throws Exception {
        String message = "{\"role\":\"user\",\"messageId\":\"m\",\"parts\":[{\"kind\":\"text\",\"text\":\"turn\"}]"
                + (context == null ? "" : ",\"contextId\":\"" + context + "\"") + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":"
                        + message + "}}")).build(), HttpResponse.BodyHandlers.ofString());
        return MAPPER.readTree(r.body()).path("result");
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }
}
