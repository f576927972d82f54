package dev.codexbridge.spring;

import java.nio.file.Path;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Who may call a door the starter runs: what {@code codex-bridge.a2a.*}, {@code codex-bridge.mcp.*}
 * and {@code codex-bridge.openai.*} share, read alike by {@link CallerAuthenticators}. Where a door
 * of its own listens is {@link ListenerProperties}.
 */
public abstract class CallerProperties {
    /** The callers' bearer tokens: one "PRINCIPAL TOKEN" per line, '#' comments. */
    private Path tokensFile;
    /** Calls without a token act as this principal; only where trusted callers alone reach the server. */
    private String anonymous;
    /** Callers authenticated by JWTs instead of a tokens file. */
    @NestedConfigurationProperty
    private final Jwt jwt = new Jwt();
    /**
     * Serve every caller from the application's one codex (one home, one workspace) although
     * codex-bridge.tenants.* is not set: the callers' commands can then read each other's
     * conversations. Without it, and without tenants or a gateway bean of the application's, the
     * server does not start.
     */
    private boolean sharedCodex;
    /** Origins whose web pages may call (e.g. https://app.example); any other Origin header, null included, is refused (403). */
    private java.util.List<String> allowedOrigins = new java.util.ArrayList<>();
    /** Host headers callers may send besides the listener's own address (e.g. agents.example:443 behind a proxy). */
    private java.util.List<String> allowedHosts = new java.util.ArrayList<>();

    /** The prefix of these properties, for messages: {@code codex-bridge.a2a}. */
    abstract String prefix();

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

    public java.util.List<String> getAllowedOrigins() {
        return allowedOrigins;
    }

    public void setAllowedOrigins(java.util.List<String> allowedOrigins) {
        this.allowedOrigins = allowedOrigins;
    }

    public java.util.List<String> getAllowedHosts() {
        return allowedHosts;
    }

    public void setAllowedHosts(java.util.List<String> allowedHosts) {
        this.allowedHosts = allowedHosts;
    }

    public boolean isSharedCodex() {
        return sharedCodex;
    }

    public void setSharedCodex(boolean sharedCodex) {
        this.sharedCodex = sharedCodex;
    }

    /**
     * Refuses to serve remote callers from the application's one codex unless the application
     * chose that ({@code shared-codex}), gave tenants (a codex per principal), or built the
     * callers' gateway or session source itself (decision 0048).
     */
    void requireCallersApart(CodexSessions sessions, boolean ownSource) {
        if (ownSource || sharedCodex || sessions.tenants() != null) {
            return;
        }
        throw new CodexPropertiesException(prefix() + ".enabled=true serves remote callers, and without tenants every caller's "
                + "codex commands run in the application's one codex home and workspace, where they can read each other's "
                + "conversations. Set codex-bridge.tenants.homes-root (a codex per principal), or " + prefix()
                + ".shared-codex=true to serve every caller from the one codex knowingly");
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
