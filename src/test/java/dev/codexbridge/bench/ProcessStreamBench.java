package dev.codexbridge.bench;

import dev.codexbridge.support.OtlpReceiver;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Whole-process streaming: {@code codex-bridge run --json} (the runnable jar) against
 * {@link RawDriver}, each a fresh JVM with the same flags, each driving {@link ReplayCodex} — a
 * codex process that replays one generated {@link TurnStream} turn as fast as it is read. Every
 * process runs under {@code /usr/bin/time}, which gives its wall time, the user+sys CPU of its
 * whole tree (the JVM and the codex it reaped) and the peak RSS; the codex reports its own CPU and
 * peak RSS so its share can be shown apart. Both contenders' stdout and stderr are read to the end
 * and counted. One warm-up of each, then rounds that alternate which contender goes first.
 *
 * <p>Run with {@code bin/bench process-stream [MESSAGES] [ROUNDS]}; {@code BENCH_JVM_FLAGS} sets
 * the contenders' JVM flags (default none: the JVM's own defaults), {@code BENCH_A_FLAGS} adds flags
 * to contender A only (to try launcher settings) and {@code BENCH_B_FLAGS} to B only, {@code BENCH_A_JAR} runs another build's jar as A
 * (to measure a before/after in one run; then straight from the jar, not through the launcher).
 * Contender A runs through {@code bin/codex-bridge}, with its class archive; B gets an archive of its
 * own from its warm-up run. {@code BENCH_CDS=0} runs both without.
 *
 * <p>{@code BENCH_TRACING=1} adds a third contender to every round: A again with tracing on
 * ({@code OTEL_TRACES_EXPORTER=otlp}) exporting every span over OTLP/HTTP to a counting
 * {@link OtlpReceiver} in this process, and prints tracing on against off (throughput off/on wall, CPU on/off) with the spans
 * the sink received, so a dropped span shows. {@code BENCH_ITEM_EVERY=N} keeps one in N of the
 * generated turn's items ({@link TurnStream#generate(int, long, int)}), for a turn with fewer tool calls.
 */
public final class ProcessStreamBench {
    private ProcessStreamBench() {
    }

    private record Run(double wallSeconds, double treeCpuSeconds, long peakRssKib, ProcStats codex, long stdoutBytes, long stderrBytes) {
        double jvmCpu() {
            return treeCpuSeconds - codex.cpuSeconds();
        }
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path root = Path.of("").toAbsolutePath();
        Path jar = System.getenv("BENCH_A_JAR") != null ? Path.of(System.getenv("BENCH_A_JAR")) : root.resolve("target/codex-bridge.jar");
        Path dir = Files.createDirectories(root.resolve("target/process-stream"));
        int itemEvery = System.getenv("BENCH_ITEM_EVERY") == null ? 1 : Integer.parseInt(System.getenv("BENCH_ITEM_EVERY"));
        Path stream = dir.resolve("turn-" + count + (itemEvery > 1 ? "-items-1-in-" + itemEvery : "") + ".jsonl");
        TurnStream turn = TurnStream.generate(count, 7, itemEvery);
        if (!Files.exists(stream) || Files.size(stream) != turn.bytes.length) {
            Files.write(stream, turn.bytes);
        }
        // absolute: the processes run in their own folder
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path codex = dir.resolve("codex");
        Files.writeString(codex, "#!/bin/sh\n"
                + "if [ \"$1\" = \"--version\" ]; then echo 'codex-cli 0.169.0'; exit 0; fi\n"
                + "exec " + java + " -XX:+UseSerialGC -Xmx64m -cp '" + cp + "' dev.codexbridge.bench.ReplayCodex '" + stream + "'\n");
        Files.setPosixFilePermissions(codex, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> flags = split(System.getenv("BENCH_JVM_FLAGS"));
        List<String> aFlags = new ArrayList<>(flags);
        aFlags.addAll(split(System.getenv("BENCH_A_FLAGS")));
        boolean cds = !"0".equals(System.getenv("BENCH_CDS"));
        boolean tracing = "1".equals(System.getenv("BENCH_TRACING"));
        OtlpReceiver sink = tracing ? OtlpReceiver.counting() : null;
        List<String> runArgs = List.of("run", "--json", "--codex-bin", codex.toString(), "--approve", "once", "--cwd", dir.toString(), "stream");
        List<String> a = new ArrayList<>();
        Map<String, String> aEnv = new HashMap<>();
        boolean launcher = System.getenv("BENCH_A_JAR") == null;
        if (launcher) {
            // the CLI as a user starts it: the launcher with these JVM flags and its class archive
            a.add(root.resolve("bin/codex-bridge").toString());
            aEnv.put("CODEX_BRIDGE_JAVA_OPTS", String.join(" ", aFlags));
            aEnv.put("CODEX_BRIDGE_CDS", cds ? "1" : "0");
        } else {
            a.add(java);
            a.addAll(aFlags);
            a.addAll(List.of("-jar", jar.toString()));
        }
        a.addAll(runArgs);
        List<String> b = new ArrayList<>(List.of(java));
        b.addAll(flags);
        b.addAll(split(System.getenv("BENCH_B_FLAGS")));
        String bClassPath = cp;
        Path bArchive = dir.resolve("raw-driver.jsa");
        if (cds) {
            // the same start-up help for the raw driver: its classes in a jar (an archive takes no
            // folders) and an archive made by its warm-up run
            bClassPath = rawDriverJar(dir) + File.pathSeparator + Arrays.stream(cp.split(File.pathSeparator))
                    .filter(e -> e.contains("jackson-")).collect(Collectors.joining(File.pathSeparator));
            Files.deleteIfExists(bArchive);
        }
        List<String> bWarmUp = new ArrayList<>(b);
        if (cds) {
            bWarmUp.add("-XX:ArchiveClassesAtExit=" + bArchive);
            b.add("-XX:SharedArchiveFile=" + bArchive);
        }
        for (List<String> cmd : List.of(b, bWarmUp)) {
            cmd.addAll(List.of("-cp", bClassPath, RawDriver.class.getName(), codex.toString()));
        }
        System.out.printf("process-stream: %d messages%s, %.1f MiB; JVM flags %s%s; class archives %s; codex %s%n", turn.messages,
                itemEvery > 1 ? " (one in " + itemEvery + " of the items kept)" : "", turn.bytes.length / 1048576.0, flags.isEmpty() ? "(defaults)" : String.join(" ", flags),
                aFlags.size() > flags.size() ? ", run also " + String.join(" ", aFlags.subList(flags.size(), aFlags.size())) : "",
                cds ? "on" : "off", "-XX:+UseSerialGC -Xmx64m");
        System.out.println("  A: " + (launcher ? "bin/codex-bridge" : "java [flags] -jar " + root.relativize(jar.toAbsolutePath()))
                + " run --json --codex-bin CODEX --approve once --cwd DIR stream");
        System.out.println("  B: java [flags] -cp ... dev.codexbridge.bench.RawDriver CODEX");
        Map<String, String> tracedEnv = new HashMap<>(aEnv);
        if (tracing) {
            tracedEnv.put("OTEL_TRACES_EXPORTER", "otlp");
            tracedEnv.put("OTEL_EXPORTER_OTLP_ENDPOINT", sink.baseUrl().toString());
            System.out.println("  A traced: A with OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT=" + sink.baseUrl() + " (a receiver in this process)");
        }
        run(a, aEnv, dir, "warm-up A");
        if (tracing) {
            run(a, tracedEnv, dir, "warm-up A traced");
        }
        run(bWarmUp, Map.of(), dir, "warm-up B");
        List<Run> ra = new ArrayList<>();
        List<Run> rb = new ArrayList<>();
        List<Run> rt = new ArrayList<>();
        double[] thr = new double[rounds];
        double[] cpu = new double[rounds];
        double[] rss = new double[rounds];
        double[] tracedThr = new double[rounds];
        double[] tracedCpu = new double[rounds];
        long[] spans = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            Run x = null;
            Run y = null;
            Run z = null;
            // each contender goes first in turn
            int contenders = tracing ? 3 : 2;
            for (int i = 0; i < contenders; i++) {
                switch ((r + i) % contenders) {
                    case 0 -> x = run(a, aEnv, dir, "A");
                    case 1 -> y = run(b, Map.of(), dir, "B");
                    default -> {
                        long before = sink.spanCount();
                        z = run(a, tracedEnv, dir, "A traced");
                        spans[r] = sink.spanCount() - before;
                    }
                }
            }
            ra.add(x);
            rb.add(y);
            thr[r] = y.wallSeconds / x.wallSeconds;
            cpu[r] = x.treeCpuSeconds / y.treeCpuSeconds;
            rss[r] = (double) x.peakRssKib / y.peakRssKib;
            System.out.printf("  round %d: A %s%n           B %s%n           throughput A/B %.2f, CPU A/B %.2f, peak RSS A/B %.2f%n",
                    r + 1, describe(x, count), describe(y, count), thr[r], cpu[r], rss[r]);
            if (z != null) {
                rt.add(z);
                tracedThr[r] = x.wallSeconds / z.wallSeconds;
                tracedCpu[r] = z.treeCpuSeconds / x.treeCpuSeconds;
                System.out.printf("           A traced %s, %d spans%n           tracing on/off: throughput %.2f, CPU %.2f%n",
                        describe(z, count), spans[r], tracedThr[r], tracedCpu[r]);
            }
        }
        System.out.printf("process-stream: median A %.0f msg/s, B %.0f msg/s; throughput A/B %s, CPU A/B %s, peak RSS A/B %s%n",
                count / median(ra.stream().mapToDouble(Run::wallSeconds).toArray()),
                count / median(rb.stream().mapToDouble(Run::wallSeconds).toArray()),
                spread(thr), spread(cpu), spread(rss));
        System.out.printf("  medians A: wall %.2f s, CPU %.2f s (JVM %.2f + codex %.2f), peak RSS %.0f MiB (codex %.0f MiB)%n",
                median(ra.stream().mapToDouble(Run::wallSeconds).toArray()), median(ra.stream().mapToDouble(Run::treeCpuSeconds).toArray()),
                median(ra.stream().mapToDouble(Run::jvmCpu).toArray()), median(ra.stream().mapToDouble(x -> x.codex.cpuSeconds()).toArray()),
                median(ra.stream().mapToDouble(x -> x.peakRssKib / 1024.0).toArray()),
                median(ra.stream().mapToDouble(x -> x.codex.peakRssKib() / 1024.0).toArray()));
        System.out.printf("  medians B: wall %.2f s, CPU %.2f s (JVM %.2f + codex %.2f), peak RSS %.0f MiB (codex %.0f MiB)%n",
                median(rb.stream().mapToDouble(Run::wallSeconds).toArray()), median(rb.stream().mapToDouble(Run::treeCpuSeconds).toArray()),
                median(rb.stream().mapToDouble(Run::jvmCpu).toArray()), median(rb.stream().mapToDouble(x -> x.codex.cpuSeconds()).toArray()),
                median(rb.stream().mapToDouble(x -> x.peakRssKib / 1024.0).toArray()),
                median(rb.stream().mapToDouble(x -> x.codex.peakRssKib() / 1024.0).toArray()));
        if (tracing) {
            System.out.printf("  medians A traced: wall %.2f s, CPU %.2f s (JVM %.2f + codex %.2f), peak RSS %.0f MiB; spans received %s a run%n",
                    median(rt.stream().mapToDouble(Run::wallSeconds).toArray()), median(rt.stream().mapToDouble(Run::treeCpuSeconds).toArray()),
                    median(rt.stream().mapToDouble(Run::jvmCpu).toArray()), median(rt.stream().mapToDouble(x -> x.codex.cpuSeconds()).toArray()),
                    median(rt.stream().mapToDouble(x -> x.peakRssKib / 1024.0).toArray()),
                    Arrays.stream(spans).distinct().mapToObj(Long::toString).collect(Collectors.joining(", ")));
            // per round (each pair ran back to back), and from the medians of all runs: with single
            // rounds varying by a fifth on a shared machine the two can differ
            System.out.printf("process-stream tracing on/off: throughput %s (target >= 0.95), CPU %s (target <= 1.10);"
                            + " from the medians of the runs: throughput %.2f, CPU %.2f%n", spread(tracedThr), spread(tracedCpu),
                    median(ra.stream().mapToDouble(Run::wallSeconds).toArray()) / median(rt.stream().mapToDouble(Run::wallSeconds).toArray()),
                    median(rt.stream().mapToDouble(Run::treeCpuSeconds).toArray()) / median(ra.stream().mapToDouble(Run::treeCpuSeconds).toArray()));
            sink.close();
        }
    }

    private static String describe(Run r, int count) {
        return String.format("%.2f s (%.0f msg/s), CPU %.2f s (JVM %.2f), peak RSS %.0f MiB (codex %.0f MiB), out %.1f MiB, err %.1f MiB",
                r.wallSeconds, count / r.wallSeconds, r.treeCpuSeconds, r.jvmCpu(), r.peakRssKib / 1024.0, r.codex.peakRssKib() / 1024.0,
                r.stdoutBytes / 1048576.0, r.stderrBytes / 1048576.0);
    }

    /** A jar holding the raw driver's classes. */
    private static String rawDriverJar(Path dir) throws IOException {
        Path jarFile = dir.resolve("raw-driver.jar");
        Path classes = Path.of(RawDriver.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jarFile));
             Stream<Path> files = Files.list(classes.resolve("dev/codexbridge/bench"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("RawDriver")).sorted().toList()) {
                out.putNextEntry(new JarEntry("dev/codexbridge/bench/" + f.getFileName()));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jarFile.toString();
    }

    private static Run run(List<String> command, Map<String, String> env, Path dir, String label) throws Exception {
        Path time = dir.resolve("time.txt");
        Path codexStats = dir.resolve("codex-stats.txt");
        Files.deleteIfExists(time);
        Files.deleteIfExists(codexStats);
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %U %S %M", "-o", time.toString()));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("REPLAY_CODEX_STATS", codexStats.toString());
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        AtomicLong out = new AtomicLong();
        AtomicLong err = new AtomicLong();
        Thread o = drain(p.getInputStream(), out);
        Thread e = drain(p.getErrorStream(), err);
        int exit = p.waitFor();
        double wall = (System.nanoTime() - start) / 1e9;
        o.join();
        e.join();
        if (exit != 0 || out.get() == 0) {
            throw new IllegalStateException(label + " exited " + exit + " with " + out.get() + " bytes on stdout");
        }
        String[] t = Files.readString(time).trim().split("\\s+");
        double cpu = Double.parseDouble(t[1]) + Double.parseDouble(t[2]);
        ProcStats codex = ProcStats.parse(Files.readString(codexStats));
        return new Run(wall, cpu, Long.parseLong(t[3]), codex, out.get(), err.get());
    }

    private static Thread drain(InputStream in, AtomicLong count) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1 << 16];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    count.addAndGet(n);
                }
            } catch (IOException e) {
                // the process is gone; the exit code tells
            }
        }, "bench-drain");
        t.start();
        return t;
    }

    private static List<String> split(String flags) {
        return flags == null || flags.isBlank() ? List.of() : Arrays.asList(flags.trim().split("\\s+"));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format("%.2f (%.2f – %.2f)", s[s.length / 2], s[0], s[s.length - 1]);
    }
}
