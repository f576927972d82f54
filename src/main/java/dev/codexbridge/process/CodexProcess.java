package dev.codexbridge.process;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * A running codex child process: stdin/stdout for the protocol, stderr drained into a bounded
 * tail, exit detection, and a shutdown ladder (close stdin, wait, SIGTERM, wait, SIGKILL, wait),
 * descendants included. {@link #close()} is idempotent and safe from several threads at once.
 */
public final class CodexProcess implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(CodexProcess.class);
    /** Exit codes of a process that ended because it was asked to (0, SIGINT, SIGPIPE, SIGTERM). */
    private static final Set<Integer> CLEAN_EXIT_CODES = Set.of(0, 130, 141, 143);
    private static final Duration LEFTOVER_GRACE = Duration.ofMillis(500);

    private final CodexLaunch launch;
    private final Process process;
    private final StderrTail stderr;
    private final CompletableFuture<Integer> exit;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    /** Set when the ladder was started because codex closed its output while alive: its exit is then ours. */
    private volatile boolean stoppedForClosedOutput;

    private CodexProcess(CodexLaunch launch, Process process) {
        this.launch = launch;
        this.process = process;
        this.stderr = new StderrTail(process.getErrorStream(), launch.stderrLines(), launch.name() + "-" + process.pid());
        this.exit = process.onExit().thenApply(Process::exitValue);
    }

    /**
     * Spawns the process; a binary that cannot be executed is a {@link CodexProcessException}, and
     * a launch without a binary locates it first ({@link CodexNotFoundException} when none is found).
     * An app-server's {@code CODEX_HOME} is checked first: a missing or unwritable one is a
     * {@link CodexProcessException} saying so and how to fix it.
     */
    public static CodexProcess start(CodexLaunch launch) {
        launch = launch.located();
        ProcessBuilder pb = new ProcessBuilder(launch.command());
        launch.applyEnvironment(pb.environment());
        if (launch.arguments().contains("app-server")) {
            CodexHomeCheck.require(pb.environment(), launch.codexHome() != null);
        }
        if (launch.workingDirectory() != null) {
            pb.directory(launch.workingDirectory().toFile());
        }
        pb.redirectErrorStream(false);
        try {
            // a wrapper's --die-with-parent kills codex when the starting thread ends: started on one that does not
            Process p = launch.wrapper().isEmpty() ? pb.start() : ParentThread.start(pb);
            LOG.debug("started {} (pid {})", launch.command(), p.pid());
            return new CodexProcess(launch, p);
        } catch (IOException e) {
            throw new CodexProcessException("cannot start " + launch.binary() + ": " + e.getMessage(), e);
        }
    }

    public CodexLaunch launch() {
        return launch;
    }

    /**
     * Codex's own pid: the started process's, or, when codex runs under a wrapper (the tenants'
     * bubblewrap), the descendant that runs the codex binary once it was seen; the wrapper's until then.
     */
    public long pid() {
        long wrapped = codexPid;
        return wrapped > 0 ? wrapped : process.pid();
    }

    /**
     * Codex's resident memory ({@code VmRSS} of {@link #pid()} in {@code /proc}); empty where the
     * system has no {@code /proc}, the process is gone, or codex under a wrapper was not found yet.
     */
    public OptionalLong residentBytes() {
        if (!launch.wrapper().isEmpty() && codexPid == 0) {
            return OptionalLong.empty();    // the wrapper's would be read, not codex's
        }
        java.nio.file.Path status = java.nio.file.Path.of("/proc", Long.toString(pid()), "status");
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(status)) {
            return lines.filter(l -> l.startsWith("VmRSS:")).findFirst().map(CodexProcess::kibibytes)
                    .map(kib -> OptionalLong.of(kib * 1024)).orElse(OptionalLong.empty());
        } catch (java.io.IOException | java.io.UncheckedIOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** {@code "VmRSS:     12345 kB"} → 12345. */
    private static long kibibytes(String statusLine) {
        String[] parts = statusLine.trim().split("\\s+");
        return Long.parseLong(parts[1]);
    }

    /** Codex's pid under a wrapper, found by {@link #findWrappedCodex}; 0 until then. */
    private volatile long codexPid;

    /**
     * Looks for codex among the wrapper's descendants every 100 ms, at most 20 times, so messages
     * name codex's pid, not the wrapper's (codex is gone with its descendants by the time it exits).
     */
    void findWrappedCodex() {
        if (launch.wrapper().isEmpty()) {
            return;
        }
        java.nio.file.Path binary = launch.binary();
        String name = binary == null || binary.getFileName() == null ? "codex" : binary.getFileName().toString();
        Runnable[] probe = new Runnable[1];
        int[] tries = {0};
        probe[0] = () -> {
            if (codexPid > 0 || !process.isAlive()) {
                return;
            }
            process.descendants()
                    .filter(h -> h.info().command().map(c -> c.endsWith("/" + name) || c.equals(name)).orElse(false))
                    .findFirst().ifPresent(h -> codexPid = h.pid());
            if (codexPid == 0 && ++tries[0] < 20) {
                dev.codexbridge.rpc.internal.RpcThreads.timer().schedule(probe[0], 100, TimeUnit.MILLISECONDS);
            }
        };
        probe[0].run();
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    public InputStream stdout() {
        return process.getInputStream();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Completes with the exit code when the process ends, for whatever reason. */
    public CompletableFuture<Integer> exitFuture() {
        return exit.copy();
    }

    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /** Whether {@code code} means the process ended because it was told to. */
    public static boolean isCleanExit(int code) {
        return CLEAN_EXIT_CODES.contains(code);
    }

    /** The last {@code n} stderr lines, oldest first, secrets redacted. */
    public List<String> stderrTail(int n) {
        return stderr.last(n);
    }

    public long stderrBytes() {
        return stderr.bytesRead();
    }

    /**
     * How many times codex noted that its state database named a rollout that had moved ("state
     * db returned stale rollout path", "state db discrepancy … stale_db_path"): normal where
     * conversations sleep and wake, so logged at DEBUG rather than codex's ERROR and WARN, and
     * counted here; not kept in {@link #stderrTail}.
     */
    public long stateDatabaseNotices() {
        return stderr.stateDatabaseNotices();
    }

    /**
     * An exception describing this process's end, for {@code context} (e.g. "before answering
     * initialize"): waits up to {@code wait} for the exit, then includes exit code and stderr tail.
     */
    public CodexProcessException deathException(String context, Duration wait, Throwable cause) {
        Integer code = null;
        try {
            if (process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                code = process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // an exited codex's stderr ends as soon as its drain gets the CPU, which on a loaded host can
        // take longer than a glance; a codex still running (closed output) may never end it
        stderr.awaitEnd(code == null ? 200 : 2_000);
        List<String> tail = stderrTail(20);
        String what = code == null || stoppedForClosedOutput
                ? "codex (pid " + pid() + ") closed its output while still running, " + context
                : "codex (pid " + pid() + ") exited with code " + code + " " + context;
        String lastWords = lastErrorLine(tail);
        return new CodexProcessException(lastWords == null ? what : what + ": " + UntrustedText.of(lastWords), code, tail, cause);
    }

    /** Codex reports fatal start-up problems as a line starting with {@code Error:}. */
    private static String lastErrorLine(List<String> tail) {
        for (int i = tail.size() - 1; i >= 0; i--) {
            String line = tail.get(i).strip();
            if (line.startsWith("Error:") || line.startsWith("error:")) {
                return line;
            }
        }
        return null;
    }

    /**
     * Stops the process by the ladder and returns its exit code. Every descendant seen before the
     * ladder started and still alive after it is killed too (MCP servers codex started run in
     * their own process groups and would otherwise outlive it). Concurrent callers share one ladder.
     */
    @Override
    public void close() {
        shutdown();
    }

    /**
     * Stops a codex that closed its output but kept running. Its exit code then comes from the
     * ladder, so {@link #deathException} keeps describing the closed output, not the exit.
     */
    int shutdownAfterClosedOutput() {
        stoppedForClosedOutput = true;
        return shutdown();
    }

    /** Like {@link #close()}, returning the exit code (-1 if the process could not be reaped). */
    public int shutdown() {
        if (!closing.compareAndSet(false, true)) {
            return closed.join();
        }
        int code = -1;
        try {
            code = runLadder();
        } finally {
            closed.complete(code);
        }
        return code;
    }

    private int runLadder() {
        List<ProcessHandle> descendants = process.descendants().collect(Collectors.toList());
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            LOG.debug("closing codex stdin: {}", e.getMessage());
        }
        if (!waitFor(launch.closeGrace())) {
            LOG.debug("codex (pid {}) still running {} ms after stdin closed; sending SIGTERM",
                    pid(), launch.closeGrace().toMillis());
            descendants = refresh(descendants);
            process.destroy();
            if (!waitFor(launch.terminateGrace())) {
                LOG.warn("codex (pid {}) ignored SIGTERM; killing it", pid());
                descendants = refresh(descendants);
                process.destroyForcibly();
                waitFor(launch.killGrace());
            }
        }
        stopLeftovers(descendants);
        closeQuietly(process.getInputStream());
        if (process.isAlive()) {
            LOG.warn("codex (pid {}) survived SIGKILL; it is orphaned", pid());
            return -1;
        }
        return process.exitValue();
    }

    /**
     * Descendants that outlived codex get SIGTERM first, so they can release what they hold
     * (lock files, temp dirs), and SIGKILL only if still alive after a short grace.
     */
    private void stopLeftovers(List<ProcessHandle> descendants) {
        List<ProcessHandle> alive = descendants.stream().filter(ProcessHandle::isAlive).collect(Collectors.toList());
        if (alive.isEmpty()) {
            return;
        }
        LOG.debug("stopping {} leftover codex descendants", alive.size());
        alive.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + LEFTOVER_GRACE.toNanos();
        for (ProcessHandle d : alive) {
            long left = deadline - System.nanoTime();
            try {
                d.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (Exception stillAlive) {
                d.destroyForcibly();
            }
        }
    }

    private List<ProcessHandle> refresh(List<ProcessHandle> known) {
        List<ProcessHandle> now = process.descendants().collect(Collectors.toList());
        for (ProcessHandle h : known) {
            if (!now.contains(h)) {
                now.add(h);
            }
        }
        return now;
    }

    private boolean waitFor(Duration d) {
        try {
            return process.waitFor(Math.max(0, d.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
