package dev.codexbridge.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Where the machine's CPU went while the replicas' chaos run's load ran: every process on the
 * machine read from {@code /proc} once a second, its user and system time kept at the largest value
 * seen, and put in a group — each door's replica JVMs, the codex processes under them, PostgreSQL
 * (primary and standby), the run's own JVM (the callers, the proxies, the model server, the relay)
 * and everything else — so a slow answer can be read against what the two cores were doing. A
 * process running when the reads start counts from then; one started later counts whole (a
 * replica started again pays its start within the load). A process that ends between two reads
 * loses its last second at most.
 */
final class ReplicasCpu implements AutoCloseable {
    private static final Path PROC = Path.of("/proc");
    /** USER_HZ: the unit of {@code /proc/PID/stat}'s times on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;
    private static final String MAIN = "dev.codexbridge.cli.Main";

    private final long self = ProcessHandle.current().pid();
    private final Thread thread;
    private final Map<Long, Seen> seen = new HashMap<>();
    private final long startNanos = System.nanoTime();
    private final long[] busyIdleAtStart;
    private volatile boolean stopped;
    private boolean first = true;
    private long endNanos;
    private long[] busyIdleAtEnd = {0, 0};

    private ReplicasCpu() {
        busyIdleAtStart = machine();
        thread = new Thread(this::loop, "chaos-cpu");
        thread.setDaemon(true);
    }

    /** Starts reading now. */
    static ReplicasCpu start() {
        ReplicasCpu cpu = new ReplicasCpu();
        cpu.sample();
        cpu.thread.start();
        return cpu;
    }

    private void loop() {
        while (!stopped) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            sample();
        }
    }

    /** Stops reading; idempotent. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(5));
        sample();
        endNanos = System.nanoTime();
        busyIdleAtEnd = machine();
    }

    /** One process's group, its CPU time when first seen if that was the first read (else 0), and the largest seen, in ticks. */
    private record Seen(String group, long base, long ticks) {
    }

    private synchronized void sample() {
        Map<Long, String[]> stats = new HashMap<>();
        try (var pids = Files.list(PROC)) {
            for (Path p : pids.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String[] stat = stat(p);
                if (stat != null) {
                    stats.put(Long.parseLong(name), stat);
                }
            }
        } catch (IOException e) {
            return;
        }
        Map<Long, String> groups = new HashMap<>();
        for (Map.Entry<Long, String[]> e : stats.entrySet()) {
            long pid = e.getKey();
            long ticks = Long.parseLong(e.getValue()[13]) + Long.parseLong(e.getValue()[14]);
            Seen before = seen.get(pid);
            if (before != null && before.ticks() > ticks) {
                continue;       // a pid reused: the first process's time is kept
            }
            seen.put(pid, before != null ? new Seen(before.group(), before.base(), ticks)
                    : new Seen(group(pid, stats, groups), first ? ticks : 0, ticks));
        }
        first = false;
    }

    /** The fields of {@code /proc/PID/stat} after the command's name, numbered as proc(5) numbers them from 1 (so [13] is utime); null when it went. */
    private static String @Nullable [] stat(Path proc) {
        try {
            String s = Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8);
            int close = s.lastIndexOf(')');
            String comm = s.substring(s.indexOf('(') + 1, close);
            String[] rest = s.substring(close + 2).trim().split(" ");
            String[] fields = new String[rest.length + 2];
            fields[0] = s.substring(0, s.indexOf(' '));
            fields[1] = comm;
            System.arraycopy(rest, 0, fields, 2, rest.length);
            return fields;
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    private String group(long pid, Map<Long, String[]> stats, Map<Long, String> groups) {
        String known = groups.get(pid);
        if (known != null) {
            return known;
        }
        String group;
        String[] stat = stats.get(pid);
        String comm = stat == null ? "" : stat[1];
        if (pid == self) {
            group = "the run (callers, proxies, model)";
        } else if (comm.startsWith("postgres")) {
            group = "PostgreSQL";
        } else {
            String door = door(pid);
            if (door != null) {
                group = "JVM " + door;
            } else if (comm.startsWith("codex")) {
                String parent = ancestorDoor(stat, stats);
                group = "codex" + (parent == null ? "" : " " + parent);
            } else {
                group = "other";
            }
        }
        groups.put(pid, group);
        return group;
    }

    /** The door a replica JVM serves ({@code a2a}, {@code mcp}, {@code openai}); null when {@code pid} is no replica. */
    private static @Nullable String door(long pid) {
        try {
            String[] args = new String(Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("cmdline")), StandardCharsets.UTF_8)
                    .split("\0");
            for (int i = 0; i + 1 < args.length; i++) {
                if (MAIN.equals(args[i])) {
                    return args[i + 1];
                }
            }
        } catch (IOException gone) {
            // ended meanwhile
        }
        return null;
    }

    /** The door of the replica JVM a codex process runs under, up its parents. */
    private static @Nullable String ancestorDoor(String @Nullable [] stat, Map<Long, String[]> stats) {
        String[] at = stat;
        for (int depth = 0; at != null && depth < 8; depth++) {
            long parent = Long.parseLong(at[3]);
            String door = door(parent);
            if (door != null) {
                return door;
            }
            at = stats.get(parent);
        }
        return null;
    }

    /** The machine's busy and idle ticks so far, from {@code /proc/stat}'s first line. */
    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(PROC.resolve("stat"), StandardCharsets.UTF_8).get(0).trim().split("\\s+");
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                busy += i == 4 || i == 5 ? 0 : Long.parseLong(f[i]);
            }
            return new long[] {busy, idle};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** CPU seconds by group, largest first, over the time read. */
    synchronized Map<String, Double> seconds() {
        Map<String, Double> by = new HashMap<>();
        seen.forEach((pid, s) -> by.merge(s.group(), (s.ticks() - s.base()) / TICKS_PER_SECOND, Double::sum));
        Map<String, Double> sorted = new LinkedHashMap<>();
        by.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** The report's lines: the machine's use over the load, each group's CPU, and each group's per completed call. */
    List<String> lines(int completed) {
        double wall = (endNanos - startNanos) / 1e9;
        long busy = busyIdleAtEnd[0] - busyIdleAtStart[0];
        long idle = busyIdleAtEnd[1] - busyIdleAtStart[1];
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> lines = new ArrayList<>();
        lines.add(String.format("CPU while the load ran (%.0f s, %d cores): the machine busy %.0f %% of it, load average %s", wall, cores,
                busy + idle == 0 ? 0.0 : 100.0 * busy / (busy + idle), loadAverage()));
        StringBuilder groups = new StringBuilder("CPU seconds by process group over the load:");
        StringBuilder per = new StringBuilder("CPU per completed call (" + completed + "):");
        seconds().forEach((g, s) -> {
            groups.append(String.format(" %s %.1f;", g, s));
            per.append(String.format(" %s %.0f ms;", g, completed == 0 ? 0.0 : 1000.0 * s / completed));
        });
        lines.add(groups.toString());
        lines.add(per.toString());
        return lines;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(PROC.resolve("loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
