package dev.codexbridge.bench;

import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.Lineages;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.process.CodexLocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many conversations in the PostgreSQL store, a few awake: {@code bin/bench stored-many [STORED]
 * [AWAKE] [ROLLOUT_BYTES]} (defaults 100000, 1000, 16384). STORED closed conversations are put in
 * the store (generated rollouts), then a host opens AWAKE sessions across three real app-servers
 * (a {@link CodexPool} with the store), each running one turn and staying awake. Measured: the
 * host JVM's heap after GC and RSS before the store is filled, after it is filled (what the host
 * pays per stored, closed conversation: nothing of it is in the JVM), and with the sessions
 * awake; codex's RSS; the store's size per conversation.
 */
public final class StoredManyBench {
    private StoredManyBench() {
    }

    public static void main(String[] args) throws Exception {
        int stored = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int awake = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        int bytes = args.length > 2 ? Integer.parseInt(args[2]) : 16 << 10;
        Path tmp = Files.createTempDirectory("stored-many-");
        Path binary = new CodexLocator().locate(null).binary();
        try (PostgresServer server = PostgresServer.start(false)) {
            String url = server.newDatabase();
            try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(url).build()) {
                store.list(null, 1);     // the pool and schema up before the baseline
                Reading empty = Reading.now("store open, empty");
                fill(store, stored, Lineages.jsonl(bytes, 7));
                Reading filled = Reading.now(String.format("%,d stored", stored));
                System.out.printf("stored-many: host per stored, closed conversation: heap %+.3f KiB, JVM RSS %+.3f KiB%n",
                        (filled.heap - empty.heap) / 1024.0 / stored, (double) (filled.jvmRssKib - empty.jvmRssKib) / stored);
                awake(store, binary, tmp, awake, filled);
                sizes(url, stored + awake);
            }
        }
    }

    private record Reading(long heap, long jvmRssKib, long codexRssKib) {
        static Reading now(String what) {
            long heap = ProcMemory.heapAfterGc();
            ProcMemory.Sample s = ProcMemory.sample();
            long codex = codexProcessesRssKib();
            System.out.printf("stored-many: %-40s heap %8.1f MiB  JVM RSS %8.1f MiB  codex RSS %8.1f MiB%n", what, heap / 1048576.0,
                    s.jvmRss() / 1024.0, codex / 1024.0);
            return new Reading(heap, s.jvmRss(), codex);
        }
    }

    private static long codexProcessesRssKib() {
        long sum = 0;
        for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
            String command = p.info().command().orElse("");
            if (command.contains("codex")) {
                sum += rssKib(p.pid());
            }
        }
        return sum;
    }

    private static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception gone) {
            // ended meanwhile
        }
        return 0;
    }

    private static void fill(ConversationStore store, int count, byte[] rollout) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        long start = System.nanoTime();
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int from = t * count / 4;
                int to = (t + 1) * count / 4;
                work.add(threads.submit(() -> {
                    for (int i = from; i < to; i++) {
                        String id = Lineages.newThreadId();
                        ConversationLease lease = store.lease(id, "bench", Duration.ofMinutes(5));
                        store.put(lease, StoredConversation.builder(id, List.of(RolloutFile.of(Lineages.ownPath(id), rollout)))
                                .name("conversation " + i).build());
                        store.release(lease);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            threads.shutdown();
        }
        System.out.printf("stored-many: %,d conversations of %d bytes put in %.1f s%n", count, rollout.length, (System.nanoTime() - start) / 1e9);
    }

    private static void awake(ConversationStore store, Path binary, Path tmp, int count, Reading before) throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            model.respondWhenEmpty(request -> ModelReply.message("ok"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            List<ListeningAppServer> servers = new ArrayList<>();
            try {
                CodexPool.Builder pool = CodexPool.builder().maxThreadsPerEndpoint(count);
                for (int i = 0; i < 3; i++) {
                    Path home = IsolatedCodexHome.builder(tmp.resolve("home-" + i), model.baseUrl()).write();
                    ListeningAppServer server = ListeningAppServer.websocket(binary, home, work, List.of());
                    servers.add(server);
                    pool.endpoint("codex-" + i, server.endpoint());
                }
                pool.storage(ConversationStorage.builder(store, "bench").build());
                Reading idle = Reading.now("three app-servers up, no session");
                List<CodexSession> sessions = new ArrayList<>();
                long start = System.nanoTime();
                AtomicInteger done = new AtomicInteger();
                try (CodexPool p = pool.build()) {
                    List<CompletableFuture<Void>> turns = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        CodexSession s = p.newSession(b -> b.cwd(work).hibernateAfter(Duration.ZERO)
                                .limits(TurnLimits.of(Duration.ofMinutes(5), Duration.ZERO)));
                        sessions.add(s);
                        turns.add(s.runTurnAsync(TurnInput.text("hello"), null, null).thenAccept(r -> {
                            if (r.status() != TurnOutcome.COMPLETED) {
                                throw new IllegalStateException("a turn did not complete: " + r);
                            }
                            done.incrementAndGet();
                        }));
                    }
                    CompletableFuture.allOf(turns.toArray(CompletableFuture[]::new)).join();
                    System.out.printf("stored-many: %,d sessions opened and one turn each in %.1f s; endpoints %s%n", done.get(),
                            (System.nanoTime() - start) / 1e9, p.endpoints().stream().map(e -> e.name() + "=" + e.threads()).toList());
                    Reading up = Reading.now(String.format("%,d awake", count));
                    System.out.printf("stored-many: per awake conversation: heap %.1f KiB, JVM RSS %.1f KiB, codex RSS %.1f KiB%n",
                            (up.heap - idle.heap) / 1024.0 / count, (double) (up.jvmRssKib - idle.jvmRssKib) / count,
                            (double) (up.codexRssKib - idle.codexRssKib) / count);
                    System.out.printf("stored-many: in the store now: %,d conversations%n", count(store));
                    sessions.forEach(CodexSession::close);
                }
            } finally {
                servers.forEach(ListeningAppServer::close);
            }
        }
    }

    private static long count(ConversationStore store) {
        long n = 0;
        String after = null;
        while (true) {
            var page = store.list(after, 5_000);
            if (page.isEmpty()) {
                return n;
            }
            n += page.size();
            after = page.get(page.size() - 1).threadId();
        }
    }

    private static void sizes(String url, long count) throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE");
            try (ResultSet rs = s.executeQuery("SELECT pg_database_size(current_database())")) {
                rs.next();
                System.out.printf("stored-many: PostgreSQL database %.1f MiB, %.2f KiB per conversation%n", rs.getLong(1) / 1048576.0,
                        rs.getLong(1) / 1024.0 / count);
            }
        }
    }
}
