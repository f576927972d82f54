package dev.codexbridge.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drains a process's stderr on a daemon thread, keeping only the last lines. Draining
 * continuously matters: a child blocked on a full stderr pipe stops answering on stdout.
 * Memory is bounded by line count times line cap, whatever the child writes. Each line is
 * also logged ({@link CodexStderrLog}: at codex's own level when it is one of codex's log lines);
 * codex's notes on its state database are counted instead of kept.
 */
final class StderrTail {
    static final int MAX_LINE_CHARS = 4096;

    private final int capacity;
    private final ArrayDeque<String> lines;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong stateDatabaseNotices = new AtomicLong();
    private final Thread thread;

    StderrTail(InputStream stderr, int capacity, String name) {
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(Math.min(capacity, 1024));
        this.thread = new Thread(() -> drain(stderr), "codex-bridge-stderr-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The last {@code n} lines, oldest first, with secrets redacted. */
    List<String> last(int n) {
        List<String> copy;
        synchronized (lines) {
            copy = new ArrayList<>(lines);
        }
        List<String> tail = copy.subList(Math.max(0, copy.size() - n), copy.size());
        List<String> out = new ArrayList<>(tail.size());
        for (String line : tail) {
            out.add(SecretRedactor.redact(line));
        }
        return out;
    }

    long bytesRead() {
        return bytesRead.get();
    }

    long stateDatabaseNotices() {
        return stateDatabaseNotices.get();
    }

    /** Waits a little for the drain to reach end of stream, so the tail holds codex's last words. */
    void awaitEnd(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void drain(InputStream in) {
        byte[] buf = new byte[16 * 1024];
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        boolean truncated = false;
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                bytesRead.addAndGet(n);
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        truncated = appendCapped(current, buf, start, i - start, truncated);
                        finishLine(current, truncated);
                        truncated = false;
                        start = i + 1;
                    }
                }
                truncated = appendCapped(current, buf, start, n - start, truncated);
            }
        } catch (IOException e) {
            // the pipe closed under us while the process was being torn down
        }
        if (current.size() > 0) {
            finishLine(current, truncated);
        }
    }

    /** Appends up to the per-line cap (in bytes, a bound on chars); reports whether bytes were dropped. */
    private static boolean appendCapped(ByteArrayOutputStream line, byte[] buf, int from, int len,
                                        boolean truncated) {
        int room = MAX_LINE_CHARS - line.size();
        if (len > room) {
            line.write(buf, from, Math.max(0, room));
            return true;
        }
        line.write(buf, from, len);
        return truncated;
    }

    private void finishLine(ByteArrayOutputStream current, boolean truncated) {
        String line = current.toString(StandardCharsets.UTF_8);
        current.reset();
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (truncated) {
            line = line + "…";
        }
        if (CodexStderrLog.log(line)) {
            // counted, logged at debug, and not kept: two per sleeping conversation would push codex's last words out
            stateDatabaseNotices.incrementAndGet();
            return;
        }
        synchronized (lines) {
            if (lines.size() == capacity) {
                lines.removeFirst();
            }
            lines.addLast(line);
        }
    }
}
