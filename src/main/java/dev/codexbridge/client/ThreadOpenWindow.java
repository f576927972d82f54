package dev.codexbridge.client;

import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One connection's window for the requests that load a thread in codex ({@code thread/start},
 * {@code thread/resume}, {@code thread/fork}): at most {@code size} in flight, whoever sent them —
 * a new session, a wake from hibernation, a host's own request, a reconnect's resumes. Codex
 * 0.169.0 handles a burst of thousands by dropping its own "overloaded" answers when its outbound
 * queue is full and getting the same resumes again (issue 50's measurement: 9,900 wakes at once,
 * 6,792 timed out after 5 minutes); a window keeps what it is asked within what it answers.
 *
 * <p>A reconnect's resumes go first: they hold turns that were running. Anyone else waits in
 * order, and is refused with a {@link ThreadOpenCapacityException} at once when {@code queue}
 * callers already wait or when, at the pace codex answers this burst, its turn would come after
 * {@code maxWait}; as soon as that pace shows a waiter's turn would come too late; and then if its
 * wait passes {@code maxWait} all the same — a clear answer to retry later, in place of a turn that
 * times out after minutes. The pace is judged from the current burst alone (since the window was
 * last empty): loads beside running turns and loads on an idle codex differ several times over,
 * and a burst judged by the one before refused what codex could have taken. Thread-safe.
 */
final class ThreadOpenWindow {
    /** The methods that load a thread and pass the window. */
    static final Set<String> METHODS = Set.of("thread/start", "thread/resume", "thread/fork");

    /** A slot in the window; releasing it twice gives back one slot. */
    interface Slot {
        void release();
    }

    private final int size;
    private final int queue;
    private final Duration maxWait;
    private final Executor handoff;
    private final LongSupplier nanoTime;
    private final ArrayDeque<Waiter> first = new ArrayDeque<>();
    private final ArrayDeque<Waiter> rest = new ArrayDeque<>();
    private int inFlight;
    private long refused;
    /** How much later than its bound a waiter's turn must be expected before it is refused ahead of it. */
    private static final double SHED_MARGIN = 1.5;
    /** When this burst began: the window was empty before it. */
    private long burstStart;
    /** Loads released in this burst; its pace is judged once a window's worth is in. */
    private long burstReleases;
    /**
     * When the latest loads of this burst were released, as a ring: the pace is the time the last
     * of them took, so one slow answer moves it little and a codex that slows down moves it soon.
     */
    private final long[] releasedAt;
    /** A recycle holds new loads back ({@link #hold}): a slot that frees goes to a reconnect's resume only. */
    private boolean held;
    /** When the last hold ended (with {@link #everHeld}): a waiter it held back is given {@code maxWait} from then. */
    private long heldUntil;
    private boolean everHeld;

    ThreadOpenWindow(int size, int queue, Duration maxWait) {
        this(size, queue, maxWait, RpcThreads.callbacks(), System::nanoTime);
    }

    ThreadOpenWindow(int size, int queue, Duration maxWait, Executor handoff, LongSupplier nanoTime) {
        if (size < 1 || queue < 0 || maxWait.isNegative()) {
            throw new IllegalArgumentException("a thread-open window needs size >= 1, queue >= 0 and a wait >= 0");
        }
        this.size = size;
        this.queue = queue;
        this.maxWait = maxWait;
        this.handoff = handoff;
        this.nanoTime = nanoTime;
        this.releasedAt = new long[Math.max(8, 4 * size)];
    }

    /**
     * A slot, at once when one is free and nobody waits ahead (on the calling thread, so the
     * common case sends as before), else when one frees. {@code reconnect}: a reconnect's resume,
     * served before everyone else and never refused (its own timeout bounds it).
     */
    CompletableFuture<Slot> acquire(boolean reconnect) {
        Waiter w;
        synchronized (this) {
            if (inFlight < size && first.isEmpty() && (reconnect || rest.isEmpty() && !held)) {
                if (inFlight == 0) {
                    burstReleases = 0;     // an empty window: what comes is a new burst, judged by its own pace
                    burstStart = nanoTime.getAsLong();
                }
                inFlight++;
                return CompletableFuture.completedFuture(new Taken());
            }
            if (!reconnect && (rest.size() >= queue || !held && wouldWaitTooLong(rest.size() + first.size() + 1))) {
                refused++;
                return CompletableFuture.failedFuture(refusal(rest.size(), Duration.ZERO));
            }
            w = new Waiter(reconnect, nanoTime.getAsLong());
            (reconnect ? first : rest).add(w);
        }
        if (!reconnect) {
            ScheduledFuture<?> expiry = RpcThreads.timer().schedule(() -> expire(w), maxWait.toNanos(), TimeUnit.NANOSECONDS);
            w.granted.whenComplete((s, e) -> expiry.cancel(false));
        }
        return w.granted;
    }

    /** Whether the {@code position}-th caller in line would, at this burst's pace, get a slot only after {@code maxWait}. */
    private boolean wouldWaitTooLong(int position) {
        return paceKnown() && expectedWaitNanos(position) > maxWait.toNanos();
    }

    private boolean paceKnown() {
        return burstReleases >= size;
    }

    /** About how long the {@code position}-th caller in line waits for a slot, at this burst's latest pace. */
    private double expectedWaitNanos(int position) {
        long latest = releasedAt[(int) ((burstReleases - 1) % releasedAt.length)];
        boolean wrapped = burstReleases > releasedAt.length;
        // from the burst's start while the ring has room, else from the oldest release it holds
        long since = wrapped ? releasedAt[(int) (burstReleases % releasedAt.length)] : burstStart;
        long intervals = wrapped ? releasedAt.length - 1 : burstReleases;
        return position * (double) (latest - since) / intervals;
    }

    /**
     * The waiters at the end of the line whose turn, at this burst's pace, would come well after
     * their bound, taken out of it: they are refused now, not after waiting it out (under the lock).
     * Refusing is for good, so it waits for a ring's worth of answers and leaves a margin: the first
     * answers of a burst on a codex just started are slower than the rest, and a waiter refused on
     * them would have been served. Those near their bound wait it out, as before.
     */
    private List<Waiter> tooLateAtThisPace() {
        if (burstReleases < releasedAt.length || rest.isEmpty()) {
            return List.of();
        }
        List<Waiter> late = new ArrayList<>();
        long now = nanoTime.getAsLong();
        long bound = maxWait.toNanos();
        while (!rest.isEmpty()) {
            Waiter last = rest.peekLast();
            int position = first.size() + rest.size();
            if (expectedWaitNanos(position) <= SHED_MARGIN * (bound - (now - last.since))) {
                break;
            }
            late.add(rest.pollLast());
        }
        refused += late.size();
        return late;
    }

    private void expire(Waiter w) {
        int ahead;
        synchronized (this) {
            if (!rest.contains(w)) {
                return;     // granted meanwhile
            }
            long sinceHold = nanoTime.getAsLong() - heldUntil;
            if (held || everHeld && sinceHold < maxWait.toNanos()) {
                // held back by a recycle, not by codex: its wait counts from the hold's end
                long later = held ? TimeUnit.SECONDS.toNanos(1) : maxWait.toNanos() - sinceHold;
                RpcThreads.timer().schedule(() -> expire(w), later, TimeUnit.NANOSECONDS);
                return;
            }
            rest.remove(w);
            refused++;
            ahead = rest.size();
        }
        w.granted.completeExceptionally(refusal(ahead, Duration.ofNanos(nanoTime.getAsLong() - w.since)));
    }

    private ThreadOpenCapacityException refusal(int waiting, Duration waited) {
        // a hint, not a reservation: about the time the callers waiting now take to get through
        Duration retryAfter = maxWait.isZero() ? Duration.ofSeconds(1) : maxWait.dividedBy(2);
        return new ThreadOpenCapacityException(size, waiting, waited, retryAfter);
    }

    private void release(boolean used) {
        Waiter next;
        List<Waiter> late;
        int stillWaiting;
        synchronized (this) {
            if (used) {
                releasedAt[(int) (burstReleases % releasedAt.length)] = nanoTime.getAsLong();
                burstReleases++;
            }
            next = first.poll();
            if (next == null && !held) {
                next = rest.poll();
            }
            if (next == null) {
                inFlight--;
                return;
            }
            late = tooLateAtThisPace();
            stillWaiting = rest.size();
        }
        if (!late.isEmpty()) {
            // what the refused callers do next runs off this thread, as a granted slot's does
            List<Waiter> refusedNow = late;
            handoff.execute(() -> refusedNow.forEach(
                    w -> w.granted.completeExceptionally(refusal(stillWaiting, Duration.ofNanos(nanoTime.getAsLong() - w.since)))));
        }
        // the slot passes to the next caller as it is; its request is written off this thread,
        // which may be the reader's (an answer just released the slot)
        Waiter granted = next;
        handoff.execute(() -> {
            if (!granted.granted.complete(new Taken())) {
                release(false);    // it gave up (its future was cancelled) in between: the slot passes on
            }
        });
    }

    /**
     * Takes every slot when none is in use and nobody waits (true), so that no thread load starts
     * until {@link #giveAllBack}; false, changing nothing, otherwise. Callers meanwhile wait in
     * line as for a full window.
     */
    synchronized boolean takeAllIfUnused() {
        if (inFlight != 0 || !first.isEmpty() || !rest.isEmpty()) {
            return false;
        }
        inFlight = size;
        burstReleases = 0;      // what waits meanwhile is a new burst
        burstStart = nanoTime.getAsLong();
        return true;
    }

    /**
     * Holds new loads back (a recycle, decision 0116): callers wait in line as for a full window,
     * and a slot that frees passes to a reconnect's resume only, until {@link #unhold}. A caller
     * held back is not refused for its wait meanwhile: its {@code maxWait} counts from the hold's end.
     */
    synchronized void hold() {
        held = true;
        everHeld = true;
    }

    /** Ends {@link #hold}: the callers waiting meanwhile go ahead in order, as slots allow. */
    void unhold() {
        int free;
        synchronized (this) {
            held = false;
            heldUntil = nanoTime.getAsLong();
            burstReleases = 0;      // what waited is a new burst, on a codex perhaps just started
            burstStart = heldUntil;
            free = size - inFlight;
            inFlight += free;       // taken here and handed on below, one per free slot
        }
        for (int i = 0; i < free; i++) {
            release(false);
        }
    }

    /** Gives back what {@link #takeAllIfUnused} took: the callers waiting meanwhile go ahead in order. */
    void giveAllBack() {
        for (int i = 0; i < size; i++) {
            release(false);
        }
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int waiting() {
        return first.size() + rest.size();
    }

    /** How many callers were refused since the connection opened. */
    synchronized long refused() {
        return refused;
    }

    int size() {
        return size;
    }

    private final class Taken implements Slot {
        private boolean released;

        @Override
        public void release() {
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
            }
            ThreadOpenWindow.this.release(true);
        }
    }

    private static final class Waiter {
        final boolean reconnect;
        final long since;
        final CompletableFuture<Slot> granted = new CompletableFuture<>();

        Waiter(boolean reconnect, long since) {
            this.reconnect = reconnect;
            this.since = since;
        }
    }
}
