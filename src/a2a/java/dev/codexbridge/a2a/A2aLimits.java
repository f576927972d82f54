package dev.codexbridge.a2a;

import java.time.Duration;

/**
 * How much the server holds, per caller and at once. A caller's oldest ended task is forgotten
 * when a new one would exceed {@code tasksPerPrincipal}; with every kept task still running the
 * new message is refused. Likewise for {@code tasks}, all callers together (the new message's
 * caller's ended tasks go first, then any caller's). Likewise the oldest idle context (its codex
 * session closed) for {@code contextsPerPrincipal}. A stream whose client reads slower than
 * {@code queuedEvents} events behind is closed (the client can resubscribe). Streams and waiting
 * blocking sends each hold a server thread: counted per caller and for the server, so one caller
 * holding all it may leaves room for the others. A refusal names the limit it met.
 *
 * @param tasksPerPrincipal         tasks kept per caller, ended ones included
 * @param contextsPerPrincipal      contexts (codex threads) kept open per caller
 * @param streams                   SSE streams and waiting blocking sends at once, all callers together (each holds a server thread)
 * @param queuedEvents              events queued for one stream
 * @param approvalDeadline          how long a codex request waits for the caller's answer before it is declined
 * @param blockingWait              how long a blocking {@code message/send} waits before answering with the working task
 * @param maxRequestBytes           largest JSON-RPC request body
 * @param streamsPerPrincipal       SSE streams one caller may have open at once (at most {@code streams})
 * @param blockingSendsPerPrincipal blocking sends one caller may have waiting at once (at most {@code streams})
 * @param tasks                     tasks kept, all callers together (at least {@code tasksPerPrincipal})
 */
public record A2aLimits(int tasksPerPrincipal, int contextsPerPrincipal, int streams, int queuedEvents,
        Duration approvalDeadline, Duration blockingWait, int maxRequestBytes, int streamsPerPrincipal, int blockingSendsPerPrincipal,
        int tasks) {
    public static final A2aLimits DEFAULTS = new A2aLimits(100, 16, 64, 512, Duration.ofMinutes(5),
            Duration.ofMinutes(10), 1 << 20, 16, 16, 10_000);

    public A2aLimits {
        if (tasksPerPrincipal < 1 || contextsPerPrincipal < 1 || streams < 1 || queuedEvents < 8 || maxRequestBytes < 1024) {
            throw new IllegalArgumentException("limits too small: " + tasksPerPrincipal + " tasks, " + contextsPerPrincipal
                    + " contexts, " + streams + " streams, " + queuedEvents + " queued events, " + maxRequestBytes + " bytes");
        }
        if (approvalDeadline.isNegative() || approvalDeadline.isZero() || blockingWait.isNegative()) {
            throw new IllegalArgumentException("approvalDeadline must be positive and blockingWait not negative");
        }
        if (streamsPerPrincipal < 1 || streamsPerPrincipal > streams || blockingSendsPerPrincipal < 1 || blockingSendsPerPrincipal > streams) {
            throw new IllegalArgumentException("streamsPerPrincipal (" + streamsPerPrincipal + ") and blockingSendsPerPrincipal ("
                    + blockingSendsPerPrincipal + ") must be 1.." + streams + " (streams, the server-wide limit)");
        }
        if (tasks < tasksPerPrincipal) {
            throw new IllegalArgumentException("tasks (" + tasks + ", all callers) must be at least tasksPerPrincipal (" + tasksPerPrincipal + ")");
        }
    }

    /** The limits of before the per-caller stream and send limits and the server-wide task limit: those as loose as the server's. */
    public A2aLimits(int tasksPerPrincipal, int contextsPerPrincipal, int streams, int queuedEvents,
            Duration approvalDeadline, Duration blockingWait, int maxRequestBytes) {
        this(tasksPerPrincipal, contextsPerPrincipal, streams, queuedEvents, approvalDeadline, blockingWait, maxRequestBytes, streams, streams,
                Integer.MAX_VALUE);
    }

    public A2aLimits withApprovalDeadline(Duration deadline) {
        return new A2aLimits(tasksPerPrincipal, contextsPerPrincipal, streams, queuedEvents, deadline, blockingWait, maxRequestBytes,
                streamsPerPrincipal, blockingSendsPerPrincipal, tasks);
    }

    public A2aLimits withTasksPerPrincipal(int tasks) {
        return new A2aLimits(tasks, contextsPerPrincipal, streams, queuedEvents, approvalDeadline, blockingWait, maxRequestBytes,
                streamsPerPrincipal, blockingSendsPerPrincipal, Math.max(this.tasks, tasks));
    }

    /** The server-wide limit of streams and blocking sends, and each caller's share of it. */
    public A2aLimits withStreams(int streams, int streamsPerPrincipal, int blockingSendsPerPrincipal) {
        return new A2aLimits(tasksPerPrincipal, contextsPerPrincipal, streams, queuedEvents, approvalDeadline, blockingWait, maxRequestBytes,
                streamsPerPrincipal, blockingSendsPerPrincipal, tasks);
    }

    /** Tasks kept, all callers together. */
    public A2aLimits withTasks(int tasks) {
        return new A2aLimits(tasksPerPrincipal, contextsPerPrincipal, streams, queuedEvents, approvalDeadline, blockingWait, maxRequestBytes,
                streamsPerPrincipal, blockingSendsPerPrincipal, tasks);
    }

    /** The refusal of a new task when every task kept, this caller's ({@code perPrincipal}) or all callers', is still running. */
    A2aError tasksFull(boolean perPrincipal) {
        return perPrincipal
                ? new A2aError(A2aError.UNSUPPORTED, "per-principal limit: this caller's " + tasksPerPrincipal + " tasks kept (tasksPerPrincipal) "
                        + "are all still running", java.util.Map.of("limit", "tasksPerPrincipal", "scope", "principal", "max",
                        String.valueOf(tasksPerPrincipal)))
                : new A2aError(A2aError.UNSUPPORTED, "server-wide limit: " + tasks + " tasks are kept across all callers (tasks) and none can "
                        + "be forgotten yet", java.util.Map.of("limit", "tasks", "scope", "server", "max", String.valueOf(tasks)));
    }
}
