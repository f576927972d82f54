package dev.codexbridge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and peak RSS of this process from {@code /proc/self} (Linux), for the process benchmarks. */
record ProcStats(double cpuSeconds, long peakRssKib) {
    /** Linux reports utime/stime in clock ticks of USER_HZ, 100 on every common configuration. */
    private static final double TICKS = 100.0;

    static ProcStats self() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        // fields after the command name, which is in parentheses and may hold spaces
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        long hwm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                hwm = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return new ProcStats(ticks / TICKS, hwm);
    }

    static ProcStats parse(String text) {
        String[] f = text.trim().split(" ");
        return new ProcStats(Double.parseDouble(f[0]), Long.parseLong(f[1]));
    }

    @Override
    public String toString() {
        return cpuSeconds + " " + peakRssKib;
    }
}
