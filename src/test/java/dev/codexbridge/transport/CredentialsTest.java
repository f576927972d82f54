package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capability tokens and signed JWTs as codex checks them, and never a secret in any text. */
class CredentialsTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef-shared";

    @TempDir
    Path tmp;

    @Test
    void aCapabilityTokenFileIsReadPerConnectionAndTrimmedAsCodexTrimsIt() throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, "  first-token\n");
        WebSocketAuth auth = WebSocketAuth.capabilityToken(file);
        assertThat(auth.bearerToken()).isEqualTo("first-token");
        Files.writeString(file, "rotated-token\n");
        assertThat(auth.bearerToken()).isEqualTo("rotated-token");
        assertThat(auth.describe()).isEqualTo("capability token from " + file).doesNotContain("rotated");
    }

    @Test
    void aMissingOrEmptyTokenFileIsAClearErrorWithoutContent() throws Exception {
        assertThatThrownBy(() -> WebSocketAuth.capabilityToken(tmp.resolve("absent")).bearerToken())
                .isInstanceOf(TransportException.class).hasMessageContaining("cannot read the token file");
        Path empty = tmp.resolve("empty");
        Files.writeString(empty, " \n");
        assertThatThrownBy(() -> WebSocketAuth.capabilityToken(empty).bearerToken()).hasMessageContaining("is empty");
    }

    @Test
    void aSuppliedTokenIsWipedAfterUse() {
        char[] token = "supplied-token".toCharArray();
        WebSocketAuth auth = WebSocketAuth.capabilityToken(() -> token);
        assertThat(auth.bearerToken()).isEqualTo("supplied-token");
        assertThat(new String(token)).isEqualTo("\0".repeat(token.length));
        assertThat(auth.toString()).isEqualTo("capability token");
    }

    @Test
    void theSignedBearerIsAnHs256JwtWithTheClaimsCodexChecks() throws Exception {
        Path file = tmp.resolve("secret");
        Files.writeString(file, SECRET + "\n");
        Instant now = Instant.parse("2026-11-22T10:00:00Z");
        SignedBearerToken auth = WebSocketAuth.signedBearer().sharedSecretFile(file).issuer("bridge").audience("codex")
                .subject("host-1").lifetime(Duration.ofMinutes(2)).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
        SignedJWT jwt = SignedJWT.parse(auth.bearerToken());
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("JWT");
        assertThat(jwt.verify(new MACVerifier(SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("bridge");
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("codex");
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("host-1");
        assertThat(jwt.getJWTClaimsSet().getIssueTime()).isEqualTo(Date.from(now));
        assertThat(jwt.getJWTClaimsSet().getExpirationTime()).isEqualTo(Date.from(now.plusSeconds(120)));
        assertThat(jwt.getJWTClaimsSet().getNotBeforeTime()).isNull();
        assertThat(jwt.getJWTClaimsSet().getJWTID()).isNotBlank();
        // a fresh token per connection
        assertThat(auth.bearerToken()).isNotEqualTo(auth.bearerToken());
        assertThat(auth.describe()).contains("HS256", "issuer bridge", "audience codex").doesNotContain(SECRET);
    }

    @Test
    void aSecretShorterThanCodexAcceptsIsRefusedWithoutShowingIt() {
        SignedBearerToken auth = WebSocketAuth.signedBearer().sharedSecretChars("short-secret-xyz"::toCharArray).build();
        assertThatThrownBy(auth::bearerToken).isInstanceOf(TransportException.class)
                .hasMessageContaining("16 bytes").hasMessageContaining("at least 32").message().doesNotContain("short-secret-xyz");
        assertThatThrownBy(() -> WebSocketAuth.signedBearer().build()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTokenThatIsNotPrintableAsciiIsRefusedSayingWhatIsWrongWithoutTheValue() throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, "SUPERSECRET-tok\u0001en\n");
        assertThatThrownBy(() -> WebSocketAuth.capabilityToken(file).bearerToken()).isInstanceOf(TransportException.class)
                .hasMessageContaining("the token file " + file).hasMessageContaining("a control character")
                .hasMessageContaining("printable ASCII").message().doesNotContain("SUPERSECRET").doesNotContain("\u0001");
        assertThatThrownBy(() -> WebSocketAuth.capabilityToken("SUPERSECRET-tok\ren"::toCharArray).bearerToken())
                .hasMessageContaining("a line break").message().doesNotContain("SUPERSECRET");
        assertThatThrownBy(() -> WebSocketAuth.capabilityToken("SUPERSECRET-tök"::toCharArray).bearerToken())
                .hasMessageContaining("outside ASCII").message().doesNotContain("SUPERSECRET");
        assertThatThrownBy(() -> WebSocketAuth.capabilityToken("SUPERSECRET\u007f"::toCharArray).bearerToken())
                .hasMessageContaining("a control character").message().doesNotContain("SUPERSECRET");
        Files.writeString(file, "  printable token-with ~all/+= ASCII\n");
        assertThat(WebSocketAuth.capabilityToken(file).bearerToken()).isEqualTo("printable token-with ~all/+= ASCII");
    }

    @Test
    void aHostsOwnCredentialIsCheckedBeforeAHeaderIsBuiltFromIt() {
        WebSocketAuth own = new WebSocketAuth() {
            @Override
            public String bearerToken() {
                return "SUPERSECRET\r\nX-Injected: yes";
            }

            @Override
            public String describe() {
                return "vault token";
            }
        };
        assertThatThrownBy(() -> BearerHeader.value(own)).isInstanceOf(TransportException.class)
                .hasMessage("the vault token holds a line break; a bearer token must be printable ASCII (the value is not shown)");
        assertThat(BearerHeader.value(WebSocketAuth.none())).isNull();
        assertThat(BearerHeader.value(WebSocketAuth.capabilityToken("tok"::toCharArray))).isEqualTo("Bearer tok");
    }

    @Test
    void anAuthenticationErrorExplainsWithoutTheCredential() {
        AuthenticationException e = new AuthenticationException("ws://127.0.0.1:1/", "capability token", "invalid websocket bearer token");
        assertThat(e).isInstanceOf(TransportException.class).isInstanceOf(dev.codexbridge.CodexException.class);
        assertThat(e.getMessage()).contains("refused the connection's credentials (capability token): invalid websocket bearer token");
        assertThat(e.remediation()).contains("--ws-token-file");
        assertThat(new AuthenticationException("x", "signed bearer token", "expired websocket jwt").remediation()).contains("clocks");
        assertThat(new AuthenticationException("x", "no credentials", "missing websocket bearer token").remediation())
                .contains("--token-file");
    }
}
