package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexConnection;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.protocol.InitializeCapabilities;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.rpc.Inbox;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Drives one turn of the real codex over a raw {@link CodexConnection} (the session layer does
 * this for real hosts): start codex in an isolated home, open a thread, start a turn, collect
 * every notification until {@code turn/completed}, and answer server requests with a callback.
 */
public final class LiveTurn implements AutoCloseable {
    private static final Duration RPC = Duration.ofSeconds(30);

    private final CodexConnection conn;
    private final Inbox inbox = new Inbox();
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    private final Path work;
    private String threadId;
    private final List<java.util.Map.Entry<String, JsonNode>> answers = new ArrayList<>();

    public LiveTurn(Path codex, ScriptedModelServer model, Path tmp, Consumer<IsolatedCodexHome.Builder> home) throws Exception {
        IsolatedCodexHome.Builder b = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl());
        home.accept(b);
        Path codexHome = b.write();
        this.work = Files.createDirectories(tmp.resolve("work"));
        this.conn = CodexConnection.open(CodexLaunch.appServer(codex).codexHome(codexHome).workingDirectory(work).build(),
                peer -> peer.inbound(inbox).wireTap(wire));
        dev.codexbridge.support.RawHandshake.initialize(conn, new InitializeParams(
                new InitializeCapabilities(true, null, null, null, null, null, null),
                new ClientInfo("codex_bridge_test", null, "0")), RPC);
    }

    public String threadId() {
        return threadId;
    }

    public Path work() {
        return work;
    }

    public CodexConnection connection() {
        return conn;
    }

    public WireSchema.Recorder wire() {
        return wire;
    }

    /** {@code thread/start} with {@code cwd} plus {@code extra} params. */
    public String startThread(Consumer<ObjectNode> extra) {
        ObjectNode params = Json.object().put("cwd", work.toString());
        extra.accept(params);
        threadId = conn.call(ClientRequests.THREAD_START.method(), params, RPC).path("thread").path("id").asText();
        return threadId;
    }

    /**
     * Runs a turn with {@code text}; {@code answer} maps each server request (method, params) to a
     * result, or to null for a {@code -32601} error. Returns everything received, in order.
     */
    public Result runTurn(String text, BiFunction<String, JsonNode, Object> answer) throws InterruptedException {
        return runTurn(text, answer, (m, turnId) -> { });
    }

    /** Like {@link #runTurn(String, BiFunction)}, showing each message and the turn id to {@code observer}. */
    public Result runTurn(String text, BiFunction<String, JsonNode, Object> answer,
                          java.util.function.BiConsumer<JsonRpcMessage.Inbound, String> observer) throws InterruptedException {
        if (threadId == null) {
            startThread(p -> { });
        }
        ObjectNode turn = Json.object().put("threadId", threadId);
        turn.putArray("input").addObject().put("type", "text").put("text", text);
        String turnId = conn.call(ClientRequests.TURN_START.method(), turn, RPC).path("turn").path("id").asText();
        List<JsonRpcMessage.Inbound> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonRpcMessage.Inbound m = inbox.poll(Duration.ofMillis(500));
            if (m == null) {
                continue;
            }
            seen.add(m);
            observer.accept(m, turnId);
            if (m instanceof JsonRpcMessage.Request r) {
                Object result = answer.apply(r.method(), r.params());
                if (result == null) {
                    conn.peer().respondError(r.id(), new RpcError(RpcError.METHOD_NOT_FOUND, "not handled by the test"));
                } else {
                    JsonNode node = Json.tree(result);
                    answers.add(java.util.Map.entry(r.method(), node));
                    conn.peer().respond(r.id(), node);
                }
            } else if (m.method().equals(ServerNotifications.TURN_COMPLETED.method())) {
                return new Result(seen);
            }
        }
        throw new AssertionError("no turn/completed within 60 s; saw " + new Result(seen).methods());
    }

    /** Every (server method, result) this driver answered, in order. */
    public List<java.util.Map.Entry<String, JsonNode>> answers() {
        return List.copyOf(answers);
    }

    @Override
    public void close() {
        conn.close();
    }

    /** What one turn delivered. */
    public record Result(List<JsonRpcMessage.Inbound> messages) {
        public List<String> methods() {
            return messages.stream().map(JsonRpcMessage.Inbound::method).toList();
        }

        public JsonNode completedTurn() {
            return messages.get(messages.size() - 1).params().path("turn");
        }

        public List<JsonNode> params(String method) {
            return messages.stream().filter(m -> m.method().equals(method)).map(JsonRpcMessage.Inbound::params).toList();
        }

        /** Completed items of {@code type}. */
        public List<JsonNode> completedItems(String type) {
            return params(ServerNotifications.ITEM_COMPLETED.method()).stream().map(p -> p.path("item"))
                    .filter(i -> i.path("type").asText().equals(type)).toList();
        }

        public Optional<JsonRpcMessage.Request> request(String method) {
            return messages.stream().filter(m -> m instanceof JsonRpcMessage.Request && m.method().equals(method))
                    .map(m -> (JsonRpcMessage.Request) m).findFirst();
        }
    }
}
