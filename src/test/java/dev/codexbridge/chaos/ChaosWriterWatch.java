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
 * proxies) about every 200 ms, and records each thread loaded on two at once. The three answers of
 * a round are not one instant, so a thread that merely moved between two asks would look loaded
 * twice; a round is therefore asked forwards and at once backwards, and a thread counts only when
 * both orders find it on the same two app-servers (a single move cannot: in one of the orders the
 * app-server it left is asked after the one it reached).
 *
 * <p>Loaded on two is not yet written by two. A host that dies while its sleep waits for codex to
 * unload the thread leaves it loaded there, followed by no one, until codex's own unload (the
 * re-attach window, 30 s), and the next host may wake it elsewhere meanwhile (decision 0140). So
 * each copy's turns are counted ({@code thread/read}) when the overlap is first seen and at each
 * round while it lasts: two writers are two copies that both gained a turn while both were loaded,
 * or an overlap that outlasts {@link #LEFT_COPY_UNLOADS} (no copy left behind stays that long); a
 * copy that gained nothing and was unloaded within it was left behind, and is counted apart.
 */
final class ChaosWriterWatch implements AutoCloseable {
    private final ChaosFleet fleet;
    private final ChaosLog timeline;
    private final CodexClient[] clients;
    private final CodexEndpoint[] connectedTo;
    /** How long codex keeps a thread no one follows loaded (the re-attach window), and a margin for the unload's own time. */
    static final Duration LEFT_COPY_UNLOADS = Duration.ofSeconds(45);

    /** Thread id → what was seen, for the verdict: written by two while loaded on two. */
    private final Map<String, String> twoWriters = new TreeMap<>();
    /** Thread id → a copy left loaded and never written while another was loaded. */
    private final Map<String, String> leftLoaded = new TreeMap<>();
    /** Thread id → an overlap still being watched. */
    private final Map<String, Overlap> overlaps = new HashMap<>();
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
        Set<String> onTwo = new HashSet<>();
        for (int a = 0; a < forwards.size(); a++) {
            for (int b = a + 1; b < forwards.size(); b++) {
                for (String id : forwards.get(a)) {
                    if (forwards.get(b).contains(id) && backwards.get(a).contains(id) && backwards.get(b).contains(id)) {
                        onTwo.add(id);
                        seen(id, a, b);
                    }
                }
            }
        }
        List<String> ended = new ArrayList<>();
        synchronized (this) {
            overlaps.keySet().stream().filter(id -> !onTwo.contains(id)).forEach(ended::add);
        }
        ended.forEach(id -> resolve(id, false, false));
    }

    /** One copy's turns, as codex there reads them; -1 when it cannot be asked. */
    private int turnsOn(int i, String threadId) {
        try {
            return clients[i].request("thread/read", Map.of("threadId", threadId, "includeTurns", true), JsonNode.class)
                    .path("thread").path("turns").size();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Thread {@code id} loaded on {@code a} and {@code b} this round: each copy's turns counted again. */
    private void seen(String id, int a, int b) {
        int turnsA = turnsOn(a, id);
        int turnsB = turnsOn(b, id);
        Overlap o;
        synchronized (this) {
            o = overlaps.get(id);
            if (o == null || o.a != a || o.b != b) {
                overlaps.put(id, new Overlap(a, b, turnsA, turnsB, System.currentTimeMillis()));
                timeline.write(ChaosLog.event("two-loaded").put("thread", id).put("endpoints", where(a, b)));
                return;
            }
            o.grewA |= o.turnsA >= 0 && turnsA > o.turnsA;
            o.grewB |= o.turnsB >= 0 && turnsB > o.turnsB;
        }
        if (o.grewA && o.grewB || System.currentTimeMillis() - o.sinceMs > LEFT_COPY_UNLOADS.toMillis()) {
            resolve(id, true, false);
        }
    }

    /**
     * The overlap of {@code id} ended ({@code lasting}: or is judged while it lasts; {@code closing}: the watch ends while it
     * lasts): two writers, or a copy left behind.
     */
    private synchronized void resolve(String id, boolean lasting, boolean closing) {
        Overlap o = overlaps.remove(id);
        if (o == null) {
            return;
        }
        long ms = System.currentTimeMillis() - o.sinceMs;
        String where = where(o.a, o.b);
        if (o.grewA && o.grewB || lasting) {
            twoWriters.putIfAbsent(id, "thread " + id + " loaded on " + where + " at once (from " + o.sinceMs + ", " + ms + " ms"
                    + (o.grewA && o.grewB ? ", each copy gaining turns)" : ", past the " + LEFT_COPY_UNLOADS.toSeconds() + " s a left copy takes)"));
            timeline.write(ChaosLog.event("two-writers").put("thread", id).put("endpoints", where));
        } else {
            String stale = o.grewA ? ChaosPoolHost.endpointName(o.b) : o.grewB ? ChaosPoolHost.endpointName(o.a) : "either";
            leftLoaded.putIfAbsent(id, "thread " + id + " loaded on " + where + " for " + ms + " ms; the copy on " + stale
                    + " gained no turn and " + (closing ? "was still loaded when the watch closed" : "was unloaded"));
        }
    }

    private static String where(int a, int b) {
        return ChaosPoolHost.endpointName(a) + " and " + ChaosPoolHost.endpointName(b);
    }

    /** A thread seen loaded on two app-servers, and whether each copy gained a turn since. */
    private static final class Overlap {
        final int a;
        final int b;
        final int turnsA;
        final int turnsB;
        final long sinceMs;
        boolean grewA;
        boolean grewB;

        Overlap(int a, int b, int turnsA, int turnsB, long sinceMs) {
            this.a = a;
            this.b = b;
            this.turnsA = turnsA;
            this.turnsB = turnsB;
            this.sinceMs = sinceMs;
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

    /**
     * Every thread written on two app-servers while loaded on both, or loaded on two longer than
     * a copy left behind stays, with where. An overlap still open when the watch closed counts
     * when both copies gained a turn.
     */
    synchronized Map<String, String> twoWriters() {
        return Map.copyOf(twoWriters);
    }

    /** Every copy left loaded by a stopped host and never written while another was loaded, with where. */
    synchronized Map<String, String> leftLoaded() {
        return Map.copyOf(leftLoaded);
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
        synchronized (this) {
            for (String id : List.copyOf(overlaps.keySet())) {
                resolve(id, false, true);
            }
        }
        for (CodexClient c : clients) {
            if (c != null) {
                c.close();
            }
        }
    }
}
