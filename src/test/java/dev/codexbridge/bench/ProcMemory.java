package dev.codexbridge.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Memory and threads of this JVM and the processes it started, read from {@code /proc} (Linux).
 * RSS counts pages shared between processes (the codex binary's code) once per process; PSS
 * splits them, so the PSS sum is the honest total for many codex processes.
 */
final class ProcMemory {
    private ProcMemory() {
    }

    /** One reading: the JVM alone and every process below it. Sizes in KiB. */
    record Sample(long jvmRss, long jvmPss, long childRss, long childPss, int children, int childThreads, int childFds,
                  long childCpuMs) {
        long totalRss() {
            return jvmRss + childRss;
        }

        long totalPss() {
            return jvmPss + childPss;
        }
    }

    static Sample sample() {
        long self = ProcessHandle.current().pid();
        long[] jvm = read(self);
        long rss = 0;
        long pss = 0;
        int n = 0;
        int threads = 0;
        int fds = 0;
        long cpu = 0;
        for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
            long[] m = read(p.pid());
            if (m == null) {
                continue; // ended between the listing and the read
            }
            rss += m[0];
            pss += m[1];
            threads += (int) m[2];
            n++;
            if (p.parent().map(q -> q.pid() == self).orElse(false)) {
                // codex itself: its open files, and CPU including its reaped children (the sleeps)
                fds += fds(p.pid());
                cpu += cpuMs(p.pid());
            }
        }
        return new Sample(jvm == null ? 0 : jvm[0], jvm == null ? 0 : jvm[1], rss, pss, n, threads, fds, cpu);
    }

    static int fds(long pid) {
        String[] names = Path.of("/proc", Long.toString(pid), "fd").toFile().list();
        return names == null ? 0 : names.length;
    }

    /** utime + stime + cutime + cstime from {@code /proc/PID/stat}, in ms (clock ticks of 10 ms). */
    private static long cpuMs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14..17 of stat; f[0] is field 3 (state)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU time this JVM used so far, in ms. */
    static long jvmCpuMs() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(0L);
    }

    /** {VmRSS, Pss, Threads} of one process, or null when it is gone. */
    static long[] read(long pid) {
        try {
            long rss = 0;
            long threads = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line);
                } else if (line.startsWith("Threads:")) {
                    threads = Long.parseLong(line.substring(8).trim());
                }
            }
            long pss = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    pss = kib(line);
                    break;
                }
            }
            return new long[] {rss, pss, threads};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    /**
     * Where this JVM's committed memory grew since {@link #nativeBaseline()}, by Native Memory Tracking
     * category ("Java Heap +12345KB, Code +...") or empty when the JVM runs without
     * {@code -XX:NativeMemoryTracking=summary}. NMT counts what the JVM asked for, not glibc's arenas around it.
     */
    static String nativeGrowth() {
        String diff = diagnostic("summary.diff");
        if (diff.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^[-\\s]*(\\S[^(\\n]*?)\\s*\\(reserved=\\d+KB(?: [+-]\\d+KB)?, committed=\\d+KB ([+-]\\d+KB)\\)")
                .matcher(diff);
        while (m.find()) {
            parts.add(m.group(1).trim() + " " + m.group(2));
        }
        return String.join(", ", parts);
    }

    /** Marks this moment as the baseline of {@link #nativeGrowth()}; false when tracking is off. */
    static boolean nativeBaseline() {
        return !diagnostic("baseline").isEmpty();
    }

    private static String diagnostic(String arg) {
        boolean tracking = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.startsWith("-XX:NativeMemoryTracking=") && !a.endsWith("=off"));
        if (!tracking) {
            return "";
        }
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {arg}}, new String[] {String[].class.getName()});
            return String.valueOf(out);
        } catch (javax.management.JMException e) {
            return "";
        }
    }

    /** Used heap after a few full collections, in bytes. */
    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getUsed();
    }

    /** Live JVM threads: all of them, and the library's by kind (the part of the name before the number or connection name). */
    record Threads(int all, int library, Map<String, Integer> byKind) {
        @Override
        public String toString() {
            return all + " in the JVM, " + library + " library " + byKind;
        }
    }

    static Threads threads() {
        Map<String, Integer> kinds = new TreeMap<>();
        int library = 0;
        for (Thread t : liveThreads()) {
            String name = t.getName();
            // the scripted model server lives in the benchmark's JVM but is not the library's
            if (!name.startsWith("codex-bridge-") || name.startsWith("codex-bridge-model-server")) {
                continue;
            }
            library++;
            kinds.merge(kind(name), 1, Integer::sum);
        }
        return new Threads(ManagementFactory.getThreadMXBean().getThreadCount(), library, kinds);
    }

    /** CPU time so far of each live library thread, by thread id, in ns. */
    static Map<Long, Long> libraryCpu() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> out = new java.util.HashMap<>();
        for (Thread t : liveThreads()) {
            String name = t.getName();
            if (name.startsWith("codex-bridge-") && !name.startsWith("codex-bridge-model-server")) {
                long ns = mx.getThreadCpuTime(t.getId());
                if (ns >= 0) {
                    out.put(t.getId(), ns);
                }
            }
        }
        return out;
    }

    /** CPU the library's threads used since {@code before} (threads that ended meanwhile are missed), in ms. */
    static double libraryCpuSinceMs(Map<Long, Long> before) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : libraryCpu().entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum / 1e6;
    }

    private static List<Thread> liveThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] all = new Thread[root.activeCount() + 64];
        int n = root.enumerate(all, true);
        return java.util.Arrays.asList(all).subList(0, n);
    }

    /** {@code codex-bridge-reader-density-3} becomes {@code reader}, {@code codex-bridge-callback-17} {@code callback}. */
    private static String kind(String name) {
        String rest = name.substring("codex-bridge-".length());
        int dash = rest.indexOf('-');
        return dash < 0 ? rest : rest.substring(0, dash);
    }

    static double median(List<Double> values) {
        return percentile(values, 0.5);
    }

    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    static double mib(long kib) {
        return kib / 1024.0;
    }
}
