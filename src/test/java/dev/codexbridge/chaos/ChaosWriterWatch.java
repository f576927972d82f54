package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.transport.CodexEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Asks every app-server which threads it has loaded ({@code thread/loaded/list}, directly, past the
 * proxies) about every 200 ms, and records each thread loaded on two at once: two writers. The
 * three answers of a round are not one instant, so a thread that merely moved between two asks
 * would look loaded twice; a round is therefore asked forwards and at once backwards, and a thread
 * counts only when both orders find it on the same two app-servers (a single move cannot: in one
 * of the orders the app-server it left is asked after the one it reached).
 */
final class ChaosWriterWatch implements AutoCloseable {
    private final ChaosFleet fleet;
    private final ChaosLog timeline;
    private final CodexClient[] clients;
    private final CodexEndpoint[] connectedTo;
    /** Thread id → what was seen the first time, for the verdict. */
    private final Map<String, String> twoWriters = new TreeMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private int rounds;
    /** Thread id → the app-server it was last seen loaded on; a load elsewhere is a move. */
    private final Map<String, Integer> lastOn = new HashMap<>();
    private List<Set<String>> previous = List.of();
    private int loads;
    private int moves;

    ChaosWriterWatch(ChaosFleet fleet, ChaosLog timeline) {
        this.fleet = fleet;
        this.timeline = timeline;
        this.clients = new CodexClient[fleet.size()];
        this.connectedTo = new CodexEndpoint[fleet.size()];
        this.thread = new Thread(this::watch, "chaos-writer-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        while (running) {
            List<Set<String>> forwards = new ArrayList<>();
            for (int i = 0; i < clients.length; i++) {
                forwards.add(loaded(i));
            }
            List<Set<String>> backwards = new ArrayList<>(forwards);
            for (int i = clients.length - 1; i >= 0; i--) {
                backwards.set(i, loaded(i));
            }
            compare(forwards, backwards);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void compare(List<Set<String>> forwards, List<Set<String>> backwards) {
        synchronized (this) {
            rounds++;
            for (int i = 0; i < forwards.size(); i++) {
                for (String id : forwards.get(i)) {
                    if (previous.isEmpty() || !previous.get(i).contains(id)) {
                        loads++;
                        Integer before = lastOn.put(id, i);
                        moves += before != null && before != i ? 1 : 0;
                    }
                }
            }
            previous = forwards;
        }
        for (int a = 0; a < forwards.size(); a++) {
            for (int b = a + 1; b < forwards.size(); b++) {
                for (String id : forwards.get(a)) {
                    if (forwards.get(b).contains(id) && backwards.get(a).contains(id) && backwards.get(b).contains(id)) {
                        record(id, ChaosPoolHost.endpointName(a) + " and " + ChaosPoolHost.endpointName(b));
                    }
                }
            }
        }
    }

    private synchronized void record(String threadId, String where) {
        if (!twoWriters.containsKey(threadId)) {
            twoWriters.put(threadId, "thread " + threadId + " loaded on " + where + " at once (" + System.currentTimeMillis() + ")");
            timeline.write(ChaosLog.event("two-writers").put("thread", threadId).put("endpoints", where));
        }
    }

    /** The threads app-server {@code i} has loaded; none while it cannot be asked (killed, starting). */
    private Set<String> loaded(int i) {
        CodexEndpoint now = fleet.direct(i);
        try {
            if (clients[i] == null || !clients[i].isOpen() || connectedTo[i] != now) {
                if (clients[i] != null) {
                    clients[i].close();
                }
                connectedTo[i] = now;
                clients[i] = CodexClient.builder().endpoint(now).requestTimeout(Duration.ofSeconds(2)).connect();
            }
            Set<String> ids = new HashSet<>();
            String cursor = null;
            do {
                Map<String, Object> params = cursor == null ? Map.of() : Map.of("cursor", cursor);
                JsonNode page = clients[i].request("thread/loaded/list", params, JsonNode.class);
                page.path("data").forEach(id -> ids.add(id.asText()));
                cursor = page.path("nextCursor").asText(null);
            } while (cursor != null);
            return ids;
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    /** Every thread seen loaded on two app-servers at once, with where. */
    synchronized Map<String, String> twoWriters() {
        return Map.copyOf(twoWriters);
    }

    /** Rounds asked, loads seen (a thread newly loaded on an app-server), and moves (loaded on another than before). */
    synchronized String counts() {
        return rounds + " rounds, " + loads + " loads seen, " + moves + " moves seen";
    }

    synchronized int loads() {
        return loads;
    }

    synchronized int moves() {
        return moves;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
        for (CodexClient c : clients) {
            if (c != null) {
                c.close();
            }
        }
    }
}
