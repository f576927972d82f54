package dev.codexbridge.store.spi;

import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.RolloutFile;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A rollout's source as a store reads it: hashed and counted on the way, never read past its
 * declared size (a source that grew cannot push a lineage over its cap), and checked at the end
 * against the declared size and hash ({@link #verify}). A source that changed since its
 * {@link RolloutFile} was made fails the put that reads it.
 */
public final class CheckedInput extends FilterInputStream {
    private final String threadId;
    private final RolloutFile file;
    private final MessageDigest digest = Sha256.digest();
    private long count;

    private CheckedInput(String threadId, RolloutFile file, InputStream in) {
        super(in);
        this.threadId = threadId;
        this.file = file;
    }

    /** Opens {@code file}'s source; a failure to open it is the put's failure. */
    public static CheckedInput open(String threadId, RolloutFile file) {
        try {
            return new CheckedInput(threadId, file, file.open());
        } catch (IOException e) {
            throw failed(threadId, file, e);
        }
    }

    /** The put of {@code threadId} failed reading {@code file}. */
    public static ConversationStoreException failed(String threadId, RolloutFile file, Exception cause) {
        return new ConversationStoreException(threadId, "storing conversation " + threadId + " failed reading rollout "
                + file.relativePath() + "; the version before stays: " + cause, cause);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            count += n;
            if (count > file.size()) {
                throw new IOException("rollout " + file.relativePath() + " is longer than its declared " + file.size() + " bytes");
            }
            digest.update(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("a rollout is read whole");
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads what is left to the end (a consumer may stop at the declared size), then checks size and hash. */
    public void verify() {
        try {
            byte[] rest = new byte[8192];
            while (read(rest, 0, rest.length) > 0) {
                // counted and hashed by read: a source longer than declared fails there
            }
        } catch (IOException e) {
            throw failed(threadId, file, e);
        }
        if (count != file.size()) {
            throw failed(threadId, file, new IOException("it has " + count + " bytes, " + file.size() + " declared"));
        }
        if (!HexFormat.of().formatHex(digest.digest()).equals(file.sha256())) {
            throw failed(threadId, file, new IOException("its SHA-256 is not the declared one (did it change since it was read?)"));
        }
    }

    /** The bytes read so far. */
    public long count() {
        return count;
    }
}
