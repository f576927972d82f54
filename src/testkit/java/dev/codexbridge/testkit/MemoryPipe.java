package dev.codexbridge.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;

/**
 * An in-memory byte pipe (for fake peers and replays). Unlike {@code PipedInputStream} it does not care which
 * thread wrote last, and each write arrives as one chunk, so tests control how lines are split
 * across reads.
 */
public final class MemoryPipe {
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private byte[] current;
    private int pos;
    private boolean writerClosed;
    private boolean readerClosed;

    private final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            synchronized (MemoryPipe.this) {
                while (current == null || pos == current.length) {
                    if (readerClosed) {
                        throw new IOException("pipe closed");
                    }
                    current = chunks.poll();
                    pos = 0;
                    if (current != null) {
                        continue;
                    }
                    if (writerClosed) {
                        return -1;
                    }
                    try {
                        MemoryPipe.this.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException();
                    }
                }
                int n = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, b, off, n);
                pos += n;
                return n;
            }
        }

        @Override
        public void close() {
            synchronized (MemoryPipe.this) {
                readerClosed = true;
                MemoryPipe.this.notifyAll();
            }
        }
    };

    private final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (MemoryPipe.this) {
                if (writerClosed || readerClosed) {
                    throw new IOException("Broken pipe");
                }
                byte[] copy = new byte[len];
                System.arraycopy(b, off, copy, 0, len);
                chunks.add(copy);
                MemoryPipe.this.notifyAll();
            }
        }

        @Override
        public void close() {
            synchronized (MemoryPipe.this) {
                writerClosed = true;
                MemoryPipe.this.notifyAll();
            }
        }
    };

    public InputStream input() {
        return in;
    }

    public OutputStream output() {
        return out;
    }
}
