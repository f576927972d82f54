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
import dev.codexbridge.rpc.WireTap;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
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
 *
 * <p>The streamed contenders' time to the first delta is taken apart at codex's wire: from the
 * call to {@code turn/start} written, from there to codex's first agent-message delta read, and
 * from that read to the caller's first delta, so that what the door adds is told from codex's own
 * time for the turn. One more streamed contender speaks HTTP/1.1 over a plain socket, so that the
 * door's share is told from an HTTP client library's.
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
        WireClock wire = new WireClock();
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"));
             CodexClient codex = CodexClient.builder().wireTap(wire).process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
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
                    wire.split("direct-stream", t0, first[0]);
                });
                contenders.put("responses-stream", streamed(client, firstDelta, wire));
                contenders.put("raw-stream", rawStreamed(door.uri().resolve("/v1/responses"), firstDelta, wire));
                contenders.put("socket-stream", new SocketStream(door.uri(), firstDelta, wire));
                contenders.put("chat-2", chat(client, 2));
                contenders.put("chat-" + history, chat(client, history));
                Map<String, Double> cpu = StoreContenders.alternate(contenders, turns, rounds, false, os);
                System.out.printf("JVM CPU per turn (ms, the door and the SDK client together): %s%n", cpu);
                firstDelta.forEach((name, ms) -> System.out.printf("%-18s time to the first text delta: median %.1f ms over %d turns "
                        + "(warm-up included)%n", name, StoreContenders.median(ms), ms.size()));
                wire.report();
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
    private static StoreContenders.Turn streamed(OpenAIClient client, Map<String, List<Double>> firstDelta, WireClock wire) {
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
            wire.split("responses-stream", t0, first);
        };
    }

    /**
     * The same stream read as bytes by the JDK's HTTP client, without an SDK parsing every event
     * into its model: what the door adds before the first delta, apart from the client's own cost.
     */
    private static StoreContenders.Turn rawStreamed(java.net.URI responses, Map<String, List<Double>> firstDelta, WireClock wire) {
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
            wire.split("raw-stream", t0, first);
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

    /**
     * When the last {@code turn/start} went on codex's wire and when codex's first agent-message
     * delta after it was read (one turn at a time in this bench), and each streamed contender's
     * time to its first delta split at those two points. What each contender wrote to codex during
     * its last turn is kept too: the door must ask codex for what the direct session asks.
     */
    private static final class WireClock implements WireTap {
        private static final byte[] TURN_START = "\"method\":\"turn/start\"".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] DELTA = "\"method\":\"item/agentMessage/delta\"".getBytes(StandardCharsets.US_ASCII);
        private static final java.util.regex.Pattern METHOD = java.util.regex.Pattern.compile("\"method\":\"([^\"]+)\"");
        private volatile long turnStartWritten;
        private volatile long firstDeltaRead;
        private final List<String> writtenSince = new ArrayList<>();
        private final Map<String, String> writtenInTurn = new LinkedHashMap<>();
        private final Map<String, List<double[]>> splits = new LinkedHashMap<>();

        @Override
        public void outgoing(byte[] message) {
            java.util.regex.Matcher m = METHOD.matcher(new String(message, 0, Math.min(message.length, 120), StandardCharsets.UTF_8));
            synchronized (this) {
                writtenSince.add(m.find() ? m.group(1) : "(an answer)");
            }
            if (contains(message, message.length, TURN_START)) {
                firstDeltaRead = 0;
                turnStartWritten = System.nanoTime();
            }
        }

        @Override
        public void incoming(byte[] buffer, int length) {
            if (firstDeltaRead == 0 && contains(buffer, Math.min(length, 256), DELTA)) {
                firstDeltaRead = System.nanoTime();
            }
        }

        synchronized void split(String contender, long called, long callersFirst) {
            splits.computeIfAbsent(contender, k -> new ArrayList<>()).add(new double[] {(turnStartWritten - called) / 1e6,
                (firstDeltaRead - turnStartWritten) / 1e6, (callersFirst - firstDeltaRead) / 1e6});
            writtenInTurn.put(contender, String.join(" ", writtenSince));
            writtenSince.clear();
        }

        synchronized void report() {
            splits.forEach((name, rows) -> {
                double[] medians = new double[3];
                for (int i = 0; i < 3; i++) {
                    int column = i;
                    medians[i] = StoreContenders.median(rows.stream().map(r -> r[column]).toList());
                }
                System.out.printf("%-18s to the first delta, medians: the call to turn/start written %.2f ms, codex's turn/start to its "
                        + "first delta read %.2f ms, that read to the caller's delta %.2f ms; written to codex in its last turn: %s%n",
                        name, medians[0], medians[1], medians[2], writtenInTurn.get(name));
            });
        }

        private static boolean contains(byte[] haystack, int length, byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (haystack[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }
    }

    /**
     * The streamed turn over a plain socket kept alive across turns: HTTP/1.1 written and read by
     * hand, no client library's threads between the bytes and the clock. What the door adds, with
     * as little of a client's own cost as an HTTP caller can have.
     */
    private static final class SocketStream implements StoreContenders.Turn {
        private static final String DELTA = "event: response.output_text.delta";
        private static final String COMPLETED = "\"type\":\"response.completed\"";
        private final java.net.URI door;
        private final Map<String, List<Double>> firstDelta;
        private final WireClock wire;
        private java.net.Socket socket;
        private String last;

        SocketStream(java.net.URI door, Map<String, List<Double>> firstDelta, WireClock wire) {
            this.door = door;
            this.firstDelta = firstDelta;
            this.wire = wire;
        }

        @Override
        public void run() throws Exception {
            if (socket == null) {
                socket = new java.net.Socket(door.getHost(), door.getPort());
                socket.setTcpNoDelay(true);
            }
            String body = "{\"model\":\"codex\",\"input\":\"turn\",\"stream\":true"
                    + (last == null ? "" : ",\"previous_response_id\":\"" + last + "\"") + "}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            byte[] request = ("POST /v1/responses HTTP/1.1\r\nHost: " + door.getHost() + ":" + door.getPort() + "\r\nAuthorization: Bearer "
                    + KEY + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            java.io.InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buffer = new byte[16384];
            long first = 0;
            // chunked: the stream ends with the zero-length chunk; the SSE lines are looked for in the raw bytes
            while (seen.indexOf("\r\n0\r\n\r\n") < 0) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IllegalStateException("the door closed the connection mid-stream");
                }
                int from = Math.max(0, seen.length() - DELTA.length());
                seen.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                if (first == 0 && seen.indexOf(DELTA, from) >= 0) {
                    first = System.nanoTime();
                }
            }
            int completed = seen.indexOf(COMPLETED);
            if (completed < 0) {
                throw new IllegalStateException("the stream ended without response.completed");
            }
            int id = seen.indexOf("\"id\":\"resp_", completed);
            last = seen.substring(id + 6, seen.indexOf("\"", id + 6));
            firstDelta.computeIfAbsent("socket-stream", k -> new ArrayList<>()).add((first - t0) / 1e6);
            wire.split("socket-stream", t0, first);
        }
    }
}
