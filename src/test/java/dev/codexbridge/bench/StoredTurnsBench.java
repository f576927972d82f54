package dev.codexbridge.bench;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ClientPlacement;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * What a conversation store costs a turn, and what a move costs, on the real codex:
 * {@code bin/bench stored-turns [TURNS] [MOVES] [REPLY_BYTES] [WAKES] [LINEAGE_KIB]} (defaults 60, 12, 20000,
 * 0, 1024; a part given 0 is left out). {@code STORED_TURNS_ROUNDS=N} runs the per-turn part N times on
 * fresh stores and pools its buckets.
 *
 * <ol>
 *   <li><b>Per turn</b>: three sessions, each on its own codex, run TURNS turns taking turns: one
 *       with no store (the yardstick), one with the disk store and one with PostgreSQL (fsync on),
 *       storing after each turn (the default); the turn's wall time as the host sees it, p50 and
 *       p99. Each first runs {@code STORED_TURNS_WARM} turns (default 3) on a conversation of its
 *       own, so the measured conversation finds a running service; 0 measures a service just
 *       started. That conversation is then deleted and PostgreSQL's tables vacuumed, so the sizes
 *       printed are the measured conversation's.</li>
 *   <li><b>Moves</b>: one session with the disk store sleeps after 1 s and wakes on the other of
 *       two app-servers, MOVES times; each reply adds REPLY_BYTES to the rollout, so the lineage
 *       grows. Per move: the lineage's size and the first turn after the wake (lease, get, import,
 *       resume, name and goal, the turn, its store), beside a warm turn on the same session.</li>
 *   <li><b>Wakes</b>: three sessions, each with a lineage of LINEAGE_KIB, sleep after 3 s and are
 *       woken WAKES times each, taking turns: with no store on its own codex (the yardstick: the
 *       same hibernation), with the disk store woken where it slept, and with the disk store moved
 *       to the other of two app-servers at every wake. Per contender: how long after the turn was
 *       asked for its {@code thread/resume} went out, the first event of that turn and the whole
 *       turn (with its store), p50 and p99, and the difference from the yardstick's; and the store's
 *       lease and get of the wakes where it slept.</li>
 * </ol>
 */
public final class StoredTurnsBench {
    private StoredTurnsBench() {
    }

    public static void main(String[] args) throws Exception {
        int turns = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int moves = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int replyBytes = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        int wakes = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        long lineageBytes = (args.length > 4 ? Long.parseLong(args[4]) : 1024) * 1024;
        Path binary = new CodexLocator().locate(null).binary();
        Path tmp = Files.createTempDirectory("stored-turns-");
        String reply = "x".repeat(Math.max(1, replyBytes));
        try (ScriptedModelServer model = ScriptedModelServer.start();
             PostgresServer postgres = PostgresServer.start(true)) {
            model.respondWhenEmpty(request -> ModelReply.message(reply));
            // each request carries the whole history: kept, 180 turns of 20,000-byte replies fill the heap
            model.recording(false);
            Path work = Files.createDirectories(tmp.resolve("work"));
            System.out.printf("stored-turns: %d turns per store, %d moves, %d wakes, replies of %d bytes%n", turns, moves, wakes, replyBytes);
            List<String> names = List.of("none", "disk", "postgresql");
            // STORED_TURNS_ROUNDS=N: the per-turn run N times, each on fresh stores and codex homes, and its buckets pooled
            int rounds = Integer.parseInt(System.getenv().getOrDefault("STORED_TURNS_ROUNDS", "1"));
            List<long[]> pooledMs = new ArrayList<>();
            List<long[]> pooledRollout = new ArrayList<>();
            for (int round = 0; turns > 0 && round < rounds; round++) {
                Path dir = Files.createDirectories(tmp.resolve("round-" + round));
                String pgUrl = postgres.newDatabase();
                try (DiskConversationStore disk = DiskConversationStore.open(dir.resolve("disk"));
                     PostgresConversationStore pg = PostgresConversationStore.builder().jdbcUrl(pgUrl).build()) {
                    List<long[]> ms = perTurn(names, new ArrayList<>(Arrays.asList(null, disk, pg)), binary, model, dir, work, turns,
                            new StoredSpace(disk, pgUrl), pooledRollout);
                    pooledMs.addAll(ms);
                }
            }
            if (rounds > 1) {
                System.out.printf("  pooled over %d runs:%n", rounds);
                List<long[]> byContender = new ArrayList<>();
                for (int c = 0; c < names.size(); c++) {
                    List<long[]> mine = new ArrayList<>();
                    for (int r = 0; r < rounds; r++) {
                        mine.add(pooledMs.get(r * names.size() + c));
                    }
                    byContender.add(concat(mine));
                }
                Buckets.print(names, byContender, concat(pooledRollout));
            }
            try (DiskConversationStore disk = DiskConversationStore.open(tmp.resolve("disk"))) {
                if (moves > 0) {
                    moves(disk, binary, model, tmp, work, moves);
                }
                if (wakes > 0) {
                    wakes(disk, binary, model, tmp, work, wakes, lineageBytes);
                }
            }
        } finally {
            dev.codexbridge.support.TestDirs.delete(tmp);
        }
    }

    /** One contender of the per-turn run: a session on its own codex, storing each turn in {@code store} (null: none). */
    private record Contender(String name, CodexClient codex, CodexSession session, RequestTimes times, @Nullable ReleaseCount store,
                             long[] ms, long[] puts, java.util.Map<String, long[]> byMethod) {
    }

    /**
     * The contenders take turns, one turn each in a rotating order: what the machine does meanwhile
     * (another build, a collection) falls on all of them alike, and the yardstick runs in the same
     * seconds as what it measures.
     */
    private static long[] concat(List<long[]> parts) {
        long[] all = new long[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Each contender's turn times (µs), in {@code names}' order; the rollout's size after each turn is added to {@code rollouts}. */
    private static List<long[]> perTurn(List<String> names, List<ConversationStore> stores, Path binary, ScriptedModelServer model, Path tmp,
                                        Path work, int turns, StoredSpace space, List<long[]> rollouts) throws Exception {
        long[] rollout = new long[turns];
        // STORED_TURNS_REQUESTS=1: where a turn's time goes, request by request, and the store's put (the tap costs time)
        boolean requests = "1".equals(System.getenv("STORED_TURNS_REQUESTS"));
        List<Contender> all = new ArrayList<>();
        try {
            for (int c = 0; c < names.size(); c++) {
                String name = names.get(c);
                Path home = IsolatedCodexHome.builder(tmp.resolve("home-" + c), model.baseUrl()).write();
                RequestTimes times = new RequestTimes(name);
                ReleaseCount counted = stores.get(c) == null ? null : new ReleaseCount(stores.get(c));
                CodexClient codex = CodexClient.builder().process(launch(binary, home, work)).wireTap(requests ? times : null).connect();
                CodexSession.Builder b = CodexSession.builder().client(codex).cwd(work).hibernateAfter(Duration.ZERO).limits(limits());
                if (counted != null) {
                    b.storage(ConversationStorage.builder(counted, "bench").build());
                }
                all.add(new Contender(name, codex, b.build(), times, counted, new long[turns], new long[turns], new java.util.TreeMap<>()));
            }
            // STORED_TURNS_WARM=N (default 3): each contender first runs N turns on a conversation of its own, then lets it
            // sleep, so that the measured conversation's first turns find a running service (its JIT, the store's pooled
            // connections), not one just started; 0 measures those first turns on a service just started, as before
            int warm = Integer.parseInt(System.getenv().getOrDefault("STORED_TURNS_WARM", "3"));
            for (int c = 0; warm > 0 && c < all.size(); c++) {
                CodexSession.Builder b = CodexSession.builder().client(all.get(c).codex).cwd(work).hibernateAfter(Duration.ZERO).limits(limits());
                if (stores.get(c) != null) {
                    b.storage(ConversationStorage.builder(stores.get(c), "bench-warm").build());
                }
                try (CodexSession before = b.build()) {
                    for (int i = 0; i < warm; i++) {
                        check(before.runTurn(TurnInput.text("before " + i)));
                    }
                    before.closeGracefully().get(1, java.util.concurrent.TimeUnit.MINUTES);
                    if (stores.get(c) != null) {
                        // gone again, and PostgreSQL's tables vacuumed: the sizes printed below are the measured conversation's
                        stores.get(c).delete(stores.get(c).lease(before.threadId(), "bench-warm", Duration.ofMinutes(1)));
                    }
                }
            }
            if (warm > 0) {
                space.vacuum();
            }
            for (Contender c : all) {
                check(c.session.runTurn(TurnInput.text("warm up")));
            }
            for (int i = 0; i < turns; i++) {
                for (int k = 0; k < all.size(); k++) {
                    Contender c = all.get((i + k) % all.size());
                    long t0 = System.nanoTime();
                    c.times.start(t0);
                    long put0 = c.store == null ? 0 : c.store.putNanos.get();
                    TurnResult r = c.session.runTurn(TurnInput.text("turn " + i));
                    c.ms[i] = (System.nanoTime() - t0) / 1_000;
                    check(r);
                    if (c.name.equals("disk")) {
                        rollout[i] = space.rolloutBytes();
                    }
                    c.puts[i] = c.store == null ? 0 : (c.store.putNanos.get() - put0) / 1_000;
                    for (String step : c.times.stop()) {
                        String method = step.substring(c.name.length() + 1, step.indexOf(" at +"));
                        double took = Double.parseDouble(step.substring(step.indexOf(" took ") + 6, step.indexOf(" ms")));
                        c.byMethod.computeIfAbsent(method, m -> new long[turns])[i] += (long) (took * 1000);
                    }
                }
            }
            // printed before the closes, whose log lines would run into it (and whose sleep puts the lineage whole)
            Buckets.print(all.stream().map(Contender::name).toList(), all.stream().map(Contender::ms).toList(), rollout);
            for (Contender c : all) {
                if (c.store != null) {
                    System.out.printf("  %s: %d of %d turns stored as appends%n", c.name, c.store.appendPuts.get(), turns + 1);
                }
            }
            space.print(rollout[turns - 1]);
            long base = p50(all.get(0).ms);
            for (Contender c : all) {
                System.out.printf("  per turn, store %-12s p50 %6.1f ms  p99 %6.1f ms  (%+.1f ms at the median)%n", c.name, p50(c.ms) / 1000.0,
                        p99(c.ms) / 1000.0, (p50(c.ms) - base) / 1000.0);
                if (requests) {
                    StringBuilder first = new StringBuilder();
                    for (int i = 0; i < Math.min(5, turns); i++) {
                        first.append(String.format(" %.1f/%.1f", c.ms[i] / 1000.0, c.puts[i] / 1000.0));
                    }
                    System.out.printf("    first turns (turn/put ms):%s%n", first);
                    c.byMethod.put("(store put)", c.puts);
                    c.byMethod.forEach((method, each) -> System.out.printf("    %-22s p50 %6.1f ms  p99 %6.1f ms (per turn)%n", method,
                            p50(each) / 1000.0, p99(each) / 1000.0));
                }
            }
            rollouts.add(rollout);
            return all.stream().map(Contender::ms).toList();
        } finally {
            for (Contender c : all) {
                try {
                    c.session.closeGracefully().get(1, java.util.concurrent.TimeUnit.MINUTES);
                } finally {
                    c.codex.close();
                }
            }
        }
    }

    private static long p50(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long p99(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)];
    }

    private static void moves(ConversationStore store, Path binary, ScriptedModelServer model, Path tmp, Path work, int moves)
            throws Exception {
        Path homeA = IsolatedCodexHome.builder(tmp.resolve("move-a"), model.baseUrl()).write();
        Path homeB = IsolatedCodexHome.builder(tmp.resolve("move-b"), model.baseUrl()).write();
        // STORED_TURNS_REQUESTS=1: each move's requests, when each went out and how long codex took
        boolean requests = "1".equals(System.getenv("STORED_TURNS_REQUESTS"));
        RequestTimes timesA = new RequestTimes("a");
        RequestTimes timesB = new RequestTimes("b");
        try (CodexClient a = CodexClient.builder().process(launch(binary, homeA, work)).wireTap(requests ? timesA : null).connect();
             CodexClient b = CodexClient.builder().process(launch(binary, homeB, work)).wireTap(requests ? timesB : null).connect()) {
            AtomicInteger placed = new AtomicInteger();
            ClientPlacement alternate = threadId -> new ClientPlacement.Placed(placed.incrementAndGet() % 2 == 1 ? b : a, () -> { });
            ReleaseCount counted = new ReleaseCount(store);
            try (CodexSession session = CodexSession.builder().client(a).placement(alternate).cwd(work)
                    .storage(ConversationStorage.builder(counted, "bench").build()).hibernateAfter(Duration.ofSeconds(1))
                    .limits(limits()).build()) {
                check(session.runTurn(TurnInput.text("first")));
                List<String> rows = new ArrayList<>();
                for (int i = 0; i < moves; i++) {
                    long warm0 = System.nanoTime();
                    check(session.runTurn(TurnInput.text("warm " + i)));
                    long warm = System.nanoTime() - warm0;
                    String id = session.threadId();
                    int released = counted.releases.get();
                    while (!session.isHibernated() || counted.releases.get() == released) {
                        Thread.sleep(5);
                    }
                    // the sleep's last step gives the lease back: its steps before (waiting for the unload, removing the copy
                    // and codex's record there) have ended, and the wake that follows is the move alone
                    long bytes = store.get(id).orElseThrow().lineageBytes();
                    long wake0 = System.nanoTime();
                    timesA.start(wake0);
                    timesB.start(wake0);
                    check(session.runTurn(TurnInput.text("after move " + i)));
                    long woke = System.nanoTime() - wake0;
                    if (requests) {
                        List<String> steps = new ArrayList<>(timesA.stop());
                        steps.addAll(timesB.stop());
                        steps.sort(java.util.Comparator.comparingDouble(
                                st -> Double.parseDouble(st.substring(st.indexOf(" at +") + 5, st.indexOf(" took")))));
                        System.out.printf("stored-turns: move %d (%.1f ms): %s%n", i + 1, woke / 1e6, String.join("; ", steps));
                    }
                    rows.add(String.format("  move %2d: lineage %7.1f KiB  first turn after the wake %6.1f ms  (warm turn %5.1f ms)",
                            i + 1, bytes / 1024.0, woke / 1e6, warm / 1e6));
                }
                rows.forEach(System.out::println);
            }
        }
    }

    /** One contender of the wakes: a sleeping session, how to tell its sleep has ended, its first turns after the wakes. */
    private record Sleeper(String name, CodexSession session, @Nullable ReleaseCount store, long[] ms, long[] firstEvent, long[] toResume) {
        /** Asleep, and (with a store) the sleep's last step (the lease given back) done since {@code released}. */
        boolean asleepSince(int released) {
            return session.isHibernated() && (store == null || store.releases.get() > released);
        }
    }

    private static void wakes(ConversationStore store, Path binary, ScriptedModelServer model, Path tmp, Path work, int wakes,
                              long lineageBytes) throws Exception {
        // STORED_TURNS_REQUESTS=1: each wake's requests, when each went out and how long codex took
        boolean requests = "1".equals(System.getenv("STORED_TURNS_REQUESTS"));
        List<CodexClient> clients = new ArrayList<>();
        List<RequestTimes> taps = new ArrayList<>();
        // when the last thread/resume went out, on any of the connections (without STORED_TURNS_REQUESTS)
        java.util.concurrent.atomic.AtomicLong resumeSent = new java.util.concurrent.atomic.AtomicLong();
        List<Sleeper> all = new ArrayList<>();
        try {
            for (String name : List.of("none", "here", "moved", "moved-other")) {
                Path home = IsolatedCodexHome.builder(tmp.resolve("wake-" + name), model.baseUrl()).write();
                RequestTimes tap = new RequestTimes(name);
                taps.add(tap);
                clients.add(CodexClient.builder().process(launch(binary, home, work)).wireTap(requests ? tap : new ResumeSent(resumeSent))
                        .connect());
            }
            CodexClient none = clients.get(0);
            CodexClient here = clients.get(1);
            CodexClient[] moving = {clients.get(2), clients.get(3)};
            AtomicInteger placed = new AtomicInteger();
            ClientPlacement alternate = threadId -> new ClientPlacement.Placed(moving[placed.incrementAndGet() % 2], () -> { });
            ReleaseCount hereStore = new ReleaseCount(store);
            ReleaseCount movedStore = new ReleaseCount(store);
            // longer than the three measured turns of a round: no sleep runs while another contender wakes
            Duration idle = Duration.ofSeconds(3);
            all.add(new Sleeper("no store", CodexSession.builder().client(none).cwd(work).hibernateAfter(idle).limits(limits()).build(),
                    null, new long[wakes], new long[wakes], new long[wakes]));
            all.add(new Sleeper("store, where it slept", CodexSession.builder().client(here).cwd(work)
                    .storage(ConversationStorage.builder(hereStore, "bench").build()).hibernateAfter(idle).limits(limits()).build(),
                    hereStore, new long[wakes], new long[wakes], new long[wakes]));
            all.add(new Sleeper("store, moved", CodexSession.builder().client(moving[0]).placement(alternate).cwd(work)
                    .storage(ConversationStorage.builder(movedStore, "bench").build()).hibernateAfter(idle).limits(limits()).build(),
                    movedStore, new long[wakes], new long[wakes], new long[wakes]));
            // each lineage grown to the size asked for, turn by turn (the stored one's size is the store's; the others run as many)
            int grow = 0;
            do {
                for (Sleeper s : all) {
                    check(s.session.runTurn(TurnInput.text("grow " + grow)));
                }
                grow++;
            } while (store.get(all.get(1).session.threadId()).orElseThrow().lineageBytes() < lineageBytes);
            System.out.printf("stored-turns: wakes with lineages of %.1f KiB (%d turns)%n",
                    store.get(all.get(1).session.threadId()).orElseThrow().lineageBytes() / 1024.0, grow);
            int[] released = new int[all.size()];
            for (int i = 0; i < wakes; i++) {
                for (int k = 0; k < all.size(); k++) {
                    Sleeper s = all.get(k);
                    while (!s.asleepSince(released[k])) {
                        Thread.sleep(5);
                    }
                }
                Thread.sleep(300);      // codex has unloaded the thread without a store too (the store's sleep waited for it)
                for (int k = 0; k < all.size(); k++) {
                    Sleeper s = all.get((i + k) % all.size());
                    int index = all.indexOf(s);
                    released[index] = s.store == null ? 0 : s.store.releases.get();
                    long t0 = System.nanoTime();
                    taps.forEach(t -> t.start(t0));
                    java.util.concurrent.atomic.AtomicLong first = new java.util.concurrent.atomic.AtomicLong();
                    check(s.session.runTurn(TurnInput.text("after wake " + i), null, new dev.codexbridge.session.TurnListener() {
                        @Override
                        public void onItemStarted(dev.codexbridge.protocol.ThreadItem item) {
                            first.compareAndSet(0, System.nanoTime());
                        }
                    }));
                    s.ms[i] = (System.nanoTime() - t0) / 1_000;
                    s.firstEvent[i] = (first.get() - t0) / 1_000;
                    s.toResume[i] = (resumeSent.get() - t0) / 1_000;
                    if (requests) {
                        List<String> steps = new ArrayList<>();
                        taps.forEach(t -> steps.addAll(t.stop()));
                        System.out.printf("stored-turns: wake %d, %s (first event %.1f ms): %s%n", i + 1, s.name, s.firstEvent[i] / 1e3,
                                String.join("; ", steps));
                    }
                }
            }
            long[] leases = hereStore.leaseMicros.stream().mapToLong(Long::longValue).toArray();
            long[] gets = hereStore.getMicros.stream().mapToLong(Long::longValue).toArray();
            System.out.printf("  where it slept, the store's part of a wake: lease p50 %.1f ms, get of the record and lineage p50 %.1f ms%n",
                    p50(leases) / 1000.0, p50(gets) / 1000.0);
            for (String what : List.of("resume sent", "first event", "whole turn")) {
                java.util.function.Function<Sleeper, long[]> of = x -> what.equals("resume sent") ? x.toResume
                        : what.equals("first event") ? x.firstEvent : x.ms;
                long[] base = of.apply(all.get(0));
                for (Sleeper s : all) {
                    long[] v = of.apply(s);
                    System.out.printf("  after the wake, %-11s %-22s p50 %6.1f ms  p99 %6.1f ms  (%+.1f ms at the median, %+.1f at p99)%n",
                            what, s.name, p50(v) / 1000.0, p99(v) / 1000.0, (p50(v) - p50(base)) / 1000.0, (p99(v) - p99(base)) / 1000.0);
                }
            }
        } finally {
            for (Sleeper s : all) {
                s.session.closeGracefully().get(1, java.util.concurrent.TimeUnit.MINUTES);
            }
            clients.forEach(CodexClient::close);
        }
    }

    /** Notes when a {@code thread/resume} goes out (a search of the bytes: the messages are not parsed). */
    private record ResumeSent(java.util.concurrent.atomic.AtomicLong at) implements dev.codexbridge.rpc.WireTap {
        @Override
        public void outgoing(byte[] message) {
            long now = System.nanoTime();
            // small messages only: a file's write is no resume, and reading it would cost the wake being measured
            if (message.length < 4096 && new String(message, java.nio.charset.StandardCharsets.UTF_8).contains("\"method\":\"thread/resume\"")) {
                at.set(now);
            }
        }

        @Override
        public void incoming(byte[] buffer, int length) {
        }
    }

    /** The store, counting the leases given back (a sleep's last step) and timing its puts. */
    private static final class ReleaseCount implements ConversationStore {
        private final ConversationStore store;
        final AtomicInteger releases = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong putNanos = new java.util.concurrent.atomic.AtomicLong();
        final AtomicInteger appendPuts = new AtomicInteger();
        /** Each lease and get, in microseconds, in order (for the wakes' breakdown). */
        final List<Long> leaseMicros = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Long> getMicros = new java.util.concurrent.CopyOnWriteArrayList<>();

        ReleaseCount(ConversationStore store) {
            this.store = store;
        }

        @Override
        public dev.codexbridge.store.ConversationLease lease(String threadId, String holder, Duration ttl) {
            long t0 = System.nanoTime();
            try {
                return store.lease(threadId, holder, ttl);
            } finally {
                leaseMicros.add((System.nanoTime() - t0) / 1_000);
            }
        }

        @Override
        public dev.codexbridge.store.ConversationLease renew(dev.codexbridge.store.ConversationLease lease, Duration ttl) {
            return store.renew(lease, ttl);
        }

        @Override
        public boolean release(dev.codexbridge.store.ConversationLease lease) {
            boolean given = store.release(lease);
            releases.incrementAndGet();
            return given;
        }

        @Override
        public dev.codexbridge.store.StoredConversation put(dev.codexbridge.store.ConversationLease lease,
                                                           dev.codexbridge.store.StoredConversation conversation) {
            long t0 = System.nanoTime();
            try {
                return store.put(lease, conversation);
            } finally {
                putNanos.addAndGet(System.nanoTime() - t0);
            }
        }

        @Override
        public dev.codexbridge.store.StoredConversation putAppending(dev.codexbridge.store.ConversationLease lease,
                                                                    dev.codexbridge.store.StoredConversation conversation,
                                                                    List<dev.codexbridge.store.RolloutAppend> appends) {
            long t0 = System.nanoTime();
            try {
                return store.putAppending(lease, conversation, appends);
            } finally {
                putNanos.addAndGet(System.nanoTime() - t0);
                appendPuts.incrementAndGet();
            }
        }

        @Override
        public java.util.Optional<dev.codexbridge.store.StoredConversation> get(String threadId) {
            long t0 = System.nanoTime();
            try {
                return store.get(threadId);
            } finally {
                getMicros.add((System.nanoTime() - t0) / 1_000);
            }
        }

        @Override
        public boolean delete(dev.codexbridge.store.ConversationLease lease) {
            return store.delete(lease);
        }

        @Override
        public List<dev.codexbridge.store.ConversationSummary> list(String afterThreadId, int limit) {
            return store.list(afterThreadId, limit);
        }

        @Override
        public void close() {
            store.close();
        }
    }

    private static void check(TurnResult r) {
        if (r.status() != TurnOutcome.COMPLETED) {
            throw new IllegalStateException("a turn did not complete: " + r);
        }
    }

    private static TurnLimits limits() {
        return TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO);
    }

    private static CodexLaunch launch(Path binary, Path home, Path work) {
        return CodexLaunch.appServer(binary).codexHome(home).workingDirectory(work).detachFromTerminal(true).build();
    }
}
