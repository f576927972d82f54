package dev.codexbridge.spring;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.callers.JwtAuthenticator;
import java.io.IOException;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The callers' authenticator of a server the starter runs (A2A, MCP): the application's
 * {@link Authenticator} bean, else a tokens file or JWT settings (not both); one place, so both
 * servers refuse the same mistakes with the same words. Only touched when codex-bridge-a2a is on
 * the class path (the MCP module depends on it).
 */
final class CallerAuthenticators {
    private CallerAuthenticators() {
    }

    /**
     * The authenticator, or null where only {@link CallerProperties#getAnonymous()} serves; a
     * server with neither is refused rather than left open.
     */
    static Authenticator required(CallerProperties p, ObjectProvider<Authenticator> bean) {
        Authenticator callers = bean.getIfUnique(() -> fromProperties(p));
        if (callers == null && p.getAnonymous() == null) {
            String at = p.prefix();
            throw new CodexPropertiesException(at + ".enabled=true needs " + at + ".tokens-file (the callers' bearer tokens), " + at
                    + ".jwt.jwks or .jwt.hs256-secret-file, or " + at + ".anonymous where trusted callers alone reach the server");
        }
        return callers;
    }

    /** The callers' authenticator from the properties: a tokens file or JWT settings (not both), or null for neither. */
    static Authenticator fromProperties(CallerProperties p) {
        String at = p.prefix();
        CallerProperties.Jwt jwt = p.getJwt();
        if (p.getTokensFile() != null && jwt.configured()) {
            throw new CodexPropertiesException("give " + at + ".tokens-file or " + at + ".jwt.*, not both");
        }
        if (p.getTokensFile() != null) {
            try {
                return BearerTokens.read(p.getTokensFile());
            } catch (IOException e) {
                throw new CodexPropertiesException(at + ".tokens-file " + p.getTokensFile() + " cannot be read: " + e.getMessage());
            }
        }
        if (!jwt.configured()) {
            return null;
        }
        if (jwt.getJwks() != null && jwt.getHs256SecretFile() != null) {
            throw new CodexPropertiesException("give " + at + ".jwt.jwks or " + at + ".jwt.hs256-secret-file, not both");
        }
        try {
            JwtAuthenticator.Builder b = JwtAuthenticator.builder().issuer(jwt.getIssuer()).audience(jwt.getAudience())
                    .principalClaim(jwt.getPrincipalClaim());
            return (jwt.getHs256SecretFile() != null ? b.hmacSecretFile(jwt.getHs256SecretFile()) : b.jwks(jwt.getJwks())).build();
        } catch (IOException | IllegalArgumentException e) {
            throw new CodexPropertiesException(at + ".jwt: " + e.getMessage());
        }
    }
}
