package dev.codexbridge.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RequestHandler;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.testkit.MemoryPipe;
import dev.codexbridge.transport.CodexTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An in-memory app-server whose {@code fs/*} methods work on a real folder, as codex's do (absolute
 * paths only, "os error 2" for a missing file), whose {@code thread/read} answers from {@link
 * #threads}, and which records every method called; {@link #onWrite} may change what a write
 * stores, to test the read-back checks.
 */
final class FsCodex {
    final Path home;
    /** Thread id → the thread as {@code thread/read} answers it. */
    final Map<String, ObjectNode> threads = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<JsonNode> nameAndGoalSets = new CopyOnWriteArrayList<>();
    /** What a write to a path stores, given what was sent. */
    volatile Function<String, UnaryOperator<byte[]>> onWrite = path -> UnaryOperator.identity();
    /** Runs after each {@code fs/readFile} has read its file, before the answer is sent. */
    volatile Consumer<Path> afterRead = path -> { };

    FsCodex(Path home) {
        this.home = home;
    }

    CodexClient connect() {
        return CodexClient.builder().transport(this::open).connect();
    }

    /** A thread whose current rollout is {@code sessions/<relative>}. */
    ObjectNode thread(String id, String relative, Long createdAt, String forkedFromId) {
        ObjectNode t = Json.object().put("id", id).put("path", home.resolve("sessions").resolve(relative).toString());
        if (createdAt != null) {
            t.put("createdAt", createdAt);
        }
        if (forkedFromId != null) {
            t.put("forkedFromId", forkedFromId);
        }
        threads.put(id, t);
        return t;
    }

    Path write(String relative, String text) throws IOException {
        Path file = home.resolve("sessions").resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    List<Path> filesUnderSessions() throws IOException {
        try (Stream<Path> all = Files.walk(home.resolve("sessions"))) {
            return all.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private CodexTransport open(dev.codexbridge.rpc.InboundSink sink) {
        MemoryPipe down = new MemoryPipe();
        MemoryPipe up = new MemoryPipe();
        JsonRpcPeer client = JsonRpcPeer.builder(down.input(), up.output()).name("client").inbound(sink).build().start();
        JsonRpcPeer server = JsonRpcPeer.builder(up.input(), down.output()).name("fs-codex")
                .handler("initialize", RequestHandler.sync(p -> Json.object().put("userAgent", "fake/0.169.0")
                        .put("codexHome", home.toString()).put("platformFamily", "unix")))
                .handler("thread/read", fs("thread/read", p -> {
                    ObjectNode thread = threads.get(p.path("threadId").asText());
                    if (thread == null) {
                        throw new RpcException("thread/read", new RpcError(RpcError.INVALID_REQUEST, "thread not found", null));
                    }
                    return Json.object().set("thread", thread);
                }))
                .handler("thread/name/set", fs("thread/name/set", this::recorded))
                .handler("thread/goal/set", fs("thread/goal/set", this::recorded))
                .handler("fs/readFile", fs("fs/readFile", p -> {
                    Path file = path(p, "path");
                    String data = Base64.getEncoder().encodeToString(Files.readAllBytes(file));
                    afterRead.accept(file);
                    return Json.object().put("dataBase64", data);
                }))
                .handler("fs/writeFile", fs("fs/writeFile", p -> {
                    Path target = path(p, "path");
                    Files.write(target, onWrite.apply(target.toString()).apply(Base64.getDecoder().decode(p.path("dataBase64").asText())));
                    return Json.object();
                }))
                .handler("fs/createDirectory", fs("fs/createDirectory", p -> {
                    Files.createDirectories(path(p, "path"));
                    return Json.object();
                }))
                .handler("fs/readDirectory", fs("fs/readDirectory", p -> {
                    ObjectNode answer = Json.object();
                    ArrayNode entries = answer.putArray("entries");
                    try (Stream<Path> list = Files.list(path(p, "path"))) {
                        list.sorted().forEach(e -> entries.addObject().put("fileName", e.getFileName().toString())
                                .put("isDirectory", Files.isDirectory(e)).put("isFile", Files.isRegularFile(e)));
                    }
                    return answer;
                }))
                .handler("fs/copy", fs("fs/copy", p -> {
                    Path target = path(p, "destinationPath");
                    Files.copy(path(p, "sourcePath"), target, StandardCopyOption.REPLACE_EXISTING);
                    byte[] copied = Files.readAllBytes(target);
                    Files.write(target, onWrite.apply(target.toString()).apply(copied));
                    return Json.object();
                }))
                .handler("fs/remove", fs("fs/remove", p -> {
                    Path target = path(p, "path");
                    if (Files.isDirectory(target)) {
                        throw new IllegalStateException("the library removes only files");
                    }
                    Files.deleteIfExists(target);
                    return Json.object();
                }))
                .build().start();
        return CodexTransport.inMemory(client, "the fs codex", () -> {
            client.close();
            server.close();
        });
    }

    private JsonNode recorded(JsonNode params) {
        nameAndGoalSets.add(params);
        return Json.object();
    }

    private interface Body {
        JsonNode apply(JsonNode params) throws Exception;
    }

    private RequestHandler fs(String method, Body body) {
        return request -> {
            calls.add(method);
            try {
                return java.util.concurrent.CompletableFuture.completedFuture(body.apply(request.params()));
            } catch (NoSuchFileException e) {
                throw new RpcException(method, new RpcError(RpcError.INTERNAL_ERROR, "No such file or directory (os error 2)", null));
            }
        };
    }

    private static Path path(JsonNode params, String field) {
        Path p = Path.of(params.path(field).asText());
        if (!p.isAbsolute()) {
            throw new RpcException("fs", new RpcError(RpcError.INVALID_REQUEST, "AbsolutePathBuf deserialized without a base path", null));
        }
        return p;
    }
}
