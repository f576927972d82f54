package dev.codexbridge.suitecheck;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Writes the CPU each top-level test class cost to {@code target/class-cpu.tsv} of the module
 * (one line per class: the class, its CPU seconds, its wall seconds, the fork's process id). The
 * suite is bound by its two cores' CPU, not by waiting, so its time is cut where its CPU goes:
 * read here, not guessed from wall times that another fork's work stretches.
 *
 * <p>A class's CPU is its JVM's own and that of every process it started and reaped (a codex, a
 * child JVM, a shell): Linux adds a reaped child's time, and its reaped children's, to the
 * parent's ({@code cutime} and {@code cstime} of {@code /proc/self/stat}). A fork runs one class
 * at a time, so the difference across a class is that class's, apart from a shared pool's idle
 * thread. Where there is no {@code /proc} or no {@code target} folder in the working directory,
 * nothing is written. {@code SlowClassCheck} prints the costliest classes at the build's end.
 */
public final class ClassCpuRecord implements BeforeAllCallback {
    static final String FILE = "class-cpu.tsv";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClassCpuRecord.class);
    /** Linux's clock ticks per second for the times in {@code /proc/PID/stat} (USER_HZ, 100 on every architecture the JDK runs on). */
    private static final double TICKS_PER_SECOND = 100;

    @Override
    public void beforeAll(ExtensionContext context) {
        boolean topLevel = context.getParent().flatMap(ExtensionContext::getParent).isEmpty();
        long ticks = cpuTicks();
        if (!topLevel || ticks < 0) {
            return;
        }
        long started = System.nanoTime();
        String testClass = context.getRequiredTestClass().getName();
        context.getStore(NAMESPACE).put("cpu-before", (AutoCloseable) () -> write(testClass, ticks, started));
    }

    private static void write(String testClass, long ticksBefore, long startedNanos) {
        long ticks = cpuTicks();
        Path target = Path.of("target");
        if (ticks < 0 || !Files.isDirectory(target)) {
            return;
        }
        String line = String.format(Locale.ROOT, "%s\t%.2f\t%.2f\t%d%n", testClass, (ticks - ticksBefore) / TICKS_PER_SECOND,
                (System.nanoTime() - startedNanos) / 1e9, ProcessHandle.current().pid());
        try {
            // one short append per class: forks writing at once do not interleave within a line
            Files.writeString(target.resolve(FILE), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("ClassCpuRecord: " + testClass + "'s CPU was not written: " + e);
        }
    }

    /** This process's user and system time with its reaped children's, in ticks; -1 where {@code /proc} cannot say. */
    static long cpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            // the command name may hold spaces and parentheses: fields are counted after its last ')'
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 – 17 of proc(5), utime stime cutime cstime, are 11 – 14 here (the state is field 3)
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
