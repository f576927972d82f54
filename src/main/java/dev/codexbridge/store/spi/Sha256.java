package dev.codexbridge.store.spi;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as the stores write it: lowercase hex. */
public final class Sha256 {
    private Sha256() {
    }

    /** A new SHA-256 digest (every JVM has one). */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** Reads {@code in} to its end: how many bytes, and their hash. */
    public static Counted of(InputStream in) throws IOException {
        MessageDigest digest = digest();
        byte[] buffer = new byte[64 * 1024];
        long size = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
            size += n;
        }
        return new Counted(size, HexFormat.of().formatHex(digest.digest()));
    }

    /** A stream's length and hash. */
    public record Counted(long size, String hex) {
    }
}
