package dev.codexbridge.a2a;

import dev.codexbridge.callers.JwtAuthenticator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JWT bearer checks, each refusal with its reason: signature, expiry, not-before, issuer, audience, unsigned tokens. */
class JwtAuthenticatorTest {
    @TempDir
    Path tmp;
    private Jwts keys;
    private JwtAuthenticator jwks;
    private JwtAuthenticator hmac;

    @BeforeEach
    void setUp() throws Exception {
        keys = new Jwts();
        Path file = Files.writeString(tmp.resolve("jwks.json"), keys.jwks());
        jwks = JwtAuthenticator.builder().jwks(file).issuer(Jwts.ISSUER).audience(Jwts.AUDIENCE).clockSkew(Duration.ofSeconds(5)).build();
        hmac = JwtAuthenticator.builder().hmacSecret(Jwts.SECRET).issuer(Jwts.ISSUER).audience(Jwts.AUDIENCE).build();
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    @Test
    void validTokensNameTheirPrincipal() throws Exception {
        assertThat(jwks.principal(bearer(keys.rs256(Jwts.claims("alice", b -> b))))).contains("alice");
        assertThat(jwks.principal(bearer(keys.es256(Jwts.claims("bob", b -> b))))).contains("bob");
        assertThat(hmac.principal(bearer(Jwts.hs256(Jwts.SECRET, Jwts.claims("carol", b -> b))))).contains("carol");
        JwtAuthenticator byEmail = JwtAuthenticator.builder().hmacSecret(Jwts.SECRET).principalClaim("email").build();
        assertThat(byEmail.principal(bearer(Jwts.hs256(Jwts.SECRET, Jwts.claims("x", b -> b.claim("email", "dan@example.org"))))))
                .contains("dan@example.org");
        assertThat(byEmail.verdict(bearer(Jwts.hs256(Jwts.SECRET, Jwts.claims("x", b -> b)))).reason()).contains("email");
    }

    @Test
    void aSubjectThatIsNotAStringIsRefused() throws Exception {
        // RFC 7519: sub is a StringOrURI; a numeric 42 must not act as the principal "42"
        String numeric = Jwts.hs256(Jwts.SECRET, Jwts.claims("x", b -> b.claim("sub", 42)));
        assertThat(new String(java.util.Base64.getUrlDecoder().decode(numeric.split("\\.")[1]), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"sub\":42");
        assertThat(hmac.verdict(bearer(numeric)).principal()).isNull();
        assertThat(hmac.verdict(bearer(numeric)).reason()).contains("sub claim is not a non-blank string");
        assertThat(hmac.principal(bearer(Jwts.hs256(Jwts.SECRET, Jwts.claims("x", b -> b.claim("sub", true)))))).isEmpty();
        assertThat(hmac.principal(bearer(Jwts.hs256(Jwts.SECRET, Jwts.claims("42", b -> b))))).contains("42");
    }

    @Test
    void expiredNotYetValidWrongAudienceOrIssuerAreRefused() throws Exception {
        Date past = Date.from(Instant.now().minusSeconds(60));
        Date future = Date.from(Instant.now().plusSeconds(60));
        assertThat(jwks.verdict(bearer(keys.rs256(Jwts.claims("a", b -> b.expirationTime(past))))).reason()).containsIgnoringCase("expired");
        assertThat(jwks.verdict(bearer(keys.rs256(Jwts.claims("a", b -> b.notBeforeTime(future))))).reason()).containsIgnoringCase("before");
        assertThat(jwks.verdict(bearer(keys.rs256(Jwts.claims("a", b -> b.audience("someone-else"))))).reason()).contains("aud");
        assertThat(jwks.verdict(bearer(keys.rs256(Jwts.claims("a", b -> b.issuer("https://evil.example"))))).reason()).containsIgnoringCase("iss");
        assertThat(jwks.verdict(bearer(keys.rs256(Jwts.claims("a", b -> b.expirationTime(null))))).reason()).contains("exp");
        // within the skew: still valid
        Date justNow = Date.from(Instant.now().minusSeconds(2));
        assertThat(jwks.principal(bearer(keys.rs256(Jwts.claims("a", b -> b.expirationTime(justNow)))))).contains("a");
    }

    @Test
    void wrongSignaturesUnsignedTokensAndOtherAlgorithmsAreRefused() throws Exception {
        String good = keys.rs256(Jwts.claims("alice", b -> b));
        String forged = good.substring(0, good.lastIndexOf('.') + 1) + "AAAA" + good.substring(good.lastIndexOf('.') + 5);
        assertThat(jwks.verdict(bearer(forged)).principal()).isNull();
        assertThat(jwks.verdict(bearer(new Jwts().rs256(Jwts.claims("alice", b -> b)))).principal()).as("another key, same kid").isNull();
        assertThat(jwks.verdict(bearer(Jwts.unsigned(Jwts.claims("alice", b -> b)))).reason()).containsIgnoringCase("unsecured");
        assertThat(hmac.verdict(bearer(Jwts.unsigned(Jwts.claims("alice", b -> b)))).principal()).isNull();
        // an HS256 token signed with the wrong secret, and one offered to the JWKS verifier (no algorithm confusion)
        assertThat(hmac.verdict(bearer(Jwts.hs256("another-secret-of-at-least-32-bytes!".getBytes(), Jwts.claims("a", b -> b)))).principal()).isNull();
        assertThat(jwks.verdict(bearer(Jwts.hs256(Jwts.SECRET, Jwts.claims("a", b -> b)))).principal()).isNull();
        assertThat(jwks.verdict(bearer("not.a.jwt")).reason()).contains("not a JWT");
        assertThat(jwks.verdict("Basic abc").reason()).contains("no bearer token");
    }

    @Test
    void badSettingsAreClearErrors() {
        assertThatThrownBy(() -> JwtAuthenticator.builder().hmacSecret(new byte[8])).hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> JwtAuthenticator.builder().build()).hasMessageContaining("no keys");
        assertThatThrownBy(() -> JwtAuthenticator.builder().jwks(Files.writeString(tmp.resolve("bad.json"), "{\"keys\": 3}")))
                .hasMessageContaining("is not a JWKS");
        assertThatThrownBy(() -> JwtAuthenticator.builder().jwks(java.net.URI.create("file:///etc/jwks"))).hasMessageContaining("http or https");
    }
}
