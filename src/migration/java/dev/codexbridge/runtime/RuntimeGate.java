package dev.codexbridge.runtime;

import java.util.Optional;

/**
 * Keeps the runtime switch from flipping under a running turn. A host wraps each turn it hands to
 * codex in {@link #enterTurn()}; {@link RuntimeSwitch#enable()} and {@link RuntimeSwitch#disable}
 * refuse (change nothing) while any turn is inside, and a turn entering while a switch is in
 * progress waits for it, then sees the new state. Counted, not thread-bound: a turn may be entered
 * on one thread and closed on another (asynchronous hosts).
 *
 * <p>In-process only. A host whose turns run in other processes tells the switch through
 * {@link RuntimeSwitch.Builder#turnsRunning}.
 */
public final class RuntimeGate {
    private static final RuntimeGate SHARED = new RuntimeGate();

    private int running;
    private boolean switching;

    /** The JVM-wide gate every {@link RuntimeSwitch} uses unless given another. */
    public static RuntimeGate shared() {
        return SHARED;
    }

    /** A turn inside the gate; closing it (once, idempotent) lets a switch happen again. */
    public final class TurnPermit implements AutoCloseable {
        private boolean closed;

        private TurnPermit() {
        }

        @Override
        public void close() {
            synchronized (RuntimeGate.this) {
                if (!closed) {
                    closed = true;
                    running--;
                    RuntimeGate.this.notifyAll();
                }
            }
        }
    }

    /** Enters a turn, waiting while a switch is in progress. */
    public synchronized TurnPermit enterTurn() throws InterruptedException {
        while (switching) {
            wait();
        }
        running++;
        return new TurnPermit();
    }

    /** Enters a turn unless a switch is in progress right now. */
    public synchronized Optional<TurnPermit> tryEnterTurn() {
        if (switching) {
            return Optional.empty();
        }
        running++;
        return Optional.of(new TurnPermit());
    }

    /** Turns inside the gate now. */
    public synchronized int running() {
        return running;
    }

    synchronized boolean tryBeginSwitch() {
        if (running > 0 || switching) {
            return false;
        }
        switching = true;
        return true;
    }

    synchronized void endSwitch() {
        switching = false;
        notifyAll();
    }
}
