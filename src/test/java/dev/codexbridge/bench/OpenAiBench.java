package dev.codexbridge.bench;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageParam;
import com.openai.models.chat.completions.ChatCompletionUserMessageParam;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.openai.OpenAiServer;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A turn through the OpenAI door (openai-java over loopback, in the same JVM) against the same turn
 * on a {@link CodexSession} driven directly: the same codex app-server, home and scripted model
 * ("ok" to every request), blocks of the contenders alternating, round 0 a warm-up. The
 * contenders: the direct session, whole and streamed (the first agent-message delta timed); the
 * Responses API by {@code previous_response_id}, whole and streamed (the first
 * {@code response.output_text.delta} timed), by openai-java and by the JDK's HTTP client reading
 * the bytes; Chat Completions re-sending the whole history, from a
 * history of 2 messages and from one of HISTORY. Run with {@code bin/bench openai [TURNS] [ROUNDS] [HISTORY]}.
 */
public final class OpenAiBench {
    private static final String KEY = "bench-key-0123456789abcdef";

    private OpenAiBench() {
    }

    public static void main(String[] args) throws Exception {
        int turns = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int history = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        Path tmp = Files.createTempDirectory("codex-bridge-openai-bench-");
        Path work = Files.createDirectories(tmp.resolve("work"));
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<String, List<Double>> firstDelta = new LinkedHashMap<>();
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"));
             CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                     .codexHome(IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write()).build()).connect();
             CodexSession direct = CodexSession.builder().client(codex).cwd(work).build();
             CodexSession directStreamed = CodexSession.builder().client(codex).cwd(work).build();
             OpenAiServer door = OpenAiServer.builder().gateway(CodexGateway.builder().client(codex).configure(b -> b.cwd(work)).build())
                     .authenticator(BearerTokens.of(Map.of(KEY, "bench"))).conversations(10, 10).start()) {
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(door.uri() + "v1").apiKey(KEY).maxRetries(0)
                    .timeout(Duration.ofSeconds(120)).build();
            try {
                Map<String, StoreContenders.Turn> contenders = new LinkedHashMap<>();
                contenders.put("direct", () -> {
                    if (direct.runTurn(TurnInput.text("turn")).status() != TurnOutcome.COMPLETED) {
                        throw new IllegalStateException("direct turn did not complete");
                    }
                });
                contenders.put("responses", responses(client));
                contenders.put("direct-stream", () -> {
                    long t0 = System.nanoTime();
                    long[] first = {0};
                    directStreamed.runTurn(TurnInput.text("turn"), null, new TurnListener() {
                        @Override
                        public void onAgentMessageDelta(String itemId, String delta) {
                            if (first[0] == 0) {
                                first[0] = System.nanoTime();
                            }
                        }
                    });
                    firstDelta.computeIfAbsent("direct-stream", k -> new ArrayList<>()).add((first[0] - t0) / 1e6);
                });
                contenders.put("responses-stream", streamed(client, firstDelta));
                contenders.put("raw-stream", rawStreamed(door.uri().resolve("/v1/responses"), firstDelta));
                contenders.put("chat-2", chat(client, 2));
                contenders.put("chat-" + history, chat(client, history));
                Map<String, Double> cpu = StoreContenders.alternate(contenders, turns, rounds, false, os);
                System.out.printf("JVM CPU per turn (ms, the door and the SDK client together): %s%n", cpu);
                firstDelta.forEach((name, ms) -> System.out.printf("%-18s time to the first text delta: median %.1f ms over %d turns "
                        + "(warm-up included)%n", name, StoreContenders.median(ms), ms.size()));
            } finally {
                client.close();
            }
        }
    }

    /** Responses on one conversation: each turn continues the last by {@code previous_response_id}. */
    private static StoreContenders.Turn responses(OpenAIClient client) {
        String[] last = {null};
        return () -> {
            ResponseCreateParams.Builder p = ResponseCreateParams.builder().model("codex").input("turn");
            if (last[0] != null) {
                p.previousResponseId(last[0]);
            }
            Response r = client.responses().create(p.build());
            if (!r.status().map(s -> s.asString().equals("completed")).orElse(false)) {
                throw new IllegalStateException("responses turn: " + r.status());
            }
            last[0] = r.id();
        };
    }

    /** The same, streamed: the whole stream read, the first text delta's time kept. */
    private static StoreContenders.Turn streamed(OpenAIClient client, Map<String, List<Double>> firstDelta) {
        String[] last = {null};
        return () -> {
            ResponseCreateParams.Builder p = ResponseCreateParams.builder().model("codex").input("turn");
            if (last[0] != null) {
                p.previousResponseId(last[0]);
            }
            long t0 = System.nanoTime();
            long first = 0;
            String id = null;
            try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(p.build())) {
                for (ResponseStreamEvent e : (Iterable<ResponseStreamEvent>) stream.stream()::iterator) {
                    if (first == 0 && e.isOutputTextDelta()) {
                        first = System.nanoTime();
                    }
                    if (e.isCompleted()) {
                        id = e.asCompleted().response().id();
                    }
                }
            }
            if (id == null) {
                throw new IllegalStateException("the stream ended without response.completed");
            }
            last[0] = id;
            firstDelta.computeIfAbsent("responses-stream", k -> new ArrayList<>()).add((first - t0) / 1e6);
        };
    }

    /**
     * The same stream read as bytes by the JDK's HTTP client, without an SDK parsing every event
     * into its model: what the door adds before the first delta, apart from the client's own cost.
     */
    private static StoreContenders.Turn rawStreamed(java.net.URI responses, Map<String, List<Double>> firstDelta) {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String[] last = {null};
        return () -> {
            String body = "{\"model\":\"codex\",\"input\":\"turn\",\"stream\":true"
                    + (last[0] == null ? "" : ",\"previous_response_id\":\"" + last[0] + "\"") + "}";
            long t0 = System.nanoTime();
            long first = 0;
            String completed = null;
            java.net.http.HttpResponse<java.util.stream.Stream<String>> r = http.send(java.net.http.HttpRequest.newBuilder(responses)
                    .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofLines());
            try (java.util.stream.Stream<String> lines = r.body()) {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (first == 0 && line.equals("event: response.output_text.delta")) {
                        first = System.nanoTime();
                    }
                    if (line.startsWith("data: ") && line.contains("\"type\":\"response.completed\"")) {
                        completed = dev.codexbridge.json.Json.parse(line.substring(6)).path("response").path("id").asText();
                    }
                }
            }
            if (completed == null) {
                throw new IllegalStateException("the stream ended without response.completed");
            }
            last[0] = completed;
            firstDelta.computeIfAbsent("raw-stream", k -> new ArrayList<>()).add((first - t0) / 1e6);
        };
    }

    /**
     * Chat Completions as a chat front end sends them: the whole history every time, the door
     * recognising its conversation. It starts from {@code earlier} messages (a history the door
     * gives a new thread once), and grows by two each turn.
     */
    private static StoreContenders.Turn chat(OpenAIClient client, int earlier) {
        List<ChatCompletionMessageParam> messages = new ArrayList<>();
        for (int i = 0; i < earlier - 1; i++) {
            messages.add(i % 2 == 0 ? user("earlier question " + i) : assistant("earlier answer " + i));
        }
        if (earlier % 2 == 0) {
            messages.add(assistant("an earlier answer"));
        }
        return () -> {
            messages.add(user("turn"));
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("codex")
                    .messages(messages).build());
            messages.add(assistant(c.choices().get(0).message().content().orElse("")));
        };
    }

    private static ChatCompletionMessageParam user(String text) {
        return ChatCompletionMessageParam.ofUser(ChatCompletionUserMessageParam.builder().content(text).build());
    }

    private static ChatCompletionMessageParam assistant(String text) {
        return ChatCompletionMessageParam.ofAssistant(ChatCompletionAssistantMessageParam.builder().content(text).build());
    }
}
