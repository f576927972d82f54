package dev.codexbridge.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.codexbridge.CodexException;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.transcript.CanonicalJson;
import dev.codexbridge.transport.CodexTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import dev.codexbridge.client.CodexClient;

/**
 * A fake codex that replays a recorded fixture over in-memory pipes, with no process: it sends
 * what the fixture says codex sent, waits for what the client must send and checks it (method and
 * params; request ids are remapped; the client's message is normalized like the recording). A
 * mismatch stops the replay, ends the connection, and is reported with a readable diff.
 *
 * <pre>{@code
 * FixtureReplayer replay = FixtureReplayer.load(Path.of("fixtures/simple-turn.jsonl"));
 * try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(replay.transport()).options()).cwd(Path.of("/work")).build()) {
 *     s.runTurn(TurnInput.text("…"));
 * }
 * replay.assertReplayed();
 * }</pre>
 * Connection {@code n} of the fixture is replayed by the n-th {@code open} of {@link #transport()}.
 */
public final class FixtureReplayer {
    /** How long the replayer waits for the client's next message. */
    public static final Duration CLIENT_WAIT = Duration.ofSeconds(15);

    private record Event(int conn, boolean in, JsonNode msg, int line) {
    }

    private final Path file;
    private final JsonNode header;
    private final List<Event> events;
    private final List<String> failures = new ArrayList<>();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger consumed = new AtomicInteger();
    private final List<Thread> drivers = new ArrayList<>();

    private FixtureReplayer(Path file, JsonNode header, List<Event> events) {
        this.file = file;
        this.header = header;
        this.events = events;
    }

    public static FixtureReplayer load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture " + file, e);
        }
        if (lines.isEmpty()) {
            throw new CodexException(file + " is empty; a fixture starts with a header line");
        }
        JsonNode header = Json.parse(lines.get(0));
        List<Event> events = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode l = Json.parse(lines.get(i));
            events.add(new Event(l.path("conn").asInt(0), "in".equals(l.path("dir").asText()), l.get("msg"), i + 1));
        }
        return new FixtureReplayer(file, header, events);
    }

    public JsonNode header() {
        return header;
    }

    public String scenario() {
        return header.path("scenario").asText();
    }

    public CodexTransport.Factory transport() {
        return this::open;
    }

    /** Mismatches found so far (empty when the client did exactly what the fixture says). */
    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** Waits for the replay to finish, then throws an {@link AssertionError} describing every mismatch or leftover. */
    public void assertReplayed() {
        for (Thread t : List.copyOf(drivers)) {
            try {
                t.join(CLIENT_WAIT.toMillis() + 5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<String> problems = new ArrayList<>(failures());
        if (failures().isEmpty() && consumed.get() < events.size()) {
            Event next = events.get(consumed.get());
            problems.add("replay stopped at line " + next.line() + " of " + file + " (" + (events.size() - consumed.get())
                    + " messages left); next expected: " + describe(next));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("fixture " + file.getFileName() + " did not replay:\n" + String.join("\n\n", problems));
        }
    }

    private CodexTransport open(InboundSink sink) {
        int conn = opened.getAndIncrement();
        List<Event> mine = events.stream().filter(e -> e.conn() == conn).toList();
        {
            MemoryPipe down = new MemoryPipe();
            MemoryPipe up = new MemoryPipe();
            OutputStream toClient = down.output();
            InputStream fromClient = up.input();
            JsonRpcPeer client = JsonRpcPeer.builder(down.input(), up.output()).name("replay-" + conn).inbound(sink).build();
            BlockingQueue<JsonNode> sent = new LinkedBlockingQueue<>();
            Thread reader = daemon("fixture-replay-reader-" + conn, () -> readClient(fromClient, sent));
            Thread driver = daemon("fixture-replay-" + conn, () -> drive(conn, mine, toClient, sent));
            synchronized (this) {
                drivers.add(driver);
            }
            client.start();
            reader.start();
            driver.start();
            return CodexTransport.inMemory(client, "the replayed codex connection " + conn, client::close);
        }
    }

    private void drive(int conn, List<Event> mine, OutputStream toClient, BlockingQueue<JsonNode> sent) {
        Map<String, JsonNode> ids = new HashMap<>();
        try (toClient) {
            for (Event e : mine) {
                if (e.in()) {
                    JsonNode msg = e.msg().deepCopy();
                    if (!msg.has("method") && msg.has("id")) {
                        JsonNode actual = ids.get(msg.get("id").toString());
                        if (actual != null) {
                            ((ObjectNode) msg).set("id", actual);
                        }
                    }
                    toClient.write((Json.write(msg) + "\n").getBytes(StandardCharsets.UTF_8));
                    toClient.flush();
                    consumed.incrementAndGet();
                    continue;
                }
                JsonNode actual = sent.poll(CLIENT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (actual == null) {
                    fail("line " + e.line() + ": the client sent nothing within " + CLIENT_WAIT.toSeconds()
                            + " s; next expected: " + describe(e) + "\n" + pretty(e.msg()));
                    return;
                }
                if (actual.isMissingNode()) {
                    fail("line " + e.line() + ": the client closed the connection; next expected: " + describe(e) + "\n" + pretty(e.msg()));
                    return;
                }
                JsonNode expected = e.msg();
                JsonNode comparableActual = new FixtureNormalizer().normalize(actual);
                if (!expected.has("trace") && comparableActual.has("trace")) {
                    // a traced client's W3C context, new on every run; fixtures are recorded untraced
                    comparableActual = ((ObjectNode) comparableActual).without("trace");
                }
                if (comparableActual.path("params").has("clientUserMessageId") && expected.path("params").isObject()) {
                    // the turn's key is new on every run: compared by its presence only (a fixture recorded
                    // before turns were keyed has none)
                    ObjectNode copy = comparableActual.deepCopy();
                    JsonNode recordedKey = expected.path("params").get("clientUserMessageId");
                    if (recordedKey == null) {
                        ((ObjectNode) copy.get("params")).remove("clientUserMessageId");
                    } else {
                        ((ObjectNode) copy.get("params")).set("clientUserMessageId", recordedKey);
                    }
                    comparableActual = copy;
                }
                boolean request = expected.has("method") && expected.has("id");
                if (request) {
                    ids.put(expected.get("id").toString(), actual.get("id"));
                    comparableActual = withoutId(comparableActual);
                    expected = withoutId(expected);
                }
                if (!expected.equals(comparableActual)) {
                    fail("line " + e.line() + " of " + file.getFileName() + ": the client sent something else than recorded\n"
                            + diff(expected, comparableActual));
                    return;
                }
                consumed.incrementAndGet();
            }
        } catch (IOException e) {
            // the client closed its side: whatever is left unconsumed is reported by assertReplayed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void readClient(InputStream in, BlockingQueue<JsonNode> sent) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    sent.add(Json.parse(line));
                }
            }
        } catch (IOException e) {
            // pipe closed
        }
        sent.add(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    }

    private synchronized void fail(String message) {
        failures.add(message);
    }

    private static JsonNode withoutId(JsonNode msg) {
        ObjectNode copy = (ObjectNode) msg.deepCopy();
        copy.remove("id");
        return copy;
    }

    private static String describe(Event e) {
        JsonNode m = e.msg();
        String kind = m.has("method") ? (m.has("id") ? "request " : "notification ") + m.get("method").asText()
                : "answer to request " + m.path("id");
        return (e.in() ? "codex → client " : "client → codex ") + kind;
    }

    private static final ObjectWriter PRETTY = Json.mapper().writer().with(SerializationFeature.INDENT_OUTPUT)
            .with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private static String pretty(JsonNode n) {
        try {
            return PRETTY.writeValueAsString(CanonicalJson.sorted(n));
        } catch (IOException e) {
            return n.toString();
        }
    }

    /** A unified diff of expected (recorded) against actual (sent), both pretty-printed with sorted keys. */
    static String diff(JsonNode expected, JsonNode actual) {
        List<String> a = pretty(expected).lines().toList();
        List<String> b = pretty(actual).lines().toList();
        return String.join("\n", UnifiedDiffUtils.generateUnifiedDiff("recorded", "sent", a, DiffUtils.diff(a, b), 3));
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
