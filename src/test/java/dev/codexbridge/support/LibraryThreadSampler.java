package dev.codexbridge.support;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Counts the library's threads ({@code codex-bridge-*}) on a thread of its own, about every
 * millisecond, and keeps the highest count it saw and which threads they were. Counted: the
 * JVM-wide pools (timer, dispatch, callback, wait, host), whenever they were started, and every
 * other library thread started since the sampler was (a connection's reader, a process's stderr
 * drain); not the server side of the in-memory fake codex, nor threads other tests left behind.
 */
public final class LibraryThreadSampler implements AutoCloseable {
    private static final Pattern JVM_WIDE = Pattern.compile("codex-bridge-(timer|dispatch|callback|wait|host)-\\d+");

    private final Set<Thread> before = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Thread sampler;
    private volatile boolean stop;
    private volatile int peak;
    private volatile List<String> peakThreads = List.of();
    private volatile long samples;

    private LibraryThreadSampler() {
        before.addAll(List.of(all()));
        sampler = new Thread(this::run, "thread-sampler");
        sampler.setDaemon(true);
    }

    /** Starts sampling now. */
    public static LibraryThreadSampler start() {
        LibraryThreadSampler s = new LibraryThreadSampler();
        s.sampler.start();
        return s;
    }

    /** The most library threads seen at one moment. */
    public int peak() {
        return peak;
    }

    /** The threads of that moment, by kind and name, for a failure message. */
    public String peakThreads() {
        TreeMap<String, Integer> kinds = new TreeMap<>();
        for (String name : peakThreads) {
            kinds.merge(name.replaceFirst("-\\d+$", "-N"), 1, Integer::sum);
        }
        return peak + " library threads after " + samples + " samples: " + kinds;
    }

    /** The library's threads now. */
    public List<String> now() {
        List<String> names = new ArrayList<>();
        for (Thread t : all()) {
            if (t != null && counted(t)) {
                names.add(t.getName());
            }
        }
        return names;
    }

    private boolean counted(Thread t) {
        String name = t.getName();
        if (!name.startsWith("codex-bridge-") || name.contains("fake-codex") || name.startsWith("codex-bridge-model-server")) {
            return false;
        }
        return JVM_WIDE.matcher(name).matches() || !before.contains(t);
    }

    private void run() {
        while (!stop) {
            List<String> names = now();
            samples++;
            if (names.size() > peak) {
                peak = names.size();
                peakThreads = names;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static Thread[] all() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 64];
        int n = root.enumerate(threads, true);
        Thread[] live = new Thread[n];
        System.arraycopy(threads, 0, live, 0, n);
        return live;
    }

    /** Stops sampling; the peak stays readable. */
    @Override
    public void close() {
        stop = true;
        try {
            sampler.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
