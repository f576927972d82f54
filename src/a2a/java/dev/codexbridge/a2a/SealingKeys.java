package dev.codexbridge.a2a;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The operator's keys that seal what the A2A server keeps at rest of its callers' secrets: push
 * configs (webhook URL, token, credentials) in a store the replicas share (docs/a2a.md, "Push
 * notifications"; decision 0104). AES-256-GCM, a fresh random 96-bit nonce per value, the value
 * bound to its record (its principal, task and config id) so a sealed value copied onto another
 * record does not open. Each key has an id derived from it, written beside every value it seals:
 * the first key seals, every key opens, so a key rotates by putting the new one first and keeping
 * the old one until nothing sealed with it is left.
 *
 * <p>Keys are 32 random bytes in base64 (standard or URL-safe), e.g. {@code openssl rand -base64 32};
 * in a file or a string one per line (or separated by spaces or commas), {@code #} starting a comment.
 * Neither {@link #toString()} nor any error names a key's bytes.
 */
public final class SealingKeys {
    /** What every sealed value starts with: the format's version 1. */
    static final String PREFIX = "sealed:1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** By key id, the sealing key first. */
    private final Map<String, SecretKeySpec> keys;
    private final String sealing;

    private SealingKeys(Map<String, SecretKeySpec> keys) {
        this.keys = keys;
        this.sealing = keys.keySet().iterator().next();
    }

    /**
     * Keys from text: base64 keys of 32 bytes, one per line (or separated by spaces or commas),
     * the first sealing; blank lines and {@code #} comments skipped.
     *
     * @throws IllegalArgumentException when there is no key, one is not 32 bytes of base64, or one is given twice
     */
    public static SealingKeys parse(String text) {
        Objects.requireNonNull(text, "text");
        List<byte[]> keys = new ArrayList<>();
        int n = 0;
        for (String line : text.split("\\R")) {
            int hash = line.indexOf('#');
            for (String word : (hash >= 0 ? line.substring(0, hash) : line).split("[\\s,]+")) {
                if (word.isEmpty()) {
                    continue;
                }
                n++;
                byte[] key;
                try {
                    key = (word.indexOf('-') >= 0 || word.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(word);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("sealing key " + n + " is not base64 (make one with: openssl rand -base64 32)");
                }
                if (key.length != 32) {
                    throw new IllegalArgumentException("sealing key " + n + " is " + key.length
                            + " bytes; an AES-256 key is 32 (make one with: openssl rand -base64 32)");
                }
                keys.add(key);
            }
        }
        return of(keys);
    }

    /** Keys from a file, as {@link #parse}. */
    public static SealingKeys read(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** These keys (32 bytes each), the first sealing. */
    public static SealingKeys of(List<byte[]> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no sealing key given (make one with: openssl rand -base64 32)");
        }
        Map<String, SecretKeySpec> byId = new LinkedHashMap<>();
        for (byte[] key : keys) {
            if (key.length != 32) {
                throw new IllegalArgumentException("a sealing key is 32 bytes (AES-256), not " + key.length);
            }
            if (byId.put(id(key), new SecretKeySpec(key.clone(), "AES")) != null) {
                throw new IllegalArgumentException("sealing key " + id(key) + " is given twice");
            }
        }
        return new SealingKeys(byId);
    }

    /** A new random key in base64, as a key file holds it. */
    public static String newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** The id of the key that seals: the first. */
    public String sealingKeyId() {
        return sealing;
    }

    /** Every key's id, the sealing one first. */
    public List<String> keyIds() {
        return List.copyOf(keys.keySet());
    }

    @Override
    public String toString() {
        return "SealingKeys" + keys.keySet();
    }

    /** A key's id: 8 hex digits of a hash of it, which says nothing of the key. */
    private static String id(byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("codex-bridge sealing key id\0".getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha.digest(key), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** What binds a value to its record: {@code parts} each with its length, so no two lists read alike. */
    static byte[] record(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String p : parts) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            out.write(b.length >>> 24);
            out.write(b.length >>> 16);
            out.write(b.length >>> 8);
            out.write(b.length);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /** {@code plain} sealed with the sealing key, bound to {@code record}: {@code sealed:1:<key id>:<base64url nonce and ciphertext>}. */
    String seal(byte[] plain, byte[] record) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, keys.get(sealing), new GCMParameterSpec(TAG_BITS, nonce));
            aes.updateAAD(record);
            byte[] sealed = aes.doFinal(plain);
            byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return PREFIX + sealing + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot seal with AES-256-GCM", e);
        }
    }

    /**
     * The value {@link #seal} sealed, if it was sealed by one of these keys for {@code record} and
     * not changed since.
     *
     * @throws Unopened saying why not (never with any of the value's or the key's bytes)
     */
    byte[] open(String text, byte[] record) {
        if (!text.startsWith(PREFIX)) {
            throw new Unopened(text.startsWith("{") ? "it is in clear text, as releases before sealing kept it"
                    : "it is not a sealed value this release reads");
        }
        int colon = text.indexOf(':', PREFIX.length());
        if (colon < 0) {
            throw new Unopened("it is not a sealed value this release reads");
        }
        String keyId = text.substring(PREFIX.length(), colon);
        SecretKeySpec key = keys.get(keyId);
        if (key == null) {
            throw new Unopened("it was sealed with key " + (keyId.matches("[0-9a-f]{8}") ? keyId : "(not a key id)")
                    + ", which this server was not given (its keys: " + String.join(", ", keys.keySet()) + ")");
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(text.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new Unopened("its sealed bytes are not base64");
        }
        if (bytes.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new Unopened("it is too short to be sealed");
        }
        try {
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
            aes.updateAAD(record);
            return aes.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new Unopened("it does not open with key " + keyId + ": it was changed, or sealed for another record");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot open AES-256-GCM", e);
        }
    }

    /** A value at rest that these keys do not open for its record, and why. */
    static final class Unopened extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unopened(String why) {
            super(why, null, false, false);
        }
    }
}
