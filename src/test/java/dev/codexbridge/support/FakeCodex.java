package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.MemoryPipe;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RequestHandler;
import dev.codexbridge.transport.CodexTransport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * An in-memory codex for session unit tests: a real {@link JsonRpcPeer} on the server side of
 * memory pipes, answering initialize / thread/start / thread/resume / turn/start / turn/interrupt /
 * turn/steer, and a script run after each {@code turn/start} answer that sends what a test needs.
 * Everything the client sends is recorded for schema checks.
 */
public final class FakeCodex {
    public final List<JsonNode> received = new ArrayList<>();
    public final AtomicInteger opens = new AtomicInteger();
    public volatile String threadId = "thread-1";
    /** Each thread/start opens a new thread ("thread-1", "thread-2", …) instead of always {@link #threadId}. */
    public volatile boolean distinctThreads;
    /** With {@link #distinctThreads}: the id of the n-th thread started (a store needs ids as codex writes them). */
    public volatile java.util.function.IntFunction<String> threadNames = n -> "thread-" + n;
    private final AtomicInteger threadsStarted = new AtomicInteger();
    public volatile BiConsumer<FakeCodex, String> onTurnStart = (f, t) -> { };
    public volatile BiConsumer<FakeCodex, String> onInterrupt = (f, t) -> f.completeTurn(t, "interrupted", null);
    /** With {@link #distinctThreads}: run after each turn/start answer with (thread id, turn id). */
    public volatile BiConsumer<String, String> onThreadTurnStart = (thread, turn) -> { };
    public volatile boolean answerTurnStart = true;
    /** How thread/resume is answered for a thread id; null answers with the thread. */
    public volatile java.util.function.Function<String, CompletableFuture<JsonNode>> resumeAnswer;
    /** Run inside the turn/start handler, so what it sends reaches the client before the answer. */
    public volatile BiConsumer<FakeCodex, String> beforeTurnStartAnswer = (f, t) -> { };
    public volatile boolean answerInterrupt = true;
    /** How {@code thread/turns/list} and {@code thread/items/list} are answered (params in, result out); default: no data. */
    public volatile java.util.function.Function<JsonNode, JsonNode> turnsList = p -> Json.object().set("data", Json.nodes().arrayNode());
    public volatile java.util.function.Function<JsonNode, JsonNode> itemsList = p -> Json.object().set("data", Json.nodes().arrayNode());
    /** Answers {@code thread/read} (with the thread's id); replace it to hold answers back and send many at once. */
    public volatile Function<JsonNode, CompletableFuture<JsonNode>> onThreadRead = p -> CompletableFuture.completedFuture(thread(p.path("threadId").asText()));
    /** How {@code thread/revert} is answered (default: the thread, reverted). */
    public volatile Function<JsonNode, CompletableFuture<JsonNode>> onRevert = p -> CompletableFuture.completedFuture(
            thread(p.path("threadId").asText()));
    public volatile long scriptDelayMs = 20;
    /** What {@code initialize} answers as codex's user agent (its version after the slash). */
    public volatile String userAgent = "fake/0.169.0";
    /** When set, when {@code initialize} is answered (the answer itself is always the same): to hold a handshake open. */
    public volatile CompletableFuture<Void> initializeWhen;
    /** How {@code thread/unsubscribe} is answered (thread id in); default: at once, unsubscribed. */
    public volatile Function<String, CompletableFuture<JsonNode>> unsubscribeAnswer =
            id -> CompletableFuture.completedFuture(Json.object().put("status", "unsubscribed"));
    /** Answers {@code thread/loaded/list} (params in) in place of {@link #loaded}, when set: to hold an answer back. */
    public volatile Function<JsonNode, CompletableFuture<JsonNode>> onLoadedList;
    /** The thread ids {@code thread/loaded/list} answers with. */
    public final java.util.Set<String> loaded = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicInteger turns = new AtomicInteger();
    private final ExecutorService scripts = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-codex-script");
        t.setDaemon(true);
        return t;
    });
    private volatile JsonRpcPeer server;
    private volatile BreakableOutput latestClientOut;

    /** The client's end of a connection, whose writes can be made to fail as a pipe's do once its reader died. */
    private static final class BreakableOutput extends java.io.FilterOutputStream {
        volatile boolean broken;

        BreakableOutput(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (broken) {
                throw new IOException("Broken pipe");
            }
            out.write(b, off, len);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    /**
     * The latest connection's client can no longer write to it, as to a pipe whose reader (codex)
     * died before the client read its end: its next message fails to go out, nothing of it arrives.
     */
    public void breakClientWrites() {
        latestClientOut.broken = true;
    }
    private volatile MemoryPipe toClient;
    /** Runs as a connection is closed, before it ends: a process slow to exit blocks here. */
    public volatile Runnable onClose = () -> { };

    public CodexTransport.Factory factory() {
        return this::open;
    }

    private CodexTransport open(InboundSink sink) {
        opens.incrementAndGet();
        MemoryPipe down = new MemoryPipe();
        MemoryPipe up = new MemoryPipe();
        toClient = down;
        BreakableOutput clientOut = new BreakableOutput(up.output());
        latestClientOut = clientOut;
        JsonRpcPeer client = JsonRpcPeer.builder(down.input(), clientOut).name("client").inbound(sink).build().start();
        server = JsonRpcPeer.builder(up.input(), down.output()).name("fake-codex")
                .wireTap(new dev.codexbridge.rpc.WireTap() {
                    @Override
                    public void outgoing(byte[] line) {
                    }

                    @Override
                    public void incoming(byte[] buffer, int length) {
                        synchronized (received) {
                            try {
                                received.add(Json.mapper().readTree(buffer, 0, length));
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    }
                })
                .handler("initialize", r -> {
                    JsonNode answer = Json.object().put("userAgent", userAgent).put("codexHome", "/tmp");
                    CompletableFuture<Void> when = initializeWhen;
                    return when == null ? CompletableFuture.completedFuture(answer) : when.thenApply(v -> answer);
                })
                .handler("thread/start", RequestHandler.sync(p -> distinctThreads ? thread(threadNames.apply(threadsStarted.incrementAndGet())) : thread()))
                .handler("thread/resume", r -> {
                    String id = r.params().path("threadId").asText(threadId);
                    java.util.function.Function<String, CompletableFuture<JsonNode>> answer = resumeAnswer;
                    return answer == null ? CompletableFuture.completedFuture(thread(id)) : answer.apply(id);
                })
                .handler("turn/start", this::turnStart)
                .handler("thread/turns/list", RequestHandler.sync(p -> turnsList.apply(p)))
                .handler("thread/items/list", RequestHandler.sync(p -> itemsList.apply(p)))
                .handler("turn/interrupt", r -> {
                    if (!answerInterrupt) {
                        return new CompletableFuture<>();
                    }
                    String turn = r.params().path("turnId").asText();
                    scripts.execute(() -> onInterrupt.accept(this, turn));
                    return CompletableFuture.completedFuture(Json.object());
                })
                .handler("turn/steer", RequestHandler.sync(p -> Json.object().put("turnId", p.path("expectedTurnId").asText())))
                .handler("thread/read", r -> onThreadRead.apply(r.params()))
                .handler("thread/revert", r -> onRevert.apply(r.params()))
                .handler("thread/unsubscribe", r -> unsubscribeAnswer.apply(r.params().path("threadId").asText()))
                .handler("thread/loaded/list", r -> {
                    Function<JsonNode, CompletableFuture<JsonNode>> answer = onLoadedList;
                    if (answer != null) {
                        return answer.apply(r.params());
                    }
                    ObjectNode list = Json.object();
                    loaded.forEach(list.putArray("data")::add);
                    return CompletableFuture.completedFuture(list);
                })
                .build().start();
        // this connection's own peers: closing an earlier connection must not end a later one (the field moves on)
        JsonRpcPeer own = server;
        return CodexTransport.inMemory(client, "the fake codex", () -> {
            onClose.run();
            client.close();
            own.close();
        });
    }

    private JsonNode thread() {
        return thread(threadId);
    }

    /** A {@code thread/start} or {@code thread/resume} answer naming {@code id}. */
    public static JsonNode thread(String id) {
        ObjectNode r = Json.object();
        r.putObject("thread").put("id", id);
        return r;
    }

    private CompletableFuture<JsonNode> turnStart(dev.codexbridge.rpc.JsonRpcMessage.Request r) {
        String turnId = "turn-" + turns.incrementAndGet();
        String thread = r.params().path("threadId").asText(threadId);
        if (!answerTurnStart) {
            return new CompletableFuture<>();
        }
        beforeTurnStartAnswer.accept(this, turnId);
        ObjectNode result = Json.object();
        result.putObject("turn").put("id", turnId).put("status", "inProgress");
        scripts.execute(() -> {
            sleep(scriptDelayMs);
            if (distinctThreads) {
                onThreadTurnStart.accept(thread, turnId);
            } else {
                onTurnStart.accept(this, turnId);
            }
        });
        return CompletableFuture.completedFuture(result);
    }

    // ------------------------------------------------------------ what scripts send

    public void notify(String method, String paramsJson) {
        server.notify(method, Json.parse(paramsJson));
    }

    public CompletableFuture<JsonNode> request(String method, String paramsJson) {
        return server.request(method, Json.parse(paramsJson), java.time.Duration.ofSeconds(30));
    }

    public void item(String method, String turnId, String itemJson) {
        ObjectNode p = Json.object().put("threadId", threadId).put("turnId", turnId);
        p.set("item", Json.parse(itemJson));
        server.notify(method, p);
    }

    /** A notification for {@code thread}, with {@code turnId} when not null. */
    public void notifyThread(String method, String thread, String turnId, String extraJson) {
        ObjectNode p = extraJson == null ? Json.object() : (ObjectNode) Json.parse(extraJson);
        p.put("threadId", thread);
        if (turnId != null) {
            p.put("turnId", turnId);
        }
        server.notify(method, p);
    }

    public void completeThreadTurn(String thread, String turnId, String status) {
        ObjectNode p = Json.object().put("threadId", thread);
        p.putObject("turn").put("id", turnId).put("status", status).putNull("error");
        server.notify("turn/completed", p);
    }

    public void agentMessage(String turnId, String text) {
        item("item/completed", turnId, Json.write(Json.object().put("type", "agentMessage").put("id", "msg-" + turnId).put("text", text)));
    }

    public void completeTurn(String turnId, String status, String errorJson) {
        ObjectNode p = Json.object().put("threadId", threadId);
        ObjectNode turn = p.putObject("turn").put("id", turnId).put("status", status);
        turn.set("error", errorJson == null ? Json.nodes().nullNode() : Json.parse(errorJson));
        server.notify("turn/completed", p);
    }

    /** Writes one JSON-RPC message as it is (say, a request under an id codex used before) on the current connection. */
    public void sendRaw(String json) {
        try {
            toClient.output().write((json + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            toClient.output().flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** codex's end of the connection closes, as when the process dies. */
    public void die() {
        try {
            toClient.output().close();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<JsonNode> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** Stops the script threads (the soak test counts threads). */
    public void shutdown() {
        scripts.shutdownNow();
    }

    public static void sleep(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
