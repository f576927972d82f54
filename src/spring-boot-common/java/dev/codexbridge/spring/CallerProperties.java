package dev.codexbridge.spring;

import java.nio.file.Path;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Where a server the starter runs listens and who may call it: what {@code codex-bridge.a2a.*} and
 * {@code codex-bridge.mcp.*} share, read alike by {@link CallerAuthenticators}. The port is each
 * server's own, as its default differs.
 */
public abstract class CallerProperties {
    /** The interface to listen on. */
    private String host = "127.0.0.1";
    /** The callers' bearer tokens: one "PRINCIPAL TOKEN" per line, '#' comments. */
    private Path tokensFile;
    /** Calls without a token act as this principal; only where trusted callers alone reach the server. */
    private String anonymous;
    /** Callers authenticated by JWTs instead of a tokens file. */
    @NestedConfigurationProperty
    private final Jwt jwt = new Jwt();

    /** The prefix of these properties, for messages: {@code codex-bridge.a2a}. */
    abstract String prefix();

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public Path getTokensFile() {
        return tokensFile;
    }

    public void setTokensFile(Path tokensFile) {
        this.tokensFile = tokensFile;
    }

    public String getAnonymous() {
        return anonymous;
    }

    public void setAnonymous(String anonymous) {
        this.anonymous = anonymous;
    }

    public Jwt getJwt() {
        return jwt;
    }

    /** {@code jwt.*}: give jwks or hs256-secret-file to authenticate callers by JWTs. */
    public static class Jwt {
        /** RS256/ES256 keys: a JWKS file, or an http(s) URL serving one. */
        private String jwks;
        /** HS256: a file holding the shared secret (at least 32 bytes). */
        private Path hs256SecretFile;
        /** The iss every token must carry (unchecked when unset). */
        private String issuer;
        /** An aud every token must name (unchecked when unset). */
        private String audience;
        /** The claim naming the principal. */
        private String principalClaim = "sub";

        public String getJwks() {
            return jwks;
        }

        public void setJwks(String jwks) {
            this.jwks = jwks;
        }

        public Path getHs256SecretFile() {
            return hs256SecretFile;
        }

        public void setHs256SecretFile(Path hs256SecretFile) {
            this.hs256SecretFile = hs256SecretFile;
        }

        public String getIssuer() {
            return issuer;
        }

        public void setIssuer(String issuer) {
            this.issuer = issuer;
        }

        public String getAudience() {
            return audience;
        }

        public void setAudience(String audience) {
            this.audience = audience;
        }

        public String getPrincipalClaim() {
            return principalClaim;
        }

        public void setPrincipalClaim(String principalClaim) {
            this.principalClaim = principalClaim;
        }

        boolean configured() {
            return jwks != null || hs256SecretFile != null;
        }
    }
}
