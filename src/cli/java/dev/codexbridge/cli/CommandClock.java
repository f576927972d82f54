package dev.codexbridge.cli;

import dev.codexbridge.protocol.ThreadItem;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a command ran, timed here. Codex's own {@code durationMs} (0.169) leaves out the
 * command's first moments: a command that takes a few milliseconds reports 0 ms, and a 700 ms
 * {@code sleep} about 560 ms. So the clock runs from the item's start, or from its approval when
 * one was asked (the command waits for it), to its completion.
 */
final class CommandClock {
    private final Map<String, Long> started = new ConcurrentHashMap<>();

    void started(ThreadItem item) {
        if (item instanceof ThreadItem.CommandExecution c && c.id() != null) {
            started.put(c.id(), System.nanoTime());
        }
    }

    /** An approval answered for {@code itemId}: the command starts only now. */
    void approved(String itemId) {
        if (itemId != null) {
            started.computeIfPresent(itemId, (k, v) -> System.nanoTime());
        }
    }

    /** Milliseconds {@code c} ran, or codex's figure when its start was not seen; null when unknown. */
    Long elapsedMillis(ThreadItem.CommandExecution c) {
        Long start = c.id() == null ? null : started.remove(c.id());
        return start == null ? c.durationMs() : (System.nanoTime() - start) / 1_000_000L;
    }
}
