package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.FailureKind;
import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOpenException;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The host of a chaos run, in a JVM of its own so that it can be killed with SIGKILL and started
 * again as a real host would be: {@code SESSIONS} sessions on one shared WebSocket client with
 * {@link ReconnectPolicy#DEFAULT}, each running turns back to back (plain, slow, or a command the
 * host approves) until the stop file appears. Everything it keeps is in the state file
 * ({@link ChaosState}); on a start it re-opens each kept thread, finds the turn it had under way by
 * the key it kept ({@link CodexSession#findTurn}) and follows it with
 * {@link CodexSession#attachTurnAsync} while codex runs it, or reads how it ended with
 * {@link CodexSession#recoverTurn}. Each turn the library reports goes to the
 * log ({@link ChaosLog}), every message it sends to the wire log. Arguments are {@code name=value}:
 * endpoint, work, state, log, wire, stop,
 * sessions, seed, generation, turnTimeoutSeconds, hangSeconds; across a pool ({@link ChaosPoolHost}),
 * pool (the endpoints' URIs, comma-separated), store (a JDBC URL) and control instead of endpoint.
 */
public final class ChaosHost {
    private static final String[] KINDS = {"plain", "plain", "slow", "approval"};

    private final Map<String, String> args;
    private final ChaosLog log;
    private final ChaosState state;
    private final Set<String> alreadyReported;
    private final Path stop;
    private final Path work;
    private final int generation;
    private final long seed;
    private final Duration turnTimeout;
    private final Duration hang;
    /**
     * With {@code CHAOS_HIBERNATE_S} set (bin/bench chaos runs with it in the environment), sessions
     * hibernate after that many seconds (decision 0040) and a slot pauses up to 2.5 times as long
     * between turns, so about half its turns start from hibernation while the faults land.
     */
    private static final Duration HIBERNATE = hibernateFromEnvironment();
    private final ApprovalPolicy grant = ApprovalPolicy.builder().handler(ApprovalHandler.always(ApprovalChoice.ONCE)).build();
    /** Each slot's turn under way (for the hang watch). */
    private final Map<Integer, Underway> running = new ConcurrentHashMap<>();
    private final Set<String> hangsLogged = ConcurrentHashMap.newKeySet();
    private volatile CodexClient client;
    /** With {@code pool=…} (the run across three app-servers): the pool the sessions open on, instead of the shared client. */
    private final ChaosPoolHost pool;

    /** A turn under way: its key, and its start on this host's clock. */
    private record Underway(String key, long sinceNanos) {
    }
    /** Every message the library sends, one a line, for the schema check after the run. */
    private final WireTap wire;

    private ChaosHost(Map<String, String> args) {
        this.args = args;
        this.log = new ChaosLog(Path.of(args.get("log")));
        this.state = ChaosState.load(Path.of(args.get("state")));
        this.stop = Path.of(args.get("stop"));
        this.work = Path.of(args.get("work"));
        this.generation = Integer.parseInt(args.get("generation"));
        this.seed = Long.parseLong(args.get("seed"));
        this.turnTimeout = Duration.ofSeconds(Long.parseLong(args.getOrDefault("turnTimeoutSeconds", "120")));
        this.hang = Duration.ofSeconds(Long.parseLong(args.getOrDefault("hangSeconds", "150")));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        for (JsonNode e : ChaosLog.read(Path.of(args.get("log")))) {
            if ("outcome".equals(e.path("ev").asText())) {
                seen.add(e.path("key").asText());
            }
        }
        this.alreadyReported = seen;
        OutputStream out;
        try {
            out = Files.newOutputStream(Path.of(args.get("wire")), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the wire log", e);
        }
        this.wire = new WireTap() {
            @Override
            public synchronized void outgoing(byte[] message) {
                try {
                    int n = message.length;
                    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == '\r')) {
                        n--;
                    }
                    out.write(message, 0, n);
                    out.write('\n');
                    out.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the wire log", e);
                }
            }

            @Override
            public void incoming(byte[] buffer, int length) {
            }
        };
        this.pool = args.containsKey("pool") ? new ChaosPoolHost(args, wire, log, generation) : null;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new HashMap<>();
        for (String a : argv) {
            int eq = a.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("arguments are name=value, got: " + a);
            }
            args.put(a.substring(0, eq), a.substring(eq + 1));
        }
        new ChaosHost(args).run(Integer.parseInt(args.get("sessions")));
        Runtime.getRuntime().halt(0);       // the shared client's close is not waited for: a host going away
    }

    private void run(int sessions) throws Exception {
        ObjectNode started = ChaosLog.event("host-start");
        log.write(started.put("generation", generation).put("pid", ProcessHandle.current().pid()));
        client = pool == null ? connect() : null;
        List<Thread> slots = new CopyOnWriteArrayList<>();
        for (int i = 0; i < sessions; i++) {
            int slot = i;
            Thread t = new Thread(() -> slot(slot), "chaos-slot-" + i);
            t.setDaemon(true);
            t.start();
            slots.add(t);
        }
        while (!Files.exists(stop)) {
            watchHangs();
            if (pool != null) {
                pool.control();
            }
            Thread.sleep(500);
        }
        // the stop file: no new turns; those under way may end within the hang bound
        long deadline = System.nanoTime() + hang.toNanos();
        for (Thread t : slots) {
            while (t.isAlive() && System.nanoTime() < deadline) {
                watchHangs();
                t.join(500);
            }
        }
        running.forEach((slot, r) -> log.write(ChaosLog.event("hang").put("key", r.key()).put("slot", slot)
                .put("generation", generation).put("atStop", true)));
        if (pool != null) {
            pool.settle(HIBERNATE.plusSeconds(30));
        }
        log.write(ChaosLog.event("host-stop").put("generation", generation));
    }

    private void watchHangs() {
        long now = System.nanoTime();
        running.forEach((slot, r) -> {
            if (now - r.sinceNanos() > hang.toNanos() && hangsLogged.add(r.key())) {
                log.write(ChaosLog.event("hang").put("key", r.key()).put("slot", slot).put("generation", generation));
            }
        });
    }

    private CodexClient connect() throws InterruptedException {
        CodexEndpoint ep = CodexEndpoint.parse(args.get("endpoint"));
        int sessions = Integer.parseInt(args.get("sessions"));
        while (true) {
            try {
                return CodexClient.builder().endpoint(ep).reconnect(ReconnectPolicy.DEFAULT).maxThreads(sessions + 16).wireTap(wire)
                        .connect();
            } catch (RuntimeException e) {
                log.write(ChaosLog.event("connect-failed").put("generation", generation).put("error", String.valueOf(e.getMessage())));
                Thread.sleep(500);      // codex restarting, or the proxy refusing: as a host would, try again
            }
        }
    }

    private void slot(int slot) {
        Random random = new Random(seed * 1_000_003L + generation * 10_007L + slot);
        CodexSession session = open(slot);
        if (session == null) {
            return;
        }
        followPending(session, slot);
        for (int n = 0; !Files.exists(stop); n++) {
            if (pool == null && client.closedFuture().isDone()) {
                // every reconnect attempt failed: the client is gone for good, so the host opens another
                log.write(ChaosLog.event("client-closed").put("slot", slot).put("generation", generation));
                reconnectOnce();
                session = open(slot);
                if (session == null) {
                    return;
                }
            }
            String kind = KINDS[random.nextInt(KINDS.length)];
            turn(session, slot, "s" + slot + "g" + generation + "n" + n, kind);
            sleep(HIBERNATE.isZero() ? random.nextInt(300) : random.nextInt((int) (HIBERNATE.toMillis() * 5 / 2)));
        }
    }

    private static Duration hibernateFromEnvironment() {
        String s = System.getenv("CHAOS_HIBERNATE_S");
        return s == null || s.isBlank() ? Duration.ZERO : Duration.ofSeconds(Long.parseLong(s.trim()));
    }

    private synchronized void reconnectOnce() {
        if (client.closedFuture().isDone()) {
            try {
                client = connect();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Opens (or re-opens) the slot's session, trying again while codex or the network is down; null once stopping. */
    private CodexSession open(int slot) {
        long giveUp = Long.MAX_VALUE;
        for (int attempt = 1; System.nanoTime() < giveUp; attempt++) {
            if (giveUp == Long.MAX_VALUE && Files.exists(stop)) {
                if (state.slot(slot).pending() == null) {
                    return null;
                }
                giveUp = System.nanoTime() + hang.toNanos();     // a turn to settle first: stopping does not drop it
            }
            String kept = state.slot(slot).threadId();
            CodexSession session = null;
            try {
                session = pool == null ? startShared(kept) : pool.open(kept, this::configure);
                String id = session.threadId();
                if (!id.equals(kept)) {
                    state.thread(slot, id);
                }
                log.write(ChaosLog.event("open").put("slot", slot).put("thread", id).put("kept", kept).put("attempt", attempt)
                        .put("generation", generation));
                return session;
            } catch (RuntimeException e) {
                if (session != null) {
                    session.close();
                }
                log.write(ChaosLog.event("open-failed").put("slot", slot).put("thread", kept).put("attempt", attempt)
                        .put("generation", generation).put("error", String.valueOf(e.getMessage())));
                if (pool == null && kept != null && e instanceof ThreadOpenException refused && refused.kind() == FailureKind.UNKNOWN_THREAD) {
                    // codex never wrote the thread down (killed before its first turn reached its rollout): nothing of it
                    // exists, the turn pending there included. A host told so starts afresh, as docs/session.md says it must
                    forgetUnwritten(slot, kept);
                    continue;
                }
                sleep(Math.min(5000, 200L * attempt));
            }
        }
        return null;
    }

    /** The slot's thread {@code kept} is in no record of codex's: its pending turn was never received, and the slot starts a fresh thread. */
    private void forgetUnwritten(int slot, String kept) {
        ChaosState.Pending p = state.slot(slot).pending();
        if (p != null && !alreadyReported.contains(p.key())) {
            ObjectNode e = ChaosLog.event("outcome").put("key", p.key()).put("kind", p.kind()).put("slot", slot).put("generation", generation)
                    .put("via", "not-received: codex has no record of its thread").put("sessionThread", kept).put("heardTurnId", (String) null)
                    .put("thread", kept).put("status", "NOT_RECEIVED");
            e.putArray("items");
            e.put("approvals", 0);
            log.write(e);
        }
        state.pending(slot, null);
        state.thread(slot, null);
    }

    private void configure(CodexSession.Builder b) {
        b.approvals(grant).cwd(work).limits(TurnLimits.of(turnTimeout, Duration.ZERO)).hibernateAfter(HIBERNATE);
    }

    /** A session on the shared client, started; closed again when its start fails. */
    private CodexSession startShared(String kept) {
        CodexSession.Builder b = CodexSession.builder().client(client);
        configure(b);
        CodexSession session = kept == null ? b.build() : b.resumeThread(kept).build();
        try {
            session.start();
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private void turn(CodexSession session, int slot, String key, String kind) {
        state.pending(slot, new ChaosState.Pending(key, kind, null));
        log.write(ChaosLog.event("start").put("key", key).put("kind", kind).put("slot", slot).put("thread", session.threadId())
                .put("generation", generation));
        Heard heard = new Heard(slot, key, kind);
        running.put(slot, new Underway(key, System.nanoTime()));
        try {
            // the turn's key is the host's: codex's record names the turn by it, whatever happens next
            TurnResult r = session.runTurn(TurnInput.text(ChaosModel.prompt(kind, key)), TurnOptions.builder().key(key).build(), heard);
            outcome(slot, key, kind, session, r, heard, "run");
        } catch (RuntimeException e) {
            outcome(slot, key, kind, session, null, heard, "run-threw: " + e);
        } finally {
            running.remove(slot);
        }
    }

    /**
     * The turn this slot had under way when the previous host died: followed, read back, or
     * reported not found. A request that fails on the way (the connection dropped again) is tried
     * again, as a host would, until the hang bound.
     */
    private void followPending(CodexSession session, int slot) {
        ChaosState.Pending p = state.slot(slot).pending();
        if (p == null) {
            return;
        }
        if (alreadyReported.contains(p.key())) {
            state.pending(slot, null);      // the previous host logged it and died before clearing it
            return;
        }
        running.put(slot, new Underway(p.key(), System.nanoTime()));
        long giveUp = System.nanoTime() + hang.toNanos();
        try {
            for (int attempt = 1; ; attempt++) {
                Heard heard = new Heard(slot, p.key(), p.kind());
                try {
                    follow(session, slot, p, heard);
                    return;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > giveUp) {
                        outcome(slot, p.key(), p.kind(), session, null, heard, "follow-threw " + attempt + " times, last: " + e);
                        return;
                    }
                    log.write(ChaosLog.event("follow-retry").put("key", p.key()).put("attempt", attempt).put("error", String.valueOf(e)));
                    sleep(Math.min(5000, 250L * attempt));
                }
            }
        } finally {
            running.remove(slot);
        }
    }

    private void follow(CodexSession session, int slot, ChaosState.Pending p, Heard heard) {
        // the turn is the one with the key this host kept (its id too, when the host lived to hear it),
        // never merely whichever turn runs now
        String id = p.turnId() != null ? p.turnId() : session.findTurn(p.key()).orElse(null);
        if (id != null && session.runningTurnId().filter(id::equals).isPresent()) {
            TurnResult r = session.attachTurnAsync(id, heard).join();
            if (r.status() == TurnOutcome.UNKNOWN) {
                // its thread could not be opened to follow it (codex went away meanwhile): follow it again, as the library says
                throw new IllegalStateException("turn " + id + " could not be followed: " + (r.error() == null ? "" : r.error().message()));
            }
            outcome(slot, p.key(), p.kind(), session, r, heard, "attach");
            return;
        }
        Optional<TurnResult> recovered = id == null ? Optional.empty() : session.recoverTurn(id);
        if (recovered.isPresent()) {
            outcome(slot, p.key(), p.kind(), session, recovered.get(), heard, "recover");
        } else {
            // findTurn found no turn with the key: codex never received it, as the library reports it
            outcome(slot, p.key(), p.kind(), session, null, heard, id == null ? "not-received: no turn with its key" : "lost: no record of " + id);
        }
    }

    private void outcome(int slot, String key, String kind, CodexSession session, TurnResult r, Heard heard, String via) {
        ObjectNode e = ChaosLog.event("outcome").put("key", key).put("kind", kind).put("slot", slot).put("generation", generation)
                .put("via", via).put("sessionThread", session.threadId()).put("heardTurnId", heard.turnId);
        if (r != null) {
            e.put("thread", r.threadId()).put("turnId", r.turnId()).put("status", r.status().name()).put("finalText", r.finalText())
                    .put("durationMs", r.durationMs());
            if (r.storeFailed()) {
                e.put("storeFailed", true);
            }
            if (r.error() != null) {
                String m = r.error().message();
                e.put("category", r.error().category().wire()).put("message", m == null ? null : m.substring(0, Math.min(400, m.length())));
            }
            if (r.threadReplaced() != null) {
                e.put("threadReplaced", Json.write(r.threadReplaced()));
            }
        } else {
            e.put("thread", session.threadId()).put("status", via.startsWith("not-received") ? "NOT_RECEIVED" : "NO_RESULT");
        }
        ArrayNode items = e.putArray("items");
        heard.items.forEach(items::add);
        e.put("approvals", heard.approvals);
        log.write(e);
        String now = session.threadId();
        if (now != null && !now.equals(state.slot(slot).threadId())) {
            state.thread(slot, now);        // codex had no record of the thread: the session moved to a fresh one
        }
        state.pending(slot, null);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a turn's listener heard: codex's turn id (from {@code turn/started}, kept at once), its items' ids, approvals asked. */
    private final class Heard implements TurnListener {
        final int slot;
        final String key;
        final String kind;
        final List<String> items = new CopyOnWriteArrayList<>();
        volatile String turnId;
        volatile int approvals;

        Heard(int slot, String key, String kind) {
            this.slot = slot;
            this.key = key;
            this.kind = kind;
        }

        @Override
        public void onTurnStarted(String turnKey, String id) {
            turnId = id;
            state.pending(slot, new ChaosState.Pending(key, kind, id));
            log.write(ChaosLog.event("turn-id").put("key", key).put("turnId", id));
        }

        @Override
        public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
            JsonNode id = Json.mapper().valueToTree(item).path("id");
            items.add(id.asText(""));
        }

        @Override
        public void onApprovalRequested(dev.codexbridge.approval.ApprovalRequest request) {
            approvals++;
        }
    }
}
