package dev.codexbridge.bench;

import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.support.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A month of conversations, as a user deploys the service (issue 80): {@code bin/bench month [N] [VARIANTS]
 * [EVERY] [AT_ONCE]} (defaults 600, {@link #ALL}, 100, 4). Each variant runs the real thing in processes of
 * its own — the CLI's door or a Spring Boot application on the starter, the pinned codex below it, against the
 * scripted model — and is fed N new conversations of one quick turn each, AT_ONCE at a time, with no pause
 * (the samples are taken while the traffic goes on), after a warm-up of {@link #WARM_UP} and on until the serving
 * JVM's young generation was collected twice under the traffic ({@link #youngCollections}; at most
 * {@link #WARM_UP_MAX}). Every EVERY
 * conversations served it samples: the serving JVM's live heap ({@code jcmd GC.class_histogram}, a full GC
 * first; the JVM runs {@link DoorStateBench#WEIGHED_JVM}), the whole process tree's resident memory (the
 * JVM, every codex and what they started: {@link ProcessTree}), its threads and open descriptors, the bytes
 * in the codex homes its codex processes run in (links not followed) and in the store (the disk store's
 * folder; PostgreSQL's {@code pg_database_size}). Then once more after 10 s with nothing asked. Printed per
 * variant: every sample, and per conversation ever served the growth (end against the warm-up, over N) and
 * the least-squares slope after the first fifth, against the goals, as Markdown tables.
 * <ul>
 * <li>{@code a2a}, {@code mcp}: {@code codex-bridge a2a} / {@code codex-bridge mcp --http} with {@code
 * --offline-demo} (its scripted model in the door's JVM), {@code --hibernate-after 1} (a number among the parts
 * replaces it), one principal; {@code :store} adds {@code --store DIR}, {@code :pg} a PostgreSQL database
 * (Debian's binaries, as {@code bin/bench store}); {@code :keepK} adds {@code --keep-slept-copy K}
 * ({@link CliDoorMemoryVariant}).</li>
 * <li>{@code starter}, {@code starter:store}, {@code starter:pg}: a Spring Boot web application on the
 * starter's sessions ({@link StarterMonthVariant}); its scripted model in this JVM; {@code :keepK} as for the
 * doors ({@code codex-bridge.store.keep-slept-copy}).</li>
 * <li>{@code NAME@R}: codex recycled after R conversations ({@code --recycle-after R},
 * {@code codex-bridge.process.recycle-after}).</li>
 * <li>{@code NAME~C}: at most C conversations a second begun (the warm-up too), spread evenly; without it, as fast as
 * the service serves them, AT_ONCE at a time.</li>
 * </ul>
 * {@code MONTH_DOOR_JVM}: more options for the serving JVM (say, a logger's level); {@code MONTH_LOGS=DIR}: each CLI
 * variant's log is kept there as {@code VARIANT.log} (the run's folder is deleted).
 */
public final class MonthBench {
    static final List<String> ALL = List.of("a2a", "a2a:store", "mcp", "mcp:store", "starter", "starter:store");
    static final int WARM_UP = 50;
    /** The most conversations the warm-up serves waiting for the serving JVM's first young collection. */
    static final int WARM_UP_MAX = 5_000;
    /** The goals per conversation ever served, in KiB: the JVM's live heap, the process tree, codex's homes. */
    static final double HEAP_GOAL = 1;
    static final double TREE_GOAL = 4;
    static final double HOME_GOAL = 1;

    private MonthBench() {
    }

    /** A variant's serving process and how a conversation is served through it. */
    interface Serving extends CodexMemoryBench.Variant {
        /** The serving JVM: the root of the tree measured. */
        Process process();

        /** What the serving process says of itself after the run, or empty. */
        default String note() throws Exception {
            return "";
        }
    }

    /** Columns of a sample row. */
    static final int SERVED = 0;
    static final int HEAP = 1;
    static final int TREE_RSS = 2;
    static final int JVM_RSS = 3;
    static final int THREADS = 4;
    static final int JVM_THREADS = 5;
    static final int FDS = 6;
    static final int JVM_FDS = 7;
    static final int PROCESSES = 8;
    static final int HOMES = 9;
    static final int STORE = 10;
    static final int SECONDS = 11;

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.log.dev.codexbridge.codex.stderr", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.modelcontextprotocol", "warn");
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        List<String> variants = args.length > 1 && !args[1].equals("all") ? List.of(args[1].split(",")) : ALL;
        int every = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int atOnce = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        System.out.printf("month: %,d conversations per variant after %d of warm-up, sampled every %,d, %d at a time; codex %s; load %s%n",
                n, WARM_UP, every, atOnce, new dev.codexbridge.process.CodexLocator().locate(null).binary(), load());
        List<MonthReport> reports = new ArrayList<>();
        PostgresServer postgres = null;
        try (LiveRig rig = new LiveRig()) {
            for (String spec : variants) {
                int paced = spec.indexOf('~');
                double rate = paced < 0 ? 0 : Double.parseDouble(spec.substring(paced + 1));
                String named = spec;
                spec = paced < 0 ? spec : spec.substring(0, paced);
                int at = spec.indexOf('@');
                long recycleAfter = at < 0 ? 0 : Long.parseLong(spec.substring(at + 1));
                List<String> parts = new ArrayList<>(List.of((at < 0 ? spec : spec.substring(0, at)).split(":")));
                String door = parts.remove(0);
                boolean pg = parts.remove("pg");
                boolean disk = parts.remove("store");
                if (pg && postgres == null) {
                    postgres = PostgresServer.start(true);
                }
                Path dir = TestDirs.create("month");
                String store = pg ? postgres.newDatabase() : disk ? dir.resolve("store").toString() : null;
                Serving serving;
                if (door.equals("starter")) {
                    String keep = parts.stream().filter(p -> p.startsWith("keep")).map(p -> p.substring("keep".length())).findFirst()
                            .orElse(null);
                    serving = new StarterMonthVariant(dir, rig, store, recycleAfter, keep, doorJvm());
                } else {
                    List<String> cli = new ArrayList<>(List.of(door));
                    if (store != null) {
                        cli.add("store");
                    }
                    cli.addAll(parts);
                    if (parts.stream().noneMatch(p -> p.matches("\\d+"))) {
                        cli.add("1");      // --hibernate-after 1: conversations sleep
                    }
                    serving = new CliDoorMemoryVariant(dir, String.join(":", cli), recycleAfter, doorJvm(), store);
                }
                try (Serving s = serving) {
                    reports.add(run(named, s, store, n, every, atOnce, rate));
                } finally {
                    LiveRig.reapChildren(java.time.Duration.ofSeconds(20));
                    keepLog(dir, spec);
                    TestDirs.delete(dir);
                }
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
            LiveRig.reapChildren(java.time.Duration.ofSeconds(20));
        }
        MonthReport.summary(reports, n, atOnce);
    }

    private static MonthReport run(String name, Serving s, String store, int n, int every, int atOnce, double rate) throws Exception {
        long pid = s.process().pid();
        Set<Path> homes = new LinkedHashSet<>();
        Set<Long> codexes = new LinkedHashSet<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger warm = new AtomicInteger();
        serve(s, WARM_UP, atOnce, warm, done, failed, rate);
        // on until the serving JVM's young generation was collected twice under the traffic: its eden and both survivor spaces
        // touched whole, a step of the JVM's own (30 - 40 MiB of resident memory, once) that would otherwise count against the
        // run's first conversations; a collection in the JVM's start does not count (conversations did not fill that eden)
        long started = youngCollections(pid);
        while (started >= 0 && youngCollections(pid) < started + 2 && warm.get() < WARM_UP_MAX) {
            serve(s, warm.get() + WARM_UP, atOnce, warm, done, failed, rate);
        }
        System.out.printf("month: %s warmed up with %,d conversations (the serving JVM's young generation collected %d times)%n", name,
                warm.get(), youngCollections(pid));
        List<long[]> rows = new ArrayList<>();
        Map<String, long[]> before = DoorMemoryBench.read(DoorStateBench.histogram(pid));
        long t0 = System.nanoTime();
        rows.add(sample(pid, 0, DoorStateBench.total(before), homes, codexes, store, t0));
        done.set(0);
        AtomicInteger next = new AtomicInteger();
        ExecutorService feeder = Executors.newSingleThreadExecutor();
        Future<?> traffic = feeder.submit(() -> {
            serve(s, n, atOnce, next, done, failed, rate);
            return null;
        });
        Map<String, long[]> after = before;
        try {
            for (int k = every; k < n; k += every) {
                while (done.get() < k && !traffic.isDone()) {
                    Thread.sleep(20);
                }
                if (traffic.isDone()) {
                    break;
                }
                // while the traffic goes on: the full GC pauses it, nothing else does
                int served = done.get();
                after = DoorMemoryBench.read(DoorStateBench.histogram(pid));
                rows.add(sample(pid, served, DoorStateBench.total(after), homes, codexes, store, t0));
            }
            traffic.get();
        } finally {
            next.set(n);        // the workers stop at their next conversation
            feeder.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        after = DoorMemoryBench.read(DoorStateBench.histogram(pid));
        rows.add(sample(pid, done.get(), DoorStateBench.total(after), homes, codexes, store, t0));
        LiveRig.sleep(10_000);
        Map<String, long[]> quiet = DoorMemoryBench.read(DoorStateBench.histogram(pid));
        long[] quietRow = sample(pid, done.get(), DoorStateBench.total(quiet), homes, codexes, store, t0);
        MonthReport report = new MonthReport(name, done.get(), seconds, failed.get(), rows, quietRow, codexes.size(), homes,
                DoorMemoryBench.growth(before, after, Math.max(1, done.get())), s.note());
        report.print();
        return report;
    }

    /**
     * Conversations until {@code next} reaches {@code n}, {@code atOnce} at a time, the k-th begun no sooner than k /
     * {@code rate} seconds in (0: no pace); more than a twentieth failing ends it.
     */
    /** How many young collections the JVM {@code pid} made ({@code jcmd PerfCounter.print}'s first collector); -1 unknown. */
    static long youngCollections(long pid) throws Exception {
        Process p = new ProcessBuilder("jcmd", String.valueOf(pid), "PerfCounter.print").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^sun\\.gc\\.collector\\.0\\.invocations=(\\d+)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void serve(Serving s, int n, int atOnce, AtomicInteger next, AtomicInteger done, AtomicInteger failed, double rate)
            throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(atOnce);
        long begun = System.nanoTime();
        int first = next.get();
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int w = 0; w < atOnce; w++) {
                all.add(workers.submit(() -> {
                    for (int k; (k = next.getAndIncrement()) < n;) {
                        if (rate > 0) {
                            long wait = begun + (long) ((k - first) * 1e9 / rate) - System.nanoTime();
                            if (wait > 0) {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            }
                        }
                        try {
                            s.conversation();
                            done.incrementAndGet();
                        } catch (Exception | Error e) {
                            int f = failed.incrementAndGet();
                            if (f <= 3) {
                                System.out.printf("month:   a conversation failed: %s%n", e);
                            }
                            if (f > Math.max(5, n / 20)) {
                                throw new IllegalStateException(f + " conversations failed", e);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            workers.shutdownNow();
        }
    }

    /** One row: the columns above; the codex processes and homes seen are added to {@code codexes} and {@code homes}. */
    private static long[] sample(long pid, int served, long heap, Set<Path> homes, Set<Long> codexes, String store, long t0) {
        ProcessTree.Sample t = ProcessTree.sample(pid);
        homes.addAll(t.homes());
        codexes.addAll(t.codexes());
        long homeKib = homes.stream().mapToLong(MonthBench::homeKib).sum();
        long[] row = new long[12];
        row[SERVED] = served;
        row[HEAP] = heap;
        row[TREE_RSS] = t.rss();
        row[JVM_RSS] = t.rootRss();
        row[THREADS] = t.threads();
        row[JVM_THREADS] = t.rootThreads();
        row[FDS] = t.fds();
        row[JVM_FDS] = t.rootFds();
        row[PROCESSES] = t.processes();
        row[HOMES] = homeKib * 1024;
        row[STORE] = storeBytes(store);
        row[SECONDS] = (System.nanoTime() - t0) / 1_000_000_000L;
        System.out.printf("month:   %,d served, %d s: heap %.1f MiB, tree %.1f MiB in %d processes, %d threads, %d fds, homes %.1f MiB, "
                + "store %.1f MiB%n", served, row[SECONDS], heap / 1048576.0, t.rss() / 1024.0, t.processes(), t.threads(), t.fds(),
                homeKib / 1024.0, row[STORE] / 1048576.0);
        return row;
    }

    /** A home's KiB, read again when a file went away under the walk (which reads as zero: a home is never empty). */
    private static long homeKib(Path home) {
        for (int attempt = 0; attempt < 5; attempt++) {
            long kib = CodexMemoryBench.homeKib(home)[0];
            if (kib > 0) {
                return kib;
            }
            LiveRig.sleep(50);
        }
        return 0;
    }

    /** The store's bytes: the disk store's folder, or the PostgreSQL database's size; 0 without a store. */
    private static long storeBytes(String store) {
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                if (store == null) {
                    return 0;
                }
                if (store.startsWith("jdbc:")) {
                    try (Connection c = DriverManager.getConnection(store); Statement st = c.createStatement();
                         ResultSet rs = st.executeQuery("SELECT pg_database_size(current_database())")) {
                        rs.next();
                        return rs.getLong(1);
                    }
                }
                return Files.isDirectory(Path.of(store)) ? StoredSpace.folderBytes(Path.of(store)) : 0;
            } catch (java.io.IOException | java.io.UncheckedIOException | java.sql.SQLException e) {
                LiveRig.sleep(50);      // a file removed under the walk: read again
            }
        }
        return -1;
    }

    /** The machine's load averages, from {@code /proc/loadavg}. */
    /** The serving JVM's options: the weighed launcher's, and {@code MONTH_DOOR_JVM}'s. */
    private static List<String> doorJvm() {
        List<String> jvm = new ArrayList<>(DoorStateBench.WEIGHED_JVM);
        String more = System.getenv("MONTH_DOOR_JVM");
        if (more != null && !more.isBlank()) {
            jvm.addAll(List.of(more.trim().split("\\s+")));
        }
        return jvm;
    }

    /** The CLI's log of a variant, copied to {@code MONTH_LOGS} when set. */
    private static void keepLog(Path dir, String spec) {
        String logs = System.getenv("MONTH_LOGS");
        Path log = dir.resolve("cli.log");
        if (logs == null || logs.isBlank() || !Files.exists(log)) {
            return;
        }
        try {
            Files.createDirectories(Path.of(logs));
            Files.copy(log, Path.of(logs, spec.replaceAll("[^A-Za-z0-9@.-]", "_") + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            System.out.println("the variant's log was not kept: " + e);
        }
    }

    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
