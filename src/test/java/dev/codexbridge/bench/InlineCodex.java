package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.transport.CodexTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Consumer;

/**
 * A codex stand-in with no thread of its own: the client's lines are answered inside the client's
 * own write (initialize, thread/start, turn/start), so what a benchmark measures — threads, heap,
 * time — belongs to the library alone. After answering {@code turn/start} it calls
 * {@code onTurnStart} with the turn id, on the writing thread; the benchmark then feeds the
 * client's input however it likes through {@link #toClient()}.
 */
final class InlineCodex {
    private final InputStream fromCodex;
    private final OutputStream toClient;
    private final Consumer<String> onTurnStart;
    private int turns;

    /** {@code fromCodex}/{@code toClient} are the two ends of one pipe: what codex writes, the client reads. */
    InlineCodex(InputStream fromCodex, OutputStream toClient, Consumer<String> onTurnStart) {
        this.fromCodex = fromCodex;
        this.toClient = toClient;
        this.onTurnStart = onTurnStart;
    }

    /** Writes raw bytes to the client; callers write whole lines. */
    OutputStream toClient() {
        return toClient;
    }

    CodexTransport.Factory factory() {
        return sink -> {
            JsonRpcPeer client = JsonRpcPeer.builder(fromCodex, new Responder()).name("bench").inbound(sink).build().start();
            return CodexTransport.inMemory(client, "the inline codex", client::close);
        };
    }

    private void answer(JsonNode request) throws IOException {
        String method = request.path("method").asText();
        if (!request.has("id") || method.isEmpty()) {
            return; // a notification, or the client answering a server request
        }
        ObjectNode response = Json.object();
        response.set("id", request.get("id"));
        ObjectNode result = response.putObject("result");
        String turnId = null;
        switch (method) {
            case "initialize" -> result.put("userAgent", "inline/0.169.0").put("codexHome", "/tmp");
            case "thread/start", "thread/resume" -> result.putObject("thread").put("id", "thread-1");
            case "turn/start" -> {
                turnId = "turn-" + (++turns);
                result.putObject("turn").put("id", turnId).put("status", "inProgress");
            }
            default -> { }
        }
        synchronized (toClient) {
            toClient.write(Json.mapper().writeValueAsBytes(response));
            toClient.write('\n');
            toClient.flush();
        }
        if (turnId != null) {
            onTurnStart.accept(turnId);
        }
    }

    /** The client's output: collects bytes into lines and answers each request as it completes. */
    private final class Responder extends OutputStream {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    byte[] complete = line.toByteArray();
                    line.reset();
                    answer(Json.mapper().readTree(complete));
                } else {
                    line.write(b[i]);
                }
            }
        }
    }
}
