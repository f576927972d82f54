package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.WireTap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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
    /** Requests sent since the kill, by method. */
    private final Map<String, Integer> sentSinceKill = new TreeMap<>();
    /** How long codex took to answer each resume sent since the kill, in ms. */
    private final List<Double> resumeAnswerMs = new ArrayList<>();

    /** Counts from now on: the moment codex was killed. */
    public synchronized void killedAt(long nanos) {
        killedAt = nanos;
        sentSinceKill.clear();
        resumeAnswerMs.clear();
    }

    @Override
    public synchronized void outgoing(byte[] message) {
        JsonNode m = Json.parse(new String(message, StandardCharsets.UTF_8));
        String method = m.path("method").asText();
        if (method.equals("initialize")) {
            connection++;
        }
        if (m.has("id") && !method.isEmpty()) {
            long now = System.nanoTime();
            pending.put(connection + ":" + m.get("id").asText(),
                    new String[] {method, m.path("params").path("threadId").asText(), Long.toString(now)});
            if (now > killedAt) {
                sentSinceKill.merge(method, 1, Integer::sum);
                if (method.equals("thread/resume")) {
                    resumesSent++;
                }
            }
        }
    }

    @Override
    public synchronized void incoming(byte[] buffer, int length) {
        JsonNode m = WireAnswers.answer(buffer, length);
        if (m == null) {
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
            if (method.equals("thread/resume")) {
                resumeAnswerMs.add((now - Long.parseLong(request[2])) / 1e6);
            }
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

    /** Requests sent since {@link #killedAt}, by method. */
    public synchronized Map<String, Integer> sentSinceKill() {
        return new TreeMap<>(sentSinceKill);
    }

    /** How long codex took to answer each resume sent since {@link #killedAt} (answers and errors), in ms, sorted. */
    public synchronized List<Double> resumeAnswerMs() {
        List<Double> out = new ArrayList<>(resumeAnswerMs);
        Collections.sort(out);
        return out;
    }

    public synchronized double lastReopenedMs() {
        return (lastReopenedAt - killedAt) / 1e6;
    }

    public synchronized double reconnectedMs() {
        return (reconnectedAt - killedAt) / 1e6;
    }
}
