package dev.codexbridge.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The stores the door benches ({@code bin/bench a2a}, {@code bin/bench mcp}) put beside the door
 * without one: {@code disk} (a folder under the bench's own), {@code postgres} (Debian's server,
 * started for the run, its conversation store and a pool for the A2A records); and the alternation
 * of contenders in one run, round 0 a warm-up, the order turning each round.
 */
final class StoreContenders implements AutoCloseable {
    /** One turn of a contender; throws when it did not complete. */
    interface Turn {
        void run() throws Exception;

        /** Before each block when the blocks are fresh: the next turn starts a new conversation. */
        default void newConversation() {
        }
    }

    /** A store a door is given: its storage, and for PostgreSQL the pool the A2A records use (else null). */
    record Backing(String name, ConversationStorage storage, DataSource dataSource) {
    }

    private final List<Backing> all = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();

    private StoreContenders() {
    }

    static StoreContenders open(List<String> names, Path tmp) throws Exception {
        StoreContenders c = new StoreContenders();
        try {
            for (String name : names) {
                switch (name) {
                    case "none", "" -> { }
                    case "disk" -> {
                        ConversationStore store = DiskConversationStore.open(tmp.resolve("store"));
                        c.closing.add(store);
                        c.all.add(new Backing("disk", ConversationStorage.builder(store, "bench").build(), null));
                    }
                    case "postgres" -> {
                        PostgresServer server = PostgresServer.start(false);
                        c.closing.add(server);
                        String url = server.newDatabase();
                        PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(4).build();
                        c.closing.add(store);
                        HikariConfig h = new HikariConfig();
                        h.setJdbcUrl(url);
                        h.setMaximumPoolSize(4);
                        HikariDataSource records = new HikariDataSource(h);
                        c.closing.add(records);
                        c.all.add(new Backing("postgres", ConversationStorage.builder(store, "bench").build(), records));
                    }
                    default -> throw new IllegalArgumentException("stores: none, disk, postgres; not " + name);
                }
            }
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    List<Backing> all() {
        return all;
    }

    /**
     * Runs blocks of {@code turns} turns of each contender, {@code rounds} counted rounds after a
     * warm-up, the order turning each round; prints the median turn per round and of the rounds,
     * and each contender's difference to the first two (the direct session, the door without a
     * store). With {@code fresh}, each block starts a new conversation (its rollout, which every
     * stored turn reads whole, stays short). Returns the JVM's CPU per turn by contender.
     */
    static Map<String, Double> alternate(Map<String, Turn> contenders, int turns, int rounds, boolean fresh,
                                         com.sun.management.OperatingSystemMXBean os) throws Exception {
        List<String> names = new ArrayList<>(contenders.keySet());
        Map<String, List<Double>> medians = new LinkedHashMap<>();
        Map<String, Double> cpu = new LinkedHashMap<>();
        names.forEach(n -> {
            medians.put(n, new ArrayList<>());
            cpu.put(n, 0.0);
        });
        for (int r = 0; r <= rounds; r++) {
            for (int k = 0; k < names.size(); k++) {
                String name = names.get((k + r) % names.size());
                Turn turn = contenders.get(name);
                if (fresh) {
                    turn.newConversation();
                }
                long cpu0 = os.getProcessCpuTime();
                double[] ms = new double[turns];
                for (int i = 0; i < turns; i++) {
                    long t0 = System.nanoTime();
                    turn.run();
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
                if (r > 0) {
                    Arrays.sort(ms);
                    medians.get(name).add(ms[turns / 2]);
                    cpu.merge(name, (os.getProcessCpuTime() - cpu0) / 1e6 / turns / rounds, Double::sum);
                }
            }
        }
        for (String n : names) {
            System.out.printf("%-14s median turn per round %s ms; median of the rounds %.1f ms%n", n, medians.get(n), median(medians.get(n)));
        }
        if (names.size() > 2) {
            String base = names.get(1);
            for (String n : names.subList(2, names.size())) {
                // the paired difference, round by round, is steadier than the difference of the medians on a shared machine
                List<Double> paired = new ArrayList<>();
                for (int i = 0; i < rounds; i++) {
                    paired.add(medians.get(n).get(i) - medians.get(base).get(i));
                }
                System.out.printf("%s against %s: %+.1f ms by the medians of the rounds, %+.1f ms by the median of the paired rounds %s%n",
                        n, base, median(medians.get(n)) - median(medians.get(base)), median(paired), paired);
            }
        }
        cpu.replaceAll((k, v) -> Math.round(v * 100) / 100.0);
        return cpu;
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    @Override
    public void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }
}
