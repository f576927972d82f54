package dev.codexbridge.openai;

import java.security.SecureRandom;
import java.util.HexFormat;

/** New ids in the API's style ({@code resp_…}, {@code msg_…}, {@code chatcmpl-…}): 24 random bytes, unguessable, as another principal's ids must be. */
final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    static String next(String prefix) {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }
}
