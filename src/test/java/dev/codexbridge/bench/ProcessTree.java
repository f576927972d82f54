package dev.codexbridge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A process and every process below it, read from {@code /proc} (Linux): resident memory, threads and
 * open descriptors summed over the tree, and the codex homes ({@code CODEX_HOME}) its processes run in.
 * Children are found through {@code /proc/PID/task/TID/children}, so processes started by any thread count.
 */
final class ProcessTree {
    private ProcessTree() {
    }

    /** One reading. Sizes in KiB; the root's own figures apart from the tree's. */
    record Sample(int processes, long rss, long rootRss, int threads, int rootThreads, int fds, int rootFds, Set<Path> homes,
                  Set<Long> codexes) {
    }

    static Sample sample(long root) {
        long rss = 0;
        long rootRss = 0;
        int threads = 0;
        int rootThreads = 0;
        int fds = 0;
        int rootFds = 0;
        int n = 0;
        Set<Path> homes = new LinkedHashSet<>();
        Set<Long> codexes = new LinkedHashSet<>();
        for (long pid : pids(root)) {
            long[] m = ProcMemory.read(pid);        // {VmRSS, Pss, Threads}
            if (m == null) {
                continue;       // ended between the listing and the read
            }
            int open = ProcMemory.fds(pid);
            n++;
            rss += m[0];
            threads += (int) m[2];
            fds += open;
            if (pid == root) {
                rootRss = m[0];
                rootThreads = (int) m[2];
                rootFds = open;
            }
            if (isCodex(pid)) {
                codexes.add(pid);
                CodexMemoryBench.codexHome(pid).ifPresent(homes::add);
            }
        }
        return new Sample(n, rss, rootRss, threads, rootThreads, fds, rootFds, homes, codexes);
    }

    /** {@code root} and every process below it, parents first. */
    static List<Long> pids(long root) {
        List<Long> all = new ArrayList<>();
        Deque<Long> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            all.add(pid);
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks.toList()) {
                    for (String child : Files.readString(task.resolve("children")).trim().split("\\s+")) {
                        if (!child.isEmpty()) {
                            todo.add(Long.parseLong(child));
                        }
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // ended meanwhile
            }
        }
        return all;
    }

    /** A codex app-server (not the bubblewrap around it, nor a command it runs). */
    static boolean isCodex(ProcessHandle p) {
        return p.info().command().map(c -> c.endsWith("/codex")).orElse(false) && p.info().commandLine().orElse("").contains("app-server");
    }

    private static boolean isCodex(long pid) {
        return ProcessHandle.of(pid).map(ProcessTree::isCodex).orElse(false);
    }
}
