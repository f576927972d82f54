package dev.codexbridge.store;

import dev.codexbridge.store.spi.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What names one request a caller sent with an idempotency key ({@link SendRecords}; decision
 * 0117): the door it came through ({@code scope}: {@code openai}, {@code mcp}), the caller
 * ({@code principal}) and the caller's key. Another principal's request of the same key is another
 * request: a store finds a record by all three.
 *
 * @param scope     the door: 1 to 32 of {@code a-z 0-9 -}
 * @param principal the caller, as the door authenticated it: 1 to {@value #MAX_PRINCIPAL_CHARS} characters
 * @param key       the caller's key: 1 to {@value #MAX_KEY_CHARS} printable ASCII characters (no spaces at its ends)
 */
public record SendKey(String scope, String principal, String key) {
    public static final int MAX_KEY_CHARS = 255;
    public static final int MAX_PRINCIPAL_CHARS = 1024;

    public SendKey {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(key, "key");
        if (!scope.matches("[a-z0-9-]{1,32}")) {
            throw new IllegalArgumentException("a send's scope is 1 to 32 of a-z, 0-9 and -");
        }
        if (principal.isEmpty() || principal.length() > MAX_PRINCIPAL_CHARS) {
            throw new IllegalArgumentException("a send's principal is 1 to " + MAX_PRINCIPAL_CHARS + " characters");
        }
        if (!validKey(key)) {
            throw new IllegalArgumentException("an idempotency key is 1 to " + MAX_KEY_CHARS + " printable ASCII characters, "
                    + "without spaces at its ends");
        }
    }

    /** Whether {@code key} is one a caller may send: what a door checks before it answers 400. */
    public static boolean validKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_CHARS || key.charAt(0) == ' ' || key.charAt(key.length() - 1) == ' ') {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /**
     * The name a store files the record under: the SHA-256 of the three parts, each after its
     * length, so no two keys read alike and a caller's text never becomes a path or an index entry.
     */
    public String digest() {
        String named = scope.length() + ":" + scope + ":" + principal.length() + ":" + principal + ":" + key;
        return Sha256.hex(named.getBytes(StandardCharsets.UTF_8));
    }
}
