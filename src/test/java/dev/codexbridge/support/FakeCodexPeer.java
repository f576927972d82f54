package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.MemoryPipe;
import dev.codexbridge.rpc.JsonRpcPeer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The codex side of an in-memory connection: writes raw bytes to the peer under test and reads
 * the lines it sends back, on a background thread so a test can wait with a deadline.
 */
public final class FakeCodexPeer implements AutoCloseable {
    private final MemoryPipe toClient = new MemoryPipe();
    private final MemoryPipe fromClient = new MemoryPipe();
    private final BlockingQueue<String> sentLines = new LinkedBlockingQueue<>();
    private final JsonRpcPeer peer;

    public FakeCodexPeer(Consumer<JsonRpcPeer.Builder> configure) {
        JsonRpcPeer.Builder b = JsonRpcPeer.builder(toClient.input(), fromClient.output()).name("test");
        configure.accept(b);
        peer = b.build();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(fromClient.input(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sentLines.add(line);
                }
            } catch (IOException ignored) {
                // pipe closed
            }
        }, "fake-codex-reader");
        reader.setDaemon(true);
        reader.start();
        peer.start();
    }

    public JsonRpcPeer peer() {
        return peer;
    }

    /** Sends raw text to the client exactly as given (one chunk). */
    public void sendRaw(String text) {
        try {
            OutputStream out = toClient.output();
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void sendLine(String json) {
        sendRaw(json + "\n");
    }

    /** Ends the stream codex → client (as codex exiting would). */
    public void closeOutput() {
        try {
            toClient.output().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next raw line the client sent, waiting up to 5 s. */
    public String nextRawLine() {
        try {
            String line = sentLines.poll(5, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("the client sent nothing within 5 s");
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public JsonNode nextSent() {
        return Json.parse(nextRawLine());
    }

    /** A line the client sent within {@code millis}, or null. */
    public String pollRawLine(long millis) throws InterruptedException {
        return sentLines.poll(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        peer.close();
        closeOutput();
    }
}
