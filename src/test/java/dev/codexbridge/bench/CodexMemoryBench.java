package dev.codexbridge.bench;

import dev.codexbridge.json.Json;
import dev.codexbridge.process.AppServerRecycle;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.IdleRestart;
import dev.codexbridge.rpc.WireTap;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What codex's memory does per conversation served, by what is asked of it (issue 80): {@code bin/bench
 * codex-memory [N] [VARIANTS] [EVERY] [AT_ONCE]} (defaults 600, {@link #ALL}, 50, 4). Each variant runs
 * on a codex of its own over a fresh home, against the scripted model server: N new conversations of one
 * quick turn each, AT_ONCE at a time, never touched again; codex's anonymous memory ({@code RssAnon}) and
 * resident memory ({@code VmRSS}) read from {@code /proc} every EVERY conversations, and the slope of
 * a least-squares line through the samples after the first fifth, in KiB per conversation; then once
 * more after 20 s with nothing asked; with each sample, the bytes in codex's home ({@code CODEX_HOME}, its
 * databases and logs included) and its rollout files. No idle restart, so nothing but codex decides what it keeps.
 * <ul>
 * <li>{@code lib}: library sessions on one client, no store, hibernating after 1 s (each sleep a
 * {@code thread/unsubscribe}), closed once asleep.</li>
 * <li>{@code lib-store}: the same with a disk store as the doors give it (the doors' lease, a store
 * after each turn, a sleep into the store), closed once stored away as the MCP door closes them;
 * {@code lib-store-close}: closed right after the turn instead (stored, codex's copy removed); {@code lib-store-newest16},
 * {@code lib-newest16}: hibernating after 60 s (the doors' default), the 16 newest kept open and the oldest closed as each new
 * one is served, as the A2A door's contexts per caller are, with the store or without; {@code tenants-store}: the
 * doors' shape, a gateway over {@code CodexTenants} (one principal, so one codex) with the store.</li>
 * <li>{@code cli:DOOR[:store][:S][:keepK]}: the command an operator runs, {@code codex-bridge mcp --http} or {@code codex-bridge a2a},
 * {@code --offline-demo}, {@code --hibernate-after S} when given, {@code --store DIR} with {@code store}, in a JVM of its own
 * ({@link CliDoorMemoryVariant}), {@code --keep-slept-copy K} with {@code keepK}.</li>
 * <li>{@code NAME@N}: any of the library's or the CLI's variants with codex recycled after N conversations
 * ({@code AppServerRecycle}, {@code --recycle-after N}); each sample reads the codex running then.</li>
 * <li>{@code raw:STEPS}: a bare JSON-RPC driver ({@link RawCodexPeer}): {@code thread/start} and the turn,
 * then each step of STEPS ({@code +}-separated) in order: {@code unsub} ({@code thread/unsubscribe}),
 * {@code read} ({@code thread/read} without turns), {@code readturns} (with them), {@code goal}
 * ({@code thread/goal/get}), {@code readfile} ({@code fs/readFile} of its rollout), {@code meta}
 * ({@code fs/getMetadata} of it), {@code readdir} ({@code fs/readDirectory} of {@code sessions/} and each folder down to the
 * rollout's, as a lineage's export looks for files a revert started), {@code resume} ({@code thread/resume}), {@code list} ({@code
 * thread/list}), {@code loaded} ({@code thread/loaded/list}), {@code remove} ({@code fs/remove} of its rollout), {@code delete}
 * ({@code thread/delete}),
 * {@code unloaded} (waits, asking {@code thread/loaded/list}, until codex no longer lists it). Its {@code thread/start} and
 * {@code thread/resume} ask codex to unload the thread as soon as nobody follows it, as the library's do.</li>
 * </ul>
 * For the library variants the requests the library sent are counted by method, per conversation
 * ({@code CODEX_MEMORY_WIRE=N} prints the first N as sent). Each sample also counts the rollout files
 * codex holds open: one per thread it has loaded.
 */
public final class CodexMemoryBench {
    /** The default set: the library with and without the store, and the bare driver's steps one at a time. */
    static final List<String> ALL = List.of("lib", "lib-store", "lib-newest16", "lib-store-newest16", "raw:", "raw:unsub",
            "raw:unsub+unloaded", "raw:unsub+unloaded+read", "raw:read+goal+readfile+readdir+meta+unsub", "raw:unsub+unloaded+resume+unsub",
            "raw:unsub+list", "raw:unsub+unloaded+remove", "raw:unsub+unloaded+delete", "raw:unsub+unloaded+remove+delete");

    private CodexMemoryBench() {
    }

    /** One way of serving a conversation on a codex of the variant's own. */
    interface Variant extends AutoCloseable {
        /** Serves one new conversation: opened, one quick turn, let go of as the variant does. */
        void conversation() throws Exception;

        /** Waits until every conversation served has been let go of; false when some still were not after the wait. */
        boolean settle() throws Exception;

        /** The codex process. */
        long codexPid();

        /** What the library sent, by method, or empty. */
        default Map<String, Integer> sent() {
            return Map.of();
        }
    }

    public static void main(String[] args) throws Exception {
        // codex's own log lines (one per turn for the scripted model's name) say nothing here
        System.setProperty("org.slf4j.simpleLogger.log.dev.codexbridge.codex.stderr", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.modelcontextprotocol", "warn");
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        List<String> variants = args.length > 1 && !args[1].equals("all") ? List.of(args[1].split(",")) : ALL;
        int every = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        int atOnce = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        System.out.printf("codex-memory: %d conversations per variant, sampled every %d, %d at a time; codex %s%n", n, every, atOnce,
                new dev.codexbridge.process.CodexLocator().locate(null).binary());
        try (LiveRig rig = new LiveRig()) {
            for (String name : variants) {
                Path home = dev.codexbridge.testkit.IsolatedCodexHome.builder(rig.tmp.resolve("home-" + name.replaceAll("\\W", "_")),
                        rig.model.baseUrl()).sandboxMode("danger-full-access").write();
                CodexLaunch launch = CodexLaunch.appServer(rig.binary).codexHome(home).workingDirectory(rig.work).name("codex-memory")
                        .detachFromTerminal(true).idleRestart(IdleRestart.OFF).build();
                try (Variant v = open(name, launch, rig)) {
                    run(name, v, n, every, atOnce);
                }
                LiveRig.reapChildren(java.time.Duration.ofSeconds(20));
            }
        } finally {
            LiveRig.reapChildren(java.time.Duration.ofSeconds(20));
        }
    }

    private static Variant open(String spec, CodexLaunch plain, LiveRig rig) throws Exception {
        // NAME@N: codex recycled after N conversations (AppServerRecycle; --recycle-after for the CLI's doors)
        int at = spec.indexOf('@');
        long recycleAfter = at < 0 ? 0 : Long.parseLong(spec.substring(at + 1));
        String name = at < 0 ? spec : spec.substring(0, at);
        CodexLaunch launch = plain.toBuilder().recycle(AppServerRecycle.afterConversations(recycleAfter)).build();
        if (name.startsWith("cli:")) {
            return new CliDoorMemoryVariant(dev.codexbridge.support.TestDirs.create("codex-memory-cli"), name.substring(4), recycleAfter);
        }
        if (name.startsWith("raw:")) {
            return new RawMemoryVariant(launch, rig.work, name.substring(4));
        }
        return switch (name) {
            case "lib" -> LibraryMemoryVariant.open(launch, rig, null, false);
            case "lib-store" -> LibraryMemoryVariant.open(launch, rig, Files.createDirectories(rig.tmp.resolve("store-" + System.nanoTime())), false);
            case "lib-store-close" -> LibraryMemoryVariant.open(launch, rig, Files.createDirectories(rig.tmp.resolve("store-" + System.nanoTime())),
                    true);
            case "lib-store-newest16" -> LibraryMemoryVariant.newestOpen(launch, rig,
                    Files.createDirectories(rig.tmp.resolve("store-" + System.nanoTime())), 16);
            case "lib-newest16" -> LibraryMemoryVariant.newestOpen(launch, rig, null, 16);
            case "tenants-store" -> LibraryMemoryVariant.tenants(launch, rig, Files.createDirectories(rig.tmp.resolve("store-" + System.nanoTime())),
                    ownerOnly(dev.codexbridge.support.TestDirs.create("codex-memory-tenants")));
            default -> throw new IllegalArgumentException("no such variant: " + name);
        };
    }

    private static void run(String name, Variant v, int n, int every, int atOnce) throws Exception {
        v.conversation();       // one first, outside the count: a tenant's codex starts with its first conversation
        long pid = v.codexPid();
        java.util.Set<Long> codexes = new java.util.HashSet<>(List.of(pid));
        long[] zero = memory(pid);
        List<long[]> samples = new ArrayList<>();       // {conversations, rssAnon KiB, vmRss KiB, rollouts open, home KiB, rollout files}
        samples.add(new long[] {0, zero[0], zero[1], rolloutsOpen(pid), homeKib(pid)[0], homeKib(pid)[1]});
        long t0 = System.nanoTime();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(atOnce);
        try {
            for (int from = 0; from < n; from += every) {
                List<Future<?>> batch = new ArrayList<>();
                for (int i = from; i < Math.min(n, from + every); i++) {
                    batch.add(workers.submit(() -> {
                        try {
                            v.conversation();
                        } catch (Exception | Error e) {
                            if (failed.incrementAndGet() <= 3) {
                                System.out.printf("codex-memory:   a conversation failed: %s%n", e);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : batch) {
                    f.get();
                }
                pid = v.codexPid();         // a new one after each recycle
                codexes.add(pid);
                long[] m = memory(pid);
                long[] home = homeKib(pid);
                samples.add(new long[] {Math.min(n, from + every), m[0], m[1], rolloutsOpen(pid), home[0], home[1]});
            }
        } finally {
            workers.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        boolean settled = v.settle();
        pid = v.codexPid();
        codexes.add(pid);
        long[] end = memory(pid);
        long openAtEnd = rolloutsOpen(pid);
        LiveRig.sleep(20_000);
        long[] quiet = memory(pid);
        List<long[]> fit = samples.subList(samples.size() / 5, samples.size());
        System.out.printf("codex-memory: %-40s %d conversations in %.0f s (%.1f/s, %d failed%s): RssAnon %.1f -> %.1f MiB, slope %.1f KiB "
                        + "per conversation (VmRSS %.1f -> %.1f MiB, slope %.1f KiB); settled %.1f MiB with %d rollouts open, 20 s quiet %.1f MiB "
                        + "(VmRSS %.1f)%n",
                name, n, seconds, n / seconds, failed.get(), settled ? "" : ", some not let go of", zero[0] / 1024.0,
                samples.get(samples.size() - 1)[1] / 1024.0, slope(fit, 1), zero[1] / 1024.0, samples.get(samples.size() - 1)[2] / 1024.0,
                slope(fit, 2), end[0] / 1024.0, openAtEnd, quiet[0] / 1024.0, quiet[1] / 1024.0);
        StringBuilder line = new StringBuilder();
        for (long[] s : samples) {
            line.append(' ').append(s[0]).append(':').append(Math.round(s[1] / 1024.0)).append('/').append(s[3]);
        }
        System.out.printf("codex-memory:   RssAnon MiB/rollouts open (codex's loaded threads) by conversations:%s%s%n", line,
                codexes.size() > 1 ? "; codex processes sampled: " + codexes.size() + ", RssAnon at most "
                        + Math.round(samples.stream().mapToLong(x -> x[1]).max().orElse(0) / 1024.0) + " MiB" : "");
        long[] homeQuiet = homeKib(pid);
        StringBuilder disk = new StringBuilder();
        for (long[] s : samples) {
            disk.append(' ').append(s[0]).append(':').append(Math.round(s[4] / 1024.0)).append('/').append(s[5]);
        }
        System.out.printf("codex-memory:   codex's home: %.1f -> %.1f MiB, slope %.2f KiB per conversation after the first fifth; "
                        + "20 s quiet %.1f MiB, %d rollout files; MiB/rollout files by conversations:%s%n",
                samples.get(0)[4] / 1024.0, samples.get(samples.size() - 1)[4] / 1024.0, slope(fit, 4), homeQuiet[0] / 1024.0,
                homeQuiet[1], disk);
        Map<String, Integer> sent = v.sent();
        if (!sent.isEmpty()) {
            StringBuilder per = new StringBuilder();
            sent.forEach((method, count) -> per.append(String.format(" %s %.2f;", method, count / (double) n)));
            System.out.printf("codex-memory:   the library's requests per conversation:%s%n", per);
        }
    }

    private static Path ownerOnly(Path dir) throws java.io.IOException {
        return Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    /** Least-squares slope of column {@code col} over column 0. */
    static double slope(List<long[]> points, int col) {
        int k = points.size();
        if (k < 2) {
            return Double.NaN;
        }
        double mx = 0;
        double my = 0;
        for (long[] p : points) {
            mx += p[0];
            my += p[col];
        }
        mx /= k;
        my /= k;
        double num = 0;
        double den = 0;
        for (long[] p : points) {
            num += (p[0] - mx) * (p[col] - my);
            den += (p[0] - mx) * (p[0] - mx);
        }
        return den == 0 ? Double.NaN : num / den;
    }

    /** {RssAnon, VmRSS} of {@code pid} in KiB, from {@code /proc/PID/status}; zeros once it is gone. */
    static long[] memory(long pid) {
        long anon = 0;
        long rss = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("RssAnon:")) {
                    anon = Long.parseLong(line.replaceAll("[^0-9]", ""));
                } else if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException e) {
            // gone
        }
        return new long[] {anon, rss};
    }

    /**
     * {KiB on disk, rollout files} of the codex home {@code pid} runs in ({@code CODEX_HOME} of its
     * environment): what a tenant's home holds, codex's databases and logs included; zeros when it
     * cannot be read.
     */
    static long[] homeKib(long pid) {
        return codexHome(pid).map(CodexMemoryBench::homeKib).orElse(new long[] {0, 0});
    }

    /** {@code CODEX_HOME} of {@code pid}'s environment, when it can be read and names a folder. */
    static java.util.Optional<Path> codexHome(long pid) {
        try {
            String env = Files.readString(Path.of("/proc", Long.toString(pid), "environ"), java.nio.charset.StandardCharsets.UTF_8);
            return java.util.Arrays.stream(env.split("\0")).filter(e -> e.startsWith("CODEX_HOME=")).findFirst()
                    .map(e -> Path.of(e.substring("CODEX_HOME=".length()))).filter(Files::isDirectory);
        } catch (java.io.IOException | java.io.UncheckedIOException | SecurityException e) {
            return java.util.Optional.empty();
        }
    }

    /** {KiB on disk, rollout files} under {@code home}, links not followed; zeros when it cannot be read. */
    static long[] homeKib(Path home) {
        try {
            long[] sum = new long[2];
            try (java.util.stream.Stream<Path> files = Files.walk(home)) {
                // not through links: codex's arg0 links to its own binary (about 300 MiB each) are not the home's data
                files.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)).forEach(f -> {
                    try {
                        sum[0] += Files.size(f);
                        if (f.getFileName().toString().startsWith("rollout-")) {
                            sum[1]++;
                        }
                    } catch (java.io.IOException gone) {
                        // removed meanwhile
                    }
                });
            }
            return new long[] {sum[0] / 1024, sum[1]};
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return new long[] {0, 0};
        }
    }

    /** How many rollout files codex holds open: one per thread it has loaded. */
    static long rolloutsOpen(long pid) {
        java.io.File[] fds = Path.of("/proc", Long.toString(pid), "fd").toFile().listFiles();
        long n = 0;
        for (java.io.File fd : fds == null ? new java.io.File[0] : fds) {
            try {
                if (Files.readSymbolicLink(fd.toPath()).getFileName().toString().endsWith(".jsonl")) {
                    n++;
                }
            } catch (java.io.IOException | UnsupportedOperationException e) {
                // closed meanwhile
            }
        }
        return n;
    }

    /** The codex app-server process below this JVM started last. */
    static long newestCodex() {
        return ProcessHandle.current().descendants().filter(ProcessTree::isCodex)
                .max(java.util.Comparator.comparing(p -> p.info().startInstant().orElse(java.time.Instant.EPOCH)))
                .orElseThrow(() -> new IllegalStateException("no codex app-server below this JVM")).pid();
    }

    /** Counts the requests sent, by method. */
    static final class SentRequests implements WireTap {
        private final Map<String, Integer> byMethod = new TreeMap<>();
        /** CODEX_MEMORY_WIRE=N: the first N requests, printed as sent. */
        private int show = Integer.parseInt(System.getenv().getOrDefault("CODEX_MEMORY_WIRE", "0"));

        @Override
        public synchronized void outgoing(byte[] message) {
            String text = new String(message, StandardCharsets.UTF_8);
            var m = Json.parse(text);
            if (m.has("id") && m.has("method")) {
                byMethod.merge(m.path("method").asText(), 1, Integer::sum);
                if (show > 0) {
                    show--;
                    System.out.printf("codex-memory:   sent %s%n", text.length() > 300 ? text.substring(0, 300) + "…" : text.strip());
                }
            }
        }

        @Override
        public void incoming(byte[] buffer, int length) {
        }

        synchronized Map<String, Integer> counts() {
            return new TreeMap<>(byMethod);
        }
    }
}
