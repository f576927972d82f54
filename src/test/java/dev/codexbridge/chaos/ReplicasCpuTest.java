package dev.codexbridge.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chaos run's CPU accounting: what this JVM burns while it reads lands in the run's own group,
 * counted from the first read rather than from the JVM's start.
 */
class ReplicasCpuTest {
    private static final String RUN = "the run (callers, proxies, model)";

    @Test
    void cpuBurnedWhileReadingIsTheRunsOwnAndTimeBeforeTheFirstReadIsNot() throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        burn(2000);     // before the reads: not counted
        long before = os.getProcessCpuTime();
        ReplicasCpu cpu = ReplicasCpu.start();
        burn(600);
        Thread.sleep(1200);     // read at least once by the reading thread
        cpu.close();
        long after = os.getProcessCpuTime();
        double run = cpu.seconds().get(RUN);
        // /proc counts in 10 ms ticks; the JVM's own other threads (the JIT, the GC) may add a little
        assertThat(run).isGreaterThanOrEqualTo(0.58).isLessThanOrEqualTo((after - before) / 1e9 + 0.03);
        List<String> lines = cpu.lines(10);
        assertThat(lines.get(0)).startsWith("CPU while the load ran (").contains("the machine busy");
        assertThat(lines.get(2)).contains(RUN + " " + Math.round(1000 * run / 10) + " ms;");
    }

    /** Spins this thread until it has used {@code millis} more CPU. */
    private static void burn(long millis) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long until = threads.getCurrentThreadCpuTime() + millis * 1_000_000;
        long x = 0;
        while (threads.getCurrentThreadCpuTime() < until) {
            x += System.nanoTime() % 7;
        }
        assertThat(x).isNotNegative();
    }
}
