package dev.codexbridge.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What a part of the library remembers per conversation (a thread's owner, where it was last
 * opened, a response id), at most {@code max} entries: past it the least recently used one is
 * forgotten, so a process that serves for a month holds what its bound allows, not one entry per
 * conversation it ever served (issue 80). Used means put, or read by {@link #get}. Thread-safe:
 * every method holds the instance's monitor, and none runs the caller's code but
 * {@link #removeValuesIf}'s test.
 */
public final class Remembered<K, V> {
    /** The bound the library's per-conversation memory has unless the host sets another. */
    public static final int DEFAULT_MAX = 100_000;

    private final int max;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long forgotten;

    private Remembered(int max) {
        this.max = max;
    }

    /**
     * An empty one of at most {@code max} entries.
     *
     * @throws IllegalArgumentException when {@code max} is below 1
     */
    public static <K, V> Remembered<K, V> atMost(int max) {
        return new Remembered<>(check(max, "max"));
    }

    /** {@code n} when it is at least 1, else an {@link IllegalArgumentException} naming {@code what}. */
    public static int check(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1: " + n);
        }
        return n;
    }

    /** Remembers {@code value} for {@code key}, forgetting the least recently used entry past the bound. */
    public synchronized void put(K key, V value) {
        entries.put(key, value);
        if (entries.size() > max) {
            Map.Entry<K, V> eldest = entries.entrySet().iterator().next();
            entries.remove(eldest.getKey());
            forgotten++;
        }
    }

    /** What is remembered for {@code key} (which counts as a use), or null. */
    public synchronized @Nullable V get(K key) {
        return entries.get(key);
    }

    public synchronized @Nullable V remove(K key) {
        return entries.remove(key);
    }

    /** Forgets {@code key} when it is remembered with {@code value}; whether it was. */
    public synchronized boolean remove(K key, V value) {
        return entries.remove(key, value);
    }

    /** Forgets every entry whose value passes {@code test}. */
    public synchronized void removeValuesIf(Predicate<? super V> test) {
        entries.values().removeIf(test);
    }

    /** How many entries' values pass {@code test}. */
    public synchronized int countValues(Predicate<? super V> test) {
        return (int) entries.values().stream().filter(test).count();
    }

    /** Puts {@code value} for {@code key} in place of {@code expected} only; whether it did. */
    public synchronized boolean replace(K key, V expected, V value) {
        return entries.replace(key, expected, value);
    }

    public synchronized int size() {
        return entries.size();
    }

    /** How many entries were forgotten to stay within the bound, since the start. */
    public synchronized long forgotten() {
        return forgotten;
    }

    public int max() {
        return max;
    }
}
