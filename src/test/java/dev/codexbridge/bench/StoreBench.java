package dev.codexbridge.bench;

import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.Lineages;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The conversation stores' cost: put+get latency (p50/p99) of a 100 KiB and a 5 MiB lineage on
 * the disk store and on PostgreSQL (a real server from Debian's binaries, fsync on), and what
 * PostgreSQL holds per conversation for many small ones.
 *
 * <p>{@code bin/bench store [SMALL_CONVERSATIONS] [SMALL_BYTES | ROLLOUT_FILE]} (defaults 10000 and
 * 16384): each small conversation is SMALL_BYTES of generated rollout lines, or the bytes of a real
 * rollout file (how well PostgreSQL compresses it decides the space).
 */
public final class StoreBench {
    private static final Duration TTL = Duration.ofHours(1);

    private StoreBench() {
    }

    public static void main(String[] args) throws Exception {
        int small = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        byte[] smallRollout = args.length > 1 && Files.isRegularFile(Path.of(args[1])) ? Files.readAllBytes(Path.of(args[1]))
                : jsonl(args.length > 1 ? Integer.parseInt(args[1]) : 16 << 10, 0);
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "store-bench-");
        try (PostgresServer server = PostgresServer.start(true)) {
            try (DiskConversationStore disk = DiskConversationStore.open(dir.resolve("disk"));
                 PostgresConversationStore postgres = PostgresConversationStore.builder().jdbcUrl(server.newDatabase()).build()) {
                for (int bytes : new int[] {100 << 10, 5 << 20}) {
                    int iterations = bytes < (1 << 20) ? 300 : 60;
                    latency("disk", disk, bytes, iterations);
                    latency("postgresql", postgres, bytes, iterations);
                }
            }
            String url = server.newDatabase();
            try (PostgresConversationStore postgres = PostgresConversationStore.builder().jdbcUrl(url).build()) {
                fill(postgres, small, smallRollout);
            }
            sizes(url, small, smallRollout.length);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Puts a new version of one conversation and gets it back, again and again. */
    private static void latency(String name, ConversationStore store, int bytes, int iterations) {
        String id = Lineages.newThreadId();
        // the thread's own rollout and one a revert started: three quarters and a quarter; two lineages put in turn, so that
        // every put replaces every byte (a store may keep a rollout that did not change without writing it again)
        String revert = Lineages.revertPath(id, Lineages.newThreadId());
        List<List<RolloutFile>> lineages = new ArrayList<>();
        for (long seed : new long[] {1, 3}) {
            lineages.add(List.of(RolloutFile.of(Lineages.ownPath(id), jsonl(bytes * 3 / 4, seed)),
                    RolloutFile.of(revert, jsonl(bytes - bytes * 3 / 4, seed + 1))));
        }
        ConversationLease lease = store.lease(id, "bench", TTL);
        long version = 0;
        int warmUp = iterations / 5;
        long[] put = new long[iterations];
        long[] get = new long[iterations];
        long[] both = new long[iterations];
        for (int i = -warmUp; i < iterations; i++) {
            long t0 = System.nanoTime();
            List<RolloutFile> lineage = lineages.get(Math.floorMod(i, 2));
            version = store.put(lease, StoredConversation.builder(id, lineage).version(version).build()).version();
            long t1 = System.nanoTime();
            StoredConversation read = store.get(id).orElseThrow();
            long t2 = System.nanoTime();
            if (read.lineageBytes() != bytes) {
                throw new IllegalStateException("read back " + read.lineageBytes() + " bytes of " + bytes);
            }
            if (i >= 0) {
                put[i] = t1 - t0;
                get[i] = t2 - t1;
                both[i] = t2 - t0;
            }
        }
        store.delete(lease);
        System.out.printf("%-10s %7d KiB x%d: put+get p50 %7.2f ms p99 %7.2f ms | put p50 %7.2f p99 %7.2f | get p50 %7.2f p99 %7.2f%n",
                name, bytes >> 10, iterations, ms(both, 50), ms(both, 99), ms(put, 50), ms(put, 99), ms(get, 50), ms(get, 99));
    }

    /** Rollout lines of exactly {@code bytes}. */
    private static byte[] jsonl(int bytes, long seed) {
        return Arrays.copyOf(Lineages.jsonl(bytes, seed), bytes);
    }

    /** {@code count} one-file conversations, as a host puts each to sleep: lease, put, release; four at a time. */
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
                        ConversationLease lease = store.lease(id, "bench", TTL);
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
        System.out.printf("postgresql: %d conversations of %d bytes put in %.1f s%n", count, rollout.length, (System.nanoTime() - start) / 1e9);
    }

    private static void sizes(String url, int count, int bytes) throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE");
            long total = 0;
            for (String table : List.of("codex_store_conversation", "codex_store_rollout", "codex_store_lease")) {
                try (ResultSet rs = s.executeQuery("SELECT pg_total_relation_size('" + table + "'), (SELECT count(*) FROM " + table + ")")) {
                    rs.next();
                    total += rs.getLong(1);
                    System.out.printf("postgresql: %-26s %9.1f KiB in all, %5d rows%n", table, rs.getLong(1) / 1024.0, rs.getLong(2));
                }
            }
            System.out.printf("postgresql: %.2f KiB per conversation of %.1f KiB of rollout (pg_total_relation_size of the three tables / %d)%n",
                    total / 1024.0 / count, bytes / 1024.0, count);
        }
    }

    private static double ms(long[] nanos, int percentile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
