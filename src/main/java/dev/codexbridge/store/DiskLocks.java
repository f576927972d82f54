package dev.codexbridge.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The locks that make a change to one conversation exclusive, among the threads of this JVM and
 * among processes on the machine: one byte of the store's {@code .locks} file per stripe of
 * conversations, locked with the operating system's file lock, under a lock of this JVM for the
 * same stripe. The file is never removed, so a lock never lands on a file another process has
 * replaced. One channel per lock file for the whole JVM: POSIX releases every lock a process holds
 * on a file when any channel to it closes, so two stores on one folder in a JVM share it.
 */
final class DiskLocks implements AutoCloseable {
    static final String FILE = ".locks";
    private static final int STRIPES = 1024;
    private static final Map<Path, Shared> OPEN = new HashMap<>();

    private final Shared shared;
    private boolean closed;

    private DiskLocks(Shared shared) {
        this.shared = shared;
    }

    /** The locks of the store in {@code root} (a real path). */
    static DiskLocks open(Path root) throws IOException {
        Path file = root.resolve(FILE);
        synchronized (OPEN) {
            Shared s = OPEN.get(file);
            if (s == null) {
                s = new Shared(file, openLockFile(file));
                OPEN.put(file, s);
            }
            s.users++;
            return new DiskLocks(s);
        }
    }

    /**
     * The lock file, which is not trusted either (decision 0062): no link followed, created its
     * owner's only, opened for reading and writing (a FIFO put there opens at once rather than waiting for a reader), and
     * refused unless it is a regular file.
     */
    private static FileChannel openLockFile(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), DiskFolder.OWNER_FILE);
        if (!Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
            channel.close();
            throw new IOException(file + " is not a regular file: the store's locks cannot be kept there");
        }
        return channel;
    }

    /**
     * Holds the lock of {@code threadId}'s stripe, waiting at most {@code timeout} (a put holds it
     * while it writes its lineage).
     */
    Held hold(String threadId, Duration timeout) {
        int stripe = Math.floorMod(threadId.hashCode(), STRIPES);
        long deadline = System.nanoTime() + timeout.toNanos();
        ReentrantLock jvm = shared.jvm[stripe];
        boolean jvmHeld = false;
        try {
            if (!jvm.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw busy(threadId, timeout, null);
            }
            jvmHeld = true;
            long pause = 1;
            while (true) {
                FileLock lock = shared.channel.tryLock(stripe, 1, false);
                if (lock != null) {
                    jvmHeld = false;        // the Held releases it
                    return new Held(jvm, lock);
                }
                if (System.nanoTime() > deadline) {
                    throw busy(threadId, timeout, null);
                }
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 20);
            }
        } catch (IOException e) {
            throw busy(threadId, timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversationStoreException(threadId, "interrupted while waiting for the lock of conversation " + threadId, e);
        } finally {
            if (jvmHeld) {
                jvm.unlock();
            }
        }
    }

    private ConversationStoreException busy(String threadId, Duration timeout, Exception cause) {
        return new ConversationStoreException(threadId, "the lock of conversation " + threadId + " in " + shared.file.getParent()
                + " could not be taken within " + timeout + (cause == null ? " (another process holds it)" : ": " + cause), cause);
    }

    @Override
    public void close() {
        synchronized (OPEN) {
            if (closed) {
                return;
            }
            closed = true;
            if (--shared.users == 0) {
                OPEN.remove(shared.file);
                try {
                    shared.channel.close();
                } catch (IOException e) {
                    // nothing is held when the last store closes
                }
            }
        }
    }

    /** One stripe's lock, held until closed. */
    static final class Held implements AutoCloseable {
        private final ReentrantLock jvm;
        private final FileLock lock;

        private Held(ReentrantLock jvm, FileLock lock) {
            this.jvm = jvm;
            this.lock = lock;
        }

        @Override
        public void close() {
            try {
                lock.release();
            } catch (IOException e) {
                // the channel closed with the store: the operating system released the lock
            } finally {
                jvm.unlock();
            }
        }
    }

    private static final class Shared {
        final Path file;
        final FileChannel channel;
        final ReentrantLock[] jvm = new ReentrantLock[STRIPES];
        int users;

        Shared(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
            for (int i = 0; i < STRIPES; i++) {
                jvm[i] = new ReentrantLock();
            }
        }
    }
}
