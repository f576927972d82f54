package dev.codexbridge.callers;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Callers authenticated by signed JWTs (nimbus-jose-jwt): the signature checked against a JWKS
 * (RS256, ES256; a file, or a URL fetched and cached) or a shared secret (HS256), {@code exp}
 * required and {@code exp}/{@code nbf} checked with a small clock skew, {@code iss} and {@code aud}
 * checked when set, unsigned ({@code alg: none}) tokens refused. The principal is a claim,
 * {@code sub} by default.
 *
 * <pre>{@code
 * JwtAuthenticator jwt = JwtAuthenticator.builder().jwks(Path.of("jwks.json"))
 *         .issuer("https://login.example").audience("codex-agent").build();
 * A2aServer.builder().authenticator(jwt)...
 * }</pre>
 */
public final class JwtAuthenticator implements Authenticator {
    /** Shortest HS256 secret: 256 bits, as the algorithm requires. */
    public static final int MIN_SECRET_BYTES = 32;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String principalClaim;

    private JwtAuthenticator(Builder b) {
        this.principalClaim = b.principalClaim;
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(b.algorithms, b.keys));
        Set<String> required = new HashSet<>(Set.of("exp", b.principalClaim));
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        if (b.issuer != null) {
            exact.issuer(b.issuer);
        }
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(b.audience, exact.build(), required);
        claims.setMaxClockSkew((int) b.skew.toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Optional<String> principal(@Nullable String authorization) {
        return Optional.ofNullable(verdict(authorization).principal());
    }

    @Override
    public Verdict verdict(@Nullable String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Verdict.refused("no bearer token");
        }
        try {
            String token = authorization.substring(7).strip();
            JWTClaimsSet claims = processor.process(token, null);
            Object p = claims.getClaim(principalClaim);
            // the claim as sent: the parsed set turns a numeric sub into a string, which RFC 7519 (a StringOrURI) does not allow
            Object sent = com.nimbusds.jose.JWSObject.parse(token).getPayload().toJSONObject().get(principalClaim);
            if (!(p instanceof String s) || s.isBlank() || !(sent instanceof String)) {
                return Verdict.refused("the token's " + principalClaim + " claim is not a non-blank string");
            }
            return new Verdict(s, "");
        } catch (ParseException e) {
            return Verdict.refused("the token is not a JWT");
        } catch (Exception e) {
            // nimbus names what failed: signature, expiry, audience, issuer, algorithm
            return Verdict.refused("the JWT is refused: " + e.getMessage());
        }
    }

    @Override
    public String bearerFormat() {
        return "JWT";
    }

    @Override
    public String description() {
        return "A signed JWT; its " + principalClaim + " claim is the principal.";
    }

    public static final class Builder {
        private @Nullable JWKSource<SecurityContext> keys;
        private Set<JWSAlgorithm> algorithms = Set.of();
        private @Nullable String issuer;
        private @Nullable String audience;
        private String principalClaim = "sub";
        private Duration skew = Duration.ofSeconds(30);

        private Builder() {
        }

        /** RS256 and ES256 keys from a JWKS file. */
        public Builder jwks(Path file) throws IOException {
            try {
                this.keys = new ImmutableJWKSet<>(JWKSet.parse(Files.readString(file)));
            } catch (ParseException e) {
                throw new IllegalArgumentException(file + " is not a JWKS: " + e.getMessage(), e);
            }
            this.algorithms = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
            return this;
        }

        /** RS256 and ES256 keys from a JWKS URL, fetched when first needed, cached and refreshed for a key it does not know. */
        public Builder jwks(URI url) {
            if (!"https".equalsIgnoreCase(url.getScheme()) && !"http".equalsIgnoreCase(url.getScheme())) {
                throw new IllegalArgumentException("the JWKS URL must be http or https, not " + url);
            }
            try {
                this.keys = JWKSourceBuilder.create(url.toURL()).retrying(true).build();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("not a JWKS URL: " + url, e);
            }
            this.algorithms = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
            return this;
        }

        /** RS256 and ES256 keys from {@code where}: an http(s) URL serving a JWKS, or a JWKS file. */
        public Builder jwks(String where) throws IOException {
            return where.startsWith("http://") || where.startsWith("https://") ? jwks(URI.create(where)) : jwks(Path.of(where));
        }

        /** HS256 with the secret in {@code file} (white space around it stripped), at least {@value #MIN_SECRET_BYTES} bytes. */
        public Builder hmacSecretFile(Path file) throws IOException {
            return hmacSecret(Files.readString(file).strip().getBytes(StandardCharsets.UTF_8));
        }

        /** HS256 with a shared secret of at least {@value #MIN_SECRET_BYTES} bytes. */
        public Builder hmacSecret(byte[] secret) {
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("the HS256 secret must be at least " + MIN_SECRET_BYTES + " bytes, not " + secret.length);
            }
            this.keys = new ImmutableSecret<>(secret.clone());
            this.algorithms = Set.of(JWSAlgorithm.HS256);
            return this;
        }

        /** The {@code iss} every token must carry (unchecked when not set). */
        public Builder issuer(@Nullable String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** An {@code aud} every token must name (unchecked when not set). */
        public Builder audience(@Nullable String audience) {
            this.audience = audience;
            return this;
        }

        /** The claim naming the principal (default {@code sub}). */
        public Builder principalClaim(String claim) {
            if (claim.isBlank()) {
                throw new IllegalArgumentException("the principal claim's name is blank");
            }
            this.principalClaim = claim;
            return this;
        }

        /** Clock skew allowed on {@code exp} and {@code nbf} (default 30 s, at most 5 minutes). */
        public Builder clockSkew(Duration skew) {
            if (skew.isNegative() || skew.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("clock skew must be 0..5 minutes, not " + skew);
            }
            this.skew = skew;
            return this;
        }

        public JwtAuthenticator build() {
            Objects.requireNonNull(keys, "no keys: give a JWKS file or URL, or an HS256 secret");
            return new JwtAuthenticator(this);
        }
    }
}
