package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.WireTap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A wire tap for crash tests and benchmarks: after codex was killed, the threads opened again (a
 * resume answered, or a fresh thread started) and those codex said it never wrote down, each
 * counted once however many tries it took, with the time of the last and of the new
 * connection's handshake. Give one tap to the client; it sees every connection.
 */
public final class ReopenWatch implements WireTap {
    /** Requests awaiting their answer, by connection and id: method and thread. */
    private final Map<String, String[]> pending = new HashMap<>();
    private final Set<String> reopened = new HashSet<>();
    private final Set<String> notStored = new HashSet<>();
    private int connection;
    private long killedAt = Long.MAX_VALUE;
    private long reconnectedAt;
    private long lastReopenedAt;
    private int resumesSent;

    /** Counts from now on: the moment codex was killed. */
    public synchronized void killedAt(long nanos) {
        killedAt = nanos;
    }

    @Override
    public synchronized void outgoing(byte[] message) {
        JsonNode m = Json.parse(new String(message, StandardCharsets.UTF_8));
        String method = m.path("method").asText();
        if (method.equals("initialize")) {
            connection++;
        }
        if (m.has("id") && !method.isEmpty()) {
            pending.put(connection + ":" + m.get("id").asText(), new String[] {method, m.path("params").path("threadId").asText()});
            if (method.equals("thread/resume") && System.nanoTime() > killedAt) {
                resumesSent++;
            }
        }
    }

    @Override
    public synchronized void incoming(byte[] buffer, int length) {
        JsonNode m;
        try {
            m = Json.mapper().readTree(buffer, 0, length);
        } catch (IOException e) {
            return;
        }
        if (!m.has("id") || m.has("method")) {
            return;
        }
        String[] request = pending.remove(connection + ":" + m.get("id").asText());
        long now = System.nanoTime();
        if (request == null || now < killedAt) {
            return;
        }
        String method = request[0];
        if (method.equals("initialize")) {
            reconnectedAt = now;
        } else if (method.equals("thread/resume") || method.equals("thread/start")) {
            String error = m.path("error").path("message").asText("");
            if (error.contains("no rollout found") || error.contains(" is empty")) {
                notStored.add(request[1]);
            } else if (!m.has("error") && reopened.add(m.path("result").path("thread").path("id").asText())) {
                lastReopenedAt = now;
            }
        }
    }

    /** Threads open again: resumes answered, plus fresh threads started in place of unwritten ones. */
    public synchronized int reopened() {
        return reopened.size();
    }

    public synchronized long notStoredAnswers() {
        return notStored.size();
    }

    public synchronized int resumesSent() {
        return resumesSent;
    }

    public synchronized double lastReopenedMs() {
        return (lastReopenedAt - killedAt) / 1e6;
    }

    public synchronized double reconnectedMs() {
        return (reconnectedAt - killedAt) / 1e6;
    }
}
