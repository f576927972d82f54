package dev.codexbridge.suitecheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClassCpuRecordTest {
    @Test
    void aReapedChildsCpuCountsAsThisProcesssOwn() throws Exception {
        long before = ClassCpuRecord.cpuTicks();
        assertThat(before).as("this JVM's ticks so far, from /proc").isPositive();
        // a child that only computes: its CPU is the shell's own, added to this process's once reaped
        Process child = new ProcessBuilder("sh", "-c", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done").start();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
        long after = ClassCpuRecord.cpuTicks();
        assertThat(after - before).as("ticks added by 400,000 rounds of a shell's loop (about half a second anywhere)").isGreaterThanOrEqualTo(10);
    }
}
