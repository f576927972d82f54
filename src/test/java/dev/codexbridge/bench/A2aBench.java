package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codexbridge.a2a.A2aLimits;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.bench.StoreContenders.Turn;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A turn through the A2A server against the same turn on a {@link CodexSession} directly: the
 * same codex app-server, home and scripted model, one thread each, blocks of the two alternating.
 * The A2A turns are blocking {@code message/send}s from the JDK's HTTP client in the same JVM, so
 * the CPU per turn counts the client's share too. Then the heap each ended task holds while kept.
 * With STORES ({@code disk}, {@code postgres}), A2A servers whose gateway keeps each conversation in
 * that store (each turn stored; on PostgreSQL the tasks and contexts too) join the alternation.
 * Run with {@code bin/bench a2a [TURNS] [ROUNDS] [TASKS] [STORES] [fresh]}.
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
        // STORES: the A2A contenders on a conversation store beside the one without (none, disk, postgres; comma-separated)
        List<String> stores = List.of((args.length > 3 ? args[3] : "none").split(","));
        // fresh: each block of turns in a new context (a short rollout), else one context all along
        boolean fresh = args.length > 4 && args[4].equals("fresh");
        Path tmp = Files.createTempDirectory("codex-bridge-a2a-bench-");
        Path work = Files.createDirectories(tmp.resolve("work"));
        A2aLimits limits = A2aLimits.DEFAULTS.withTasksPerPrincipal(tasks + turns * (rounds + 1) * 2 + 10);
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"));
             CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                     .codexHome(IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write()).build()).connect();
             CodexSession direct = CodexSession.builder().client(codex).cwd(work).build();
             StoreContenders backing = StoreContenders.open(stores, tmp);
             A2aServer server = A2aServer.builder().tokens(BearerTokens.of(Map.of(TOKEN, "bench"))).limits(limits)
                     .gateway(CodexGateway.builder().client(codex).configure(b -> b.cwd(work)).build())
                     .start()) {
            HttpClient http = HttpClient.newHttpClient();
            Map<String, Turn> contenders = new LinkedHashMap<>();
            contenders.put("direct", () -> {
                if (direct.runTurn(TurnInput.text("turn")).status() != TurnOutcome.COMPLETED) {
                    throw new IllegalStateException("direct turn did not complete");
                }
            });
            contenders.put("A2A", a2aTurns(http, server.uri()));
            List<A2aServer> stored = new ArrayList<>();
            for (StoreContenders.Backing b : backing.all()) {
                A2aServer.Builder sb = A2aServer.builder().tokens(BearerTokens.of(Map.of(TOKEN, "bench"))).limits(limits)
                        .gateway(CodexGateway.builder().client(codex).storage(b.storage()).configure(c -> c.cwd(work)).build());
                if (b.dataSource() != null) {
                    sb.contexts(ContextStore.postgres(b.dataSource(), "bench", 10_000));
                }
                A2aServer s = sb.start();
                stored.add(s);
                contenders.put("A2A+" + b.name(), a2aTurns(http, s.uri()));
            }
            try {
                Map<String, Double> cpu = StoreContenders.alternate(contenders, turns, rounds, fresh, os);
                System.out.printf("JVM CPU per turn (ms): %s%n", cpu);
            } finally {
                stored.forEach(A2aServer::close);
            }
            long before = usedAfterGc();
            String context = send(http, server.uri(), null).path("contextId").asText();
            for (int i = 0; i < tasks; i++) {
                send(http, server.uri(), context);
            }
            long after = usedAfterGc();
            System.out.printf("heap per ended task kept: %.1f KiB (%d tasks)%n", (after - before) / 1024.0 / tasks, tasks);
        }
    }

    /** One blocking send after another into one context (the first send opens it). */
    private static Turn a2aTurns(HttpClient http, URI uri) {
        String[] context = {null};
        return new Turn() {
            @Override
            public void run() throws Exception {
                JsonNode t = send(http, uri, context[0]);
                if (!t.path("status").path("state").asText().equals("completed")) {
                    throw new IllegalStateException("A2A turn: " + t);
                }
                context[0] = t.path("contextId").asText();
            }

            @Override
            public void newConversation() {
                context[0] = null;
            }
        };
    }

    private static JsonNode send(HttpClient http, URI uri, String context) throws Exception {
        String message = "{\"role\":\"user\",\"messageId\":\"" + java.util.UUID.randomUUID() + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"turn\"}]"
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
}
