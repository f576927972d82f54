package dev.codexbridge.transport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Mints the JWT that an app-server started with {@code --ws-auth signed-bearer-token} accepts:
 * HS256 over the shared secret, with {@code exp} (required by codex), {@code iat}, a random
 * {@code jti}, and {@code iss} / {@code aud} when the server checks them ({@code --ws-issuer},
 * {@code --ws-audience}). Codex allows {@code --ws-max-clock-skew-seconds} (default 30) either
 * side of {@code exp} and {@code nbf}; this class sends no {@code nbf}, so a client clock ahead
 * of the server's cannot make a fresh token "not valid yet".
 *
 * <p>The secret is read on every connection attempt (a rotated secret file is picked up) and
 * wiped from memory after signing; it must be at least 32 bytes, codex's own minimum.
 */
public final class SignedBearerToken implements WebSocketAuth {
    /** Codex refuses to start with a shorter secret, and HS256 needs 256 bits. */
    public static final int MIN_SECRET_BYTES = 32;
    public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);

    private final Supplier<byte[]> secret;
    private final String secretDescription;
    private final String issuer;
    private final String audience;
    private final String subject;
    private final Duration lifetime;
    private final Clock clock;

    private SignedBearerToken(Builder b) {
        this.secret = b.secret;
        this.secretDescription = b.secretDescription;
        this.issuer = b.issuer;
        this.audience = b.audience;
        this.subject = b.subject;
        this.lifetime = b.lifetime;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String bearerToken() {
        byte[] key = secret.get();
        if (key == null) {
            throw new TransportException("the shared secret supplier returned nothing");
        }
        try {
            if (key.length < MIN_SECRET_BYTES) {
                throw new TransportException("the shared secret (" + secretDescription + ") is " + key.length
                        + " bytes; codex and HS256 need at least " + MIN_SECRET_BYTES);
            }
            Instant now = clock.instant();
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                    .issueTime(Date.from(now))
                    .expirationTime(Date.from(now.plus(lifetime)))
                    .jwtID(UUID.randomUUID().toString());
            if (issuer != null) {
                claims.issuer(issuer);
            }
            if (audience != null) {
                claims.audience(audience);
            }
            if (subject != null) {
                claims.subject(subject);
            }
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
                    claims.build());
            jwt.sign(new MACSigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            // the library's message names the algorithm and key size, never the key
            throw new TransportException("cannot sign the bearer token: " + e.getMessage());
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    @Override
    public String describe() {
        return "signed bearer token (HS256, " + secretDescription
                + (issuer == null ? "" : ", issuer " + issuer)
                + (audience == null ? "" : ", audience " + audience) + ")";
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Configures a {@link SignedBearerToken}. */
    public static final class Builder {
        private Supplier<byte[]> secret;
        private String secretDescription;
        private String issuer;
        private String audience;
        private String subject;
        private Duration lifetime = DEFAULT_LIFETIME;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * The server's {@code --ws-shared-secret-file}; its content is trimmed of surrounding
         * whitespace, as codex trims it.
         */
        public Builder sharedSecretFile(Path file) {
            Objects.requireNonNull(file, "file");
            this.secretDescription = "secret from " + file;
            this.secret = () -> {
                try {
                    byte[] raw = Files.readAllBytes(file);
                    try {
                        return trim(raw);
                    } finally {
                        Arrays.fill(raw, (byte) 0);
                    }
                } catch (IOException e) {
                    throw new TransportException("cannot read the shared secret file " + file + ": " + e.getClass().getSimpleName());
                }
            };
            return this;
        }

        /** The shared secret's bytes, asked for per connection; the array is wiped after signing. */
        public Builder sharedSecret(Supplier<byte[]> secret) {
            this.secret = Objects.requireNonNull(secret, "secret");
            this.secretDescription = "supplied secret";
            return this;
        }

        /** The shared secret as characters (UTF-8, trimmed), asked for per connection. */
        public Builder sharedSecretChars(Supplier<char[]> secret) {
            Objects.requireNonNull(secret, "secret");
            this.secretDescription = "supplied secret";
            this.secret = () -> {
                char[] chars = secret.get();
                if (chars == null) {
                    return null;
                }
                ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
                byte[] bytes = new byte[encoded.remaining()];
                encoded.get(bytes);
                Arrays.fill(chars, '\0');
                if (encoded.hasArray()) {
                    Arrays.fill(encoded.array(), (byte) 0);
                }
                try {
                    return trim(bytes);
                } finally {
                    Arrays.fill(bytes, (byte) 0);
                }
            };
            return this;
        }

        /** {@code iss}: must equal the server's {@code --ws-issuer} when it sets one. */
        public Builder issuer(String issuer) {
            this.issuer = blankToNull(issuer);
            return this;
        }

        /** {@code aud}: must equal the server's {@code --ws-audience} when it sets one. */
        public Builder audience(String audience) {
            this.audience = blankToNull(audience);
            return this;
        }

        /** {@code sub}: who connects; codex ignores it, logs and proxies may not. */
        public Builder subject(String subject) {
            this.subject = blankToNull(subject);
            return this;
        }

        /** How long a minted token is valid (default 5 minutes); it is only used for the upgrade. */
        public Builder lifetime(Duration lifetime) {
            if (lifetime == null || lifetime.isNegative() || lifetime.isZero()) {
                throw new IllegalArgumentException("lifetime must be positive");
            }
            this.lifetime = lifetime;
            return this;
        }

        /** The clock for {@code iat} / {@code exp} (tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public SignedBearerToken build() {
            if (secret == null) {
                throw new IllegalStateException("a shared secret is required (sharedSecretFile or sharedSecret)");
            }
            return new SignedBearerToken(this);
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s.strip();
        }

        private static byte[] trim(byte[] raw) {
            int from = 0;
            int to = raw.length;
            while (from < to && Character.isWhitespace(raw[from])) {
                from++;
            }
            while (to > from && Character.isWhitespace(raw[to - 1])) {
                to--;
            }
            return Arrays.copyOfRange(raw, from, to);
        }
    }
}
