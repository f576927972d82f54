package dev.codexbridge.transport;

/**
 * The {@code Authorization} header of an upgrade, checked before any header is built: a bearer
 * token must be printable ASCII. A control character would otherwise reach the JDK, whose refusal
 * quotes the header value, or, on a unix socket, split the hand-written request (a CR LF inside
 * the token starts a header of the token's choosing). Every refusal says what is wrong, never
 * the value, not even in part.
 */
final class BearerHeader {
    private BearerHeader() {
    }

    /** {@code Bearer TOKEN} for {@code auth}'s token of this connection attempt, or null for none. */
    static String value(WebSocketAuth auth) {
        String token = auth.bearerToken();
        if (token == null) {
            return null;
        }
        check(token, "the " + auth.describe());
        return "Bearer " + token;
    }

    /** Refuses {@code token} unless it is non-empty printable ASCII; {@code what} names its source. */
    static void check(String token, String what) {
        if (token.isEmpty()) {
            throw new TransportException(what + " is empty");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new TransportException(what + " holds " + kind(c) + "; a bearer token must be printable "
                        + "ASCII (the value is not shown)");
            }
        }
    }

    private static String kind(char c) {
        if (c == '\r' || c == '\n') {
            return "a line break";
        }
        if (c < 0x20 || c == 0x7f) {
            return "a control character";
        }
        return "a character outside ASCII";
    }
}
