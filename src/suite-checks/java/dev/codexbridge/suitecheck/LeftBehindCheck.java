package dev.codexbridge.suitecheck;

import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves behind what only an open resource keeps alive: a library thread
 * ({@code codex-bridge-*}, apart from the shared pools' workers, which end on their own when idle),
 * a child process of the test JVM (a codex, a node, a child JVM), or a repeating task on the
 * library's timer (a lease renewal, a keep-alive) — each a session, client, server or store the
 * class opened and did not close. Left running, they run on into the next class in the same JVM:
 * a lease renewer retrying against a store whose folder is gone wrote its warnings into another
 * class's captured output, and a codex left running takes CPU from every class after it.
 *
 * <p>Registered for every test class by the JUnit Platform's extension auto-detection (the
 * parent pom turns it on; each module with tests carries this source and its service file). What
 * runs at the class's start is remembered; at its end — after its {@code @AfterAll} methods and
 * after every resource other extensions keep for the class is closed — whatever is new is given up
 * to {@link #GRACE} to end (a closed codex is reaped, an idle connection's thread times out in
 * 5 s). What is left then fails the class with its name, and its processes are killed so that
 * the next class starts clean.
 */
public final class LeftBehindCheck implements BeforeAllCallback {
    /** How long what a class started may take to end after the class has. */
    static final Duration GRACE = Duration.ofSeconds(20);
    /**
     * The library's threads for the whole JVM: the shared pools' workers, which outlive any one user
     * and end when idle for 30 s, the starters' SSE writers (the same), and the one thread every codex is started from (its parent for life).
     */
    private static final Pattern SHARED = Pattern.compile("codex-bridge-(store|lease|dispatch|callback|wait|host|timer|sse)-\\d+|codex-bridge-process-parent");
    /** Processes a test fixture keeps for the whole test JVM on purpose (one PostgreSQL for the JVM's store tests). */
    private static final Set<ProcessHandle> KEPT = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LeftBehindCheck.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        boolean topLevel = context.getParent().flatMap(ExtensionContext::getParent).isEmpty();
        if (!topLevel) {
            return;     // a @Nested class is judged with the class that holds it
        }
        Running before = Running.now();
        String testClass = context.getRequiredTestClass().getName();
        // closed with the class's other resources, after those put later (the class's own extensions')
        context.getStore(NAMESPACE).put("running-before", (AutoCloseable) () -> judge(testClass, before));
    }

    /** Fails {@code testClass} if what it started is still running after {@link #GRACE}. */
    static void judge(String testClass, Running before) {
        long start = System.nanoTime();
        long deadline = start + GRACE.toNanos();
        Running left = Running.now().since(before);
        String first = left.isEmpty() ? null : left.describe();
        while (!left.isEmpty() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            left = Running.now().since(before);
        }
        if (left.isEmpty()) {
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            if (waitedMs >= 1000) {
                // what a class's end waits for is suite time: said, so that it can be found and closed sooner
                System.err.println("LeftBehindCheck: " + testClass + " waited " + waitedMs + " ms for what it started to end: " + first);
            }
            return;
        }
        String what = left.describe();
        left.processes().keySet().forEach(LeftBehindCheck::kill);
        System.err.println("LeftBehindCheck: " + testClass + " left running " + GRACE.toSeconds() + " s after it ended: " + what);
        throw new AssertionError(testClass + " left running " + GRACE.toSeconds() + " s after it ended (close what the class opens): "
                + what);
    }

    /**
     * {@code process} and its children are kept for the whole test JVM on purpose and are not left
     * behind by the class that started them: a fixture shared by every class of the JVM, ended when the JVM's tests end.
     */
    public static void keptForTheJvm(ProcessHandle process) {
        KEPT.add(process);
    }

    /** Whether {@code p} is a kept process or runs under one (a server's own workers). */
    private static boolean kept(ProcessHandle p) {
        for (ProcessHandle at = p; at != null; at = at.parent().orElse(null)) {
            if (KEPT.contains(at)) {
                return true;
            }
        }
        return false;
    }

    private static void kill(ProcessHandle process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** What the check watches, as it runs at one moment. */
    record Running(Map<Long, String> threads, Map<ProcessHandle, String> processes, Set<Future<?>> repeatingTasks) {

        static Running now() {
            Map<Long, String> threads = new LinkedHashMap<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.isAlive() && t.getName().startsWith("codex-bridge-") && !SHARED.matcher(t.getName()).matches()) {
                    threads.put(t.getId(), t.getName());
                }
            }
            Map<ProcessHandle, String> processes = new LinkedHashMap<>();
            ProcessHandle.current().descendants().filter(p -> p.isAlive() && !kept(p))
                    .forEach(p -> processes.put(p, p.info().commandLine().orElse(p.info().command().orElse("?"))));
            return new Running(threads, processes, timersRepeatingTasks());
        }

        /** The library timer's repeating tasks; a cancelled one leaves its queue at once (remove-on-cancel). */
        private static Set<Future<?>> timersRepeatingTasks() {
            Set<Future<?>> tasks = Collections.newSetFromMap(new IdentityHashMap<>());
            ScheduledExecutorService timer = RpcThreads.timer();
            if (timer instanceof ThreadPoolExecutor pool) {
                for (Runnable r : pool.getQueue().toArray(new Runnable[0])) {
                    if (r instanceof RunnableScheduledFuture<?> f && f.isPeriodic() && !f.isDone()) {
                        tasks.add(f);
                    }
                }
            }
            return tasks;
        }

        /** What runs now and did not at {@code before}. */
        Running since(Running before) {
            Map<Long, String> t = new LinkedHashMap<>(threads);
            t.keySet().removeAll(before.threads.keySet());
            Map<ProcessHandle, String> p = new LinkedHashMap<>(processes);
            p.keySet().removeAll(before.processes.keySet());
            Set<Future<?>> r = Collections.newSetFromMap(new IdentityHashMap<>());
            r.addAll(repeatingTasks);
            r.removeAll(before.repeatingTasks);
            return new Running(t, p, r);
        }

        boolean isEmpty() {
            return threads.isEmpty() && processes.isEmpty() && repeatingTasks.isEmpty();
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            if (!threads.isEmpty()) {
                parts.add("threads " + threads.values());
            }
            if (!processes.isEmpty()) {
                parts.add("processes " + processes.entrySet().stream()
                        .map(e -> e.getKey().pid() + " " + shorten(e.getValue())).collect(Collectors.joining("; ", "[", "]")));
            }
            if (!repeatingTasks.isEmpty()) {
                parts.add("repeating tasks on the library's timer " + repeatingTasks.stream().map(f -> shorten(f.toString()))
                        .collect(Collectors.joining("; ", "[", "]")));
            }
            return String.join(", ", parts);
        }

        private static String shorten(String s) {
            return s.length() <= 300 ? s : s.substring(0, 300) + "…";
        }
    }
}
