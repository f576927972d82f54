package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.support.WireAnswers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A wire tap for one connection that, between {@link #start} and {@link #stop}, writes down each request
 * answered: its method, when it went out after the start and how long codex took. Where a step's time goes,
 * request by request.
 */
final class RequestTimes implements WireTap {
    private final String name;
    private final Map<String, Object[]> pending = new HashMap<>();
    private final List<String> answered = new ArrayList<>();
    private long from = Long.MAX_VALUE;

    RequestTimes(String name) {
        this.name = name;
    }

    synchronized void start(long nanos) {
        from = nanos;
        answered.clear();
        pending.clear();
    }

    /** The requests answered since the start, in the order of their answers, and stops recording. */
    synchronized List<String> stop() {
        from = Long.MAX_VALUE;
        return new ArrayList<>(answered);
    }

    @Override
    public synchronized void outgoing(byte[] message) {
        long now = System.nanoTime();
        if (now < from) {
            return;
        }
        JsonNode m = Json.parse(new String(message, StandardCharsets.UTF_8));
        if (m.has("id") && m.has("method")) {
            pending.put(m.get("id").asText(), new Object[] {m.get("method").asText(), now});
        }
    }

    @Override
    public synchronized void incoming(byte[] buffer, int length) {
        if (pending.isEmpty()) {
            return;
        }
        JsonNode m = WireAnswers.answer(buffer, length);
        if (m == null) {
            return;
        }
        Object[] request = pending.remove(m.get("id").asText());
        if (request != null) {
            long sent = (Long) request[1];
            answered.add(String.format("%s %s at +%.1f took %.1f ms", name, request[0], (sent - from) / 1e6,
                    (System.nanoTime() - sent) / 1e6));
        }
    }
}
