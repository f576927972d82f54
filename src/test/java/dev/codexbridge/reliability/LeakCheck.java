package dev.codexbridge.reliability;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/** Threads, file descriptors and child processes of this JVM, to compare before and after. */
public record LeakCheck(long connectionThreads, long fileDescriptors, long children) {

    public static LeakCheck now() {
        long threads = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("codex-bridge-reader") || n.startsWith("codex-bridge-stderr"))
                .count();
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long children = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
        return new LeakCheck(threads, fds, children);
    }

    /** Waits (up to 10 s) until threads and children are back to this baseline and fds are within a small slack. */
    public void awaitBaseline() {
        await().pollInSameThread().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            LeakCheck n = now();
            // the JVM opens a few descriptors of its own (jar files, class data) on first use
            return n.connectionThreads <= connectionThreads && n.children <= children && n.fileDescriptors <= fileDescriptors + 4;
        });
    }
}
