package dev.codexbridge.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * How a connection proves itself to an app-server started with {@code --ws-auth}: the token goes
 * in an {@code Authorization: Bearer} header of the WebSocket upgrade (codex reads it nowhere
 * else: not from the query, not from a cookie).
 *
 * <p>A credential is read, or a JWT minted, once per connection attempt, so a rotated token file
 * or a short-lived JWT is picked up on reconnect. Implementations never put the credential in
 * {@code toString()}, {@link #describe()} or an exception message. Every token, this library's
 * or a host's own implementation's, is checked to be printable ASCII before a header is built
 * from it; one that is not is refused with what is wrong and without the value.
 */
public interface WebSocketAuth {
    /**
     * The bearer token for one connection attempt, or null to send no {@code Authorization}
     * header. Thrown exceptions say what is wrong (missing file, short secret, a control
     * character) without the secret.
     */
    @Nullable String bearerToken();

    /** What kind of credential this is, for messages and logs; never the credential itself. */
    String describe();

    /** No credential: for an app-server listening without {@code --ws-auth} (loopback, unix socket). */
    static WebSocketAuth none() {
        return NoAuth.INSTANCE;
    }

    /**
     * The capability token in {@code tokenFile}, matching the server's
     * {@code --ws-auth capability-token --ws-token-file}. Surrounding whitespace is trimmed, as
     * codex trims its copy; what is left must be printable ASCII.
     */
    static WebSocketAuth capabilityToken(Path tokenFile) {
        Objects.requireNonNull(tokenFile, "tokenFile");
        return new CapabilityToken("capability token from " + tokenFile, () -> {
            try {
                TokenFiles.check(tokenFile);
                return trimmed(Files.readAllBytes(tokenFile), "the token file " + tokenFile);
            } catch (IOException e) {
                throw new TransportException("cannot read the token file " + tokenFile + ": " + e.getClass().getSimpleName());
            }
        });
    }

    /**
     * A capability token from {@code token}, asked for on every connection attempt (a vault
     * lookup, a field of the host's configuration). The array handed back is wiped after use.
     * Surrounding whitespace is trimmed; what is left must be printable ASCII.
     */
    static WebSocketAuth capabilityToken(Supplier<char[]> token) {
        Objects.requireNonNull(token, "token");
        return new CapabilityToken("capability token", () -> {
            char[] chars = token.get();
            if (chars == null) {
                throw new TransportException("the capability token supplier returned nothing");
            }
            try {
                String value = new String(chars).strip();
                BearerHeader.check(value, "the capability token");
                return value;
            } finally {
                Arrays.fill(chars, '\0');
            }
        });
    }

    /**
     * A signed JWT (HS256) minted for each connection from a shared secret, matching
     * {@code --ws-auth signed-bearer-token --ws-shared-secret-file F [--ws-issuer I] [--ws-audience A]}.
     */
    static SignedBearerToken.Builder signedBearer() {
        return SignedBearerToken.builder();
    }

    private static String trimmed(byte[] bytes, String what) {
        try {
            String value = new String(bytes, StandardCharsets.UTF_8).strip();
            BearerHeader.check(value, what);
            return value;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** {@link #none()}. */
    final class NoAuth implements WebSocketAuth {
        static final NoAuth INSTANCE = new NoAuth();

        private NoAuth() {
        }

        @Override
        public @Nullable String bearerToken() {
            return null;
        }

        @Override
        public String describe() {
            return "no credentials";
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** A fixed token from a file or a supplier. */
    final class CapabilityToken implements WebSocketAuth {
        private final String description;
        private final Supplier<String> source;

        private CapabilityToken(String description, Supplier<String> source) {
            this.description = description;
            this.source = source;
        }

        @Override
        public String bearerToken() {
            return source.get();
        }

        @Override
        public String describe() {
            return description;
        }

        @Override
        public String toString() {
            return describe();
        }
    }
}
