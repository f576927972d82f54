package dev.codexbridge.a2a;

import java.time.Duration;

/**
 * How much the server holds, per caller and at once. A caller's oldest ended task is forgotten
 * when a new one would exceed {@code tasksPerPrincipal}; with every kept task still running the
 * new message is refused. Likewise the oldest idle context (its codex session closed) for
 * {@code contextsPerPrincipal}. A stream whose client reads slower than {@code queuedEvents}
 * events behind is closed (the client can resubscribe).
 *
 * @param tasksPerPrincipal    tasks kept per caller, ended ones included
 * @param contextsPerPrincipal contexts (codex threads) kept open per caller
 * @param streams              SSE streams and waiting blocking sends at once, all callers together (each holds a server thread)
 * @param queuedEvents         events queued for one stream
 * @param approvalDeadline     how long a codex request waits for the caller's answer before it is declined
 * @param blockingWait         how long a blocking {@code message/send} waits before answering with the working task
 * @param maxRequestBytes      largest JSON-RPC request body
 */
public record A2aLimits(int tasksPerPrincipal, int contextsPerPrincipal, int streams, int queuedEvents,
        Duration approvalDeadline, Duration blockingWait, int maxRequestBytes) {
    public static final A2aLimits DEFAULTS = new A2aLimits(100, 16, 64, 512, Duration.ofMinutes(5),
            Duration.ofMinutes(10), 1 << 20);

    public A2aLimits {
        if (tasksPerPrincipal < 1 || contextsPerPrincipal < 1 || streams < 1 || queuedEvents < 8 || maxRequestBytes < 1024) {
            throw new IllegalArgumentException("limits too small: " + tasksPerPrincipal + " tasks, " + contextsPerPrincipal
                    + " contexts, " + streams + " streams, " + queuedEvents + " queued events, " + maxRequestBytes + " bytes");
        }
        if (approvalDeadline.isNegative() || approvalDeadline.isZero() || blockingWait.isNegative()) {
            throw new IllegalArgumentException("approvalDeadline must be positive and blockingWait not negative");
        }
    }

    public A2aLimits withApprovalDeadline(Duration deadline) {
        return new A2aLimits(tasksPerPrincipal, contextsPerPrincipal, streams, queuedEvents, deadline, blockingWait, maxRequestBytes);
    }

    public A2aLimits withTasksPerPrincipal(int tasks) {
        return new A2aLimits(tasks, contextsPerPrincipal, streams, queuedEvents, approvalDeadline, blockingWait, maxRequestBytes);
    }
}
