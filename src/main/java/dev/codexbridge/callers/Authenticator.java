package dev.codexbridge.callers;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Who a call comes from, by its {@code Authorization} header: {@link BearerTokens} (a token file)
 * or {@link JwtAuthenticator} (signed JWTs). One for every front end (A2A, MCP, the next): an A2A
 * agent card's HTTP bearer scheme is described from it.
 */
public interface Authenticator {
    /** The caller's principal, empty when the header is missing or does not authenticate. */
    Optional<String> principal(@Nullable String authorization);

    /** The principal, or why the call is refused (said in the 401 answer). */
    record Verdict(@Nullable String principal, String reason) {
        /** A refusal, with the reason said to the caller. */
        public static Verdict refused(String reason) {
            return new Verdict(null, reason);
        }
    }

    /** As {@link #principal}, with the reason of a refusal. */
    default Verdict verdict(@Nullable String authorization) {
        return principal(authorization).map(p -> new Verdict(p, "")).orElseGet(() -> Verdict.refused("unknown or missing bearer token"));
    }

    /** The card's {@code bearerFormat} (e.g. {@code JWT}), null for opaque tokens. */
    default @Nullable String bearerFormat() {
        return null;
    }

    /** The card's description of the scheme. */
    String description();
}
