package dev.codexbridge.pool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RequestHandler;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.testkit.MemoryPipe;
import dev.codexbridge.transport.CodexTransport;
import dev.codexbridge.transport.EndpointStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One in-memory app-server of a pool under test: real peers on memory pipes answering what the
 * pool and its sessions ask ({@code initialize}, {@code thread/start}, {@code thread/resume},
 * {@code thread/loaded/list} in pages, {@code thread/read}), with the faults a pool must live
 * with: a connect that hangs, questions never answered, a resume refused, a connection that dies.
 * Every message the client sends is recorded for the schema check.
 */
final class FakeAppServer {
    /** What codex 0.169 answers for a thread it has no file of. */
    static final String NO_ROLLOUT = "no rollout found for thread id %s";
    /** What codex 0.169 answers when another app-server process writes the thread. */
    static final String ACTIVE_WRITER = "thread %s already has an active writer";

    final String name;
    /** Thread ids {@code thread/loaded/list} answers, in order. */
    final List<String> loaded = new CopyOnWriteArrayList<>();
    /** Thread ids {@code thread/read} and {@code thread/resume} find; others: no rollout. */
    final Set<String> stored = ConcurrentHashMap.newKeySet();
    /** Ids per page of {@code thread/loaded/list}; 0: one page. */
    volatile int pageSize;
    /** {@code thread/loaded/list} and {@code thread/read} are never answered. */
    volatile boolean silent;
    volatile boolean ready = true;
    /** How a resume of a thread id is refused; null for none. */
    volatile Function<String, RpcError> resumeRefusal = id -> null;
    /** New connections are refused (a reconnect keeps trying), as while the process restarts. */
    volatile boolean refusing;
    /** Open until released: a connect waits here (an endpoint whose connect hangs). */
    volatile CountDownLatch connectGate = new CountDownLatch(0);
    private final AtomicInteger threads = new AtomicInteger();
    /** Readiness probes answered. */
    final AtomicInteger probes = new AtomicInteger();
    /** Connections open now: a pool that lets one go closes it. */
    final AtomicInteger openConnections = new AtomicInteger();
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
    /** The home's files as {@code fs/*} wrote them: path to base64 content. */
    private final Map<String, String> files = new ConcurrentHashMap<>();
    private volatile MemoryPipe toClient;

    FakeAppServer(String name) {
        this.name = name;
    }

    EndpointStatus readiness() {
        probes.incrementAndGet();
        return ready ? new EndpointStatus(true, 200, "/readyz answered HTTP 200") : new EndpointStatus(false, 0, "/readyz unreachable");
    }

    CodexClient connect(CodexClient.Builder b) {
        try {
            connectGate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return b.transport(this::open).connect();
    }

    /** How often the client asked {@code method}. */
    int asked(String method) {
        AtomicInteger n = asked.get(method);
        return n == null ? 0 : n.get();
    }

    List<JsonNode> received() {
        return new ArrayList<>(received);
    }

    /** This app-server's end of the connection closes, as when the process dies. */
    void die() {
        try {
            toClient.output().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CodexTransport open(InboundSink sink) {
        if (refusing) {
            throw new UncheckedIOException(new IOException("connection refused by " + name));
        }
        MemoryPipe down = new MemoryPipe();
        MemoryPipe up = new MemoryPipe();
        toClient = down;
        openConnections.incrementAndGet();
        JsonRpcPeer client = JsonRpcPeer.builder(down.input(), up.output()).name("client").inbound(sink).build().start();
        JsonRpcPeer server = JsonRpcPeer.builder(up.input(), down.output()).name(name)
                .wireTap(new WireTap() {
                    @Override
                    public void outgoing(byte[] line) {
                    }

                    @Override
                    public void incoming(byte[] buffer, int length) {
                        try {
                            JsonNode m = Json.mapper().readTree(buffer, 0, length);
                            received.add(m);
                            if (m.has("method")) {
                                asked.computeIfAbsent(m.path("method").asText(), k -> new AtomicInteger()).incrementAndGet();
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                })
                .handler("initialize", RequestHandler.sync(p -> Json.object().put("userAgent", "fake/0.169.0").put("codexHome", "/tmp")))
                .handler("thread/start", RequestHandler.sync(p -> {
                    String id = name + "-thread-" + threads.incrementAndGet();
                    loaded.add(id);
                    stored.add(id);
                    return thread(id);
                }))
                .handler("thread/resume", this::resume)
                .handler("thread/loaded/list", this::loadedList)
                .handler("thread/read", this::read)
                // as codex 0.171.0 does: a loaded thread is unloaded at once, and its record and files go
                .handler("thread/delete", RequestHandler.sync(p -> {
                    String id = p.path("threadId").asText();
                    loaded.remove(id);
                    stored.remove(id);
                    return Json.object();
                }))
                // a home in memory, enough for a conversation's lineage to be imported from a store
                .handler("fs/createDirectory", RequestHandler.sync(p -> Json.object()))
                .handler("fs/writeFile", RequestHandler.sync(p -> {
                    files.put(p.path("path").asText(), p.path("dataBase64").asText());
                    return Json.object();
                }))
                .handler("fs/readFile", r -> {
                    String data = files.get(r.params().path("path").asText());
                    return data == null ? CompletableFuture.failedFuture(new RpcException("fs/readFile",
                            new RpcError(RpcError.INVALID_REQUEST, "No such file or directory (os error 2)")))
                            : CompletableFuture.completedFuture(Json.object().put("dataBase64", data));
                })
                .handler("fs/copy", RequestHandler.sync(p -> {
                    String to = p.path("destinationPath").asText();
                    files.put(to, files.get(p.path("sourcePath").asText()));
                    if (to.endsWith(".jsonl") && to.length() > 42) {
                        stored.add(to.substring(to.length() - 42, to.length() - 6));     // rollout-…-<thread id>.jsonl
                    }
                    return Json.object();
                }))
                .handler("fs/remove", RequestHandler.sync(p -> {
                    files.remove(p.path("path").asText());
                    return Json.object();
                }))
                .build().start();
        AtomicInteger closes = new AtomicInteger();
        return CodexTransport.inMemory(client, "the fake app-server " + name, () -> {
            if (closes.getAndIncrement() == 0) {
                openConnections.decrementAndGet();
            }
            client.close();
            server.close();
        });
    }

    private CompletableFuture<JsonNode> resume(JsonRpcMessage.Request r) {
        String id = r.params().path("threadId").asText();
        RpcError refusal = resumeRefusal.apply(id);
        if (refusal == null && !stored.contains(id)) {
            refusal = new RpcError(RpcError.INVALID_REQUEST, NO_ROLLOUT.formatted(id));
        }
        if (refusal != null) {
            return CompletableFuture.failedFuture(new RpcException("thread/resume", refusal));
        }
        if (!loaded.contains(id)) {
            loaded.add(id);
        }
        return CompletableFuture.completedFuture(thread(id));
    }

    private CompletableFuture<JsonNode> loadedList(JsonRpcMessage.Request r) {
        if (silent) {
            return new CompletableFuture<>();
        }
        int from = r.params().path("cursor").isTextual() ? Integer.parseInt(r.params().path("cursor").asText()) : 0;
        List<String> all = List.copyOf(loaded);
        int to = pageSize <= 0 ? all.size() : Math.min(all.size(), from + pageSize);
        ObjectNode answer = Json.object();
        ArrayNode data = answer.putArray("data");
        all.subList(Math.min(from, all.size()), to).forEach(data::add);
        if (to < all.size()) {
            answer.put("nextCursor", Integer.toString(to));
        } else {
            answer.putNull("nextCursor");
        }
        return CompletableFuture.completedFuture(answer);
    }

    private CompletableFuture<JsonNode> read(JsonRpcMessage.Request r) {
        if (silent) {
            return new CompletableFuture<>();
        }
        String id = r.params().path("threadId").asText();
        if (!stored.contains(id)) {
            return CompletableFuture.failedFuture(new RpcException("thread/read",
                    new RpcError(RpcError.INVALID_REQUEST, NO_ROLLOUT.formatted(id))));
        }
        return CompletableFuture.completedFuture(thread(id));
    }

    private static JsonNode thread(String id) {
        ObjectNode r = Json.object();
        r.putObject("thread").put("id", id);
        return r;
    }

    /** The pool's way to these app-servers, by endpoint name. */
    static EndpointLink link(Map<String, FakeAppServer> servers) {
        return new EndpointLink() {
            @Override
            public EndpointStatus readiness(PoolEndpoint endpoint, Duration timeout) {
                return servers.get(endpoint.name()).readiness();
            }

            @Override
            public CodexClient connect(PoolEndpoint endpoint, CodexClient.Builder client) {
                return servers.get(endpoint.name()).connect(client);
            }
        };
    }
}
