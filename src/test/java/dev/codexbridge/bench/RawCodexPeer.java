package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.process.CodexLaunch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bare JSON-RPC driver of one codex app-server for {@code bin/bench codex-memory}: the launch's
 * own command line and environment (the allocator setting included), started with
 * {@link ProcessBuilder}; requests answered as futures by id, each {@code turn/completed} by its
 * thread id, every server request accepted. No library, no validation, no timeouts but the
 * caller's.
 */
final class RawCodexPeer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final OutputStream out;
    private final Map<Long, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<String>> turnEnds = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    RawCodexPeer(CodexLaunch launch) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(launch.command()).directory(launch.workingDirectory().toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        launch.applyEnvironment(pb.environment());
        process = pb.start();
        out = process.getOutputStream();
        Thread reader = new Thread(this::read, "raw-codex-peer-reader");
        reader.setDaemon(true);
        reader.start();
        ObjectNode init = JSON.createObjectNode();
        init.putObject("clientInfo").put("name", "raw").put("version", "1");
        call("initialize", init);
        write("{\"method\":\"initialized\"}");
    }

    /** The codex process itself (under {@code setsid}, which execs it: the same pid). */
    long pid() {
        return process.pid();
    }

    static ObjectNode params() {
        return JSON.createObjectNode();
    }

    /** Sends a request and waits up to 2 minutes for its answer; an error answer throws. */
    JsonNode call(String method, ObjectNode params) {
        JsonNode answer = send(method, params).orTimeout(2, TimeUnit.MINUTES).join();
        if (answer.has("error")) {
            throw new IllegalStateException(method + ": " + answer.get("error"));
        }
        return answer.path("result");
    }

    /** {@link #call}, an error answer returned as it is rather than thrown. */
    JsonNode callAnswered(String method, ObjectNode params) {
        return send(method, params).orTimeout(2, TimeUnit.MINUTES).join();
    }

    CompletableFuture<JsonNode> send(String method, ObjectNode params) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        answers.put(id, answer);
        ObjectNode m = JSON.createObjectNode().put("id", id).put("method", method);
        m.set("params", params);
        write(m.toString());
        return answer;
    }

    /** Starts a turn with {@code text} on {@code threadId} and waits for its {@code turn/completed}; returns its status. */
    String turn(String threadId, String text) {
        CompletableFuture<String> end = turnEnds.computeIfAbsent(threadId, t -> new CompletableFuture<>());
        ObjectNode p = params().put("threadId", threadId);
        p.putArray("input").addObject().put("type", "text").put("text", text);
        call("turn/start", p);
        String status = end.orTimeout(5, TimeUnit.MINUTES).join();
        turnEnds.remove(threadId);
        return status;
    }

    private synchronized void write(String line) {
        writeLine(out, line);
    }

    /** One JSON-RPC message on codex's stdin, flushed. */
    static void writeLine(OutputStream out, String line) {
        try {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each message codex writes to {@code in}, parsed, until its output ends. */
    static void readLines(java.io.InputStream in, java.util.function.Consumer<JsonNode> each) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                each.accept(JSON.readTree(line));
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private void read() {
        readLines(process.getInputStream(), m -> {
            String method = m.path("method").asText("");
            if (m.has("id") && method.isEmpty()) {
                CompletableFuture<JsonNode> f = answers.remove(m.get("id").asLong());
                if (f != null) {
                    f.complete(m);
                }
            } else if (method.equals("turn/completed")) {
                JsonNode p = m.path("params");
                turnEnds.computeIfAbsent(p.path("threadId").asText(), t -> new CompletableFuture<>())
                        .complete(p.path("turn").path("status").asText());
            } else if (m.has("id")) {
                write("{\"id\":" + m.get("id") + ",\"result\":{\"decision\":\"accept\"}}");
            }
        });
        IllegalStateException gone = new IllegalStateException("codex's output ended");
        answers.values().forEach(f -> f.completeExceptionally(gone));
        turnEnds.values().forEach(f -> f.completeExceptionally(gone));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
