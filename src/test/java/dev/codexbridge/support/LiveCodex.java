package dev.codexbridge.support;

import dev.codexbridge.process.CodexLocator;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Locates the pinned codex for live tests; {@code -DskipLiveTests=true} turns them off. */
public final class LiveCodex {
    private LiveCodex() {
    }

    public static Path binary() {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        return new CodexLocator().locate(null).binary();
    }

    /**
     * The codex app-server processes below this JVM from now on: each call lists those alive then
     * that were not alive at this call, so a test counts its own and not one an earlier class in
     * the same fork is still stopping (a process's start time is read in whole seconds, too coarse
     * to tell them apart).
     */
    public static Supplier<List<ProcessHandle>> appServersFromNow() {
        Set<Long> earlier = appServers().map(ProcessHandle::pid).collect(Collectors.toSet());
        return () -> appServers().filter(h -> !earlier.contains(h.pid())).toList();
    }

    private static Stream<ProcessHandle> appServers() {
        return ProcessHandle.current().descendants()
                .filter(h -> h.isAlive() && h.info().command().orElse("").endsWith("/codex")
                        && List.of(h.info().arguments().orElse(new String[0])).contains("app-server"));
    }

    /** Waits until {@code condition} holds, looking every 50 ms; an {@link AssertionError} after {@code seconds}. */
    public static void waitUntil(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in " + seconds + " s");
            }
            Thread.sleep(50);
        }
    }
}
