package dev.codexbridge.cli;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.callers.JwtAuthenticator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import picocli.CommandLine.Option;

/** How the servers' callers ({@code a2a}, {@code mcp --http}) authenticate: bearer tokens, JWTs, or an anonymous principal. */
final class CallerAuthOptions {
    @Option(names = "--tokens", paramLabel = "FILE",
            description = "Bearer tokens, one 'PRINCIPAL TOKEN' per line (default: one made-up token, printed).")
    Path tokens;

    @Option(names = "--anonymous", paramLabel = "PRINCIPAL",
            description = "Serve calls without a token as PRINCIPAL (trusted callers only, e.g. on a loopback address; "
                    + "for clients that cannot send a token).")
    String anonymous;

    @Option(names = "--jwt-jwks", paramLabel = "FILE|URL",
            description = "Authenticate callers by JWTs signed RS256 or ES256 with these keys (a JWKS file, or an http(s) URL serving one), "
                    + "instead of --tokens.")
    String jwtJwks;

    @Option(names = "--jwt-hs256-secret-file", paramLabel = "FILE",
            description = "Authenticate callers by JWTs signed HS256 with the secret in FILE (at least 32 bytes), instead of --tokens.")
    Path jwtSecretFile;

    @Option(names = "--jwt-issuer", paramLabel = "ISS", description = "The iss every JWT must carry.")
    String jwtIssuer;

    @Option(names = "--jwt-audience", paramLabel = "AUD", description = "An aud every JWT must name.")
    String jwtAudience;

    @Option(names = "--allow-origin", paramLabel = "ORIGIN",
            description = "An origin whose web pages may call (e.g. https://app.example); repeatable. Requests carrying any other "
                    + "Origin header (null included) are refused with 403, against DNS rebinding and cross-site pages.")
    java.util.List<String> allowedOrigins = new java.util.ArrayList<>();

    @Option(names = "--allow-host", paramLabel = "HOST[:PORT]",
            description = "A Host header callers may send besides the listener's own address (e.g. mcp.example:443 behind a proxy); "
                    + "repeatable. Any other is refused with 403.")
    java.util.List<String> allowedHosts = new java.util.ArrayList<>();

    @Option(names = "--jwt-principal-claim", paramLabel = "CLAIM", defaultValue = "sub",
            description = "The JWT claim naming the principal (default: ${DEFAULT-VALUE}).")
    String jwtPrincipalClaim;

    /** The files holding callers' credentials (tokens, a JWT secret): kept out of the callers' commands' reach. */
    java.util.List<Path> secretFiles() {
        java.util.List<Path> files = new java.util.ArrayList<>();
        if (tokens != null) {
            files.add(tokens.toAbsolutePath());
        }
        if (jwtSecretFile != null) {
            files.add(jwtSecretFile.toAbsolutePath());
        }
        return files;
    }

    /** Whether any of these options was given. */
    boolean given() {
        return tokens != null || anonymous != null || jwtJwks != null || jwtSecretFile != null;
    }

    /**
     * The callers' authenticator: the JWT verifier, the tokens file, none when only {@code --anonymous}
     * serves, or one made-up token (printed on {@code err}) when nothing was given.
     */
    Authenticator authenticator(String command, PrintStream err) throws IOException {
        Authenticator callers = jwt();
        if (callers != null && tokens != null) {
            throw new IllegalArgumentException("give --tokens or the --jwt-* options, not both");
        }
        if (callers != null) {
            return callers;
        }
        return tokens != null ? BearerTokens.read(tokens) : anonymous != null ? null : madeUpToken(command, err);
    }

    private Authenticator jwt() throws IOException {
        if (jwtJwks == null && jwtSecretFile == null) {
            if (jwtIssuer != null || jwtAudience != null) {
                throw new IllegalArgumentException("--jwt-issuer and --jwt-audience need --jwt-jwks or --jwt-hs256-secret-file");
            }
            return null;
        }
        if (jwtJwks != null && jwtSecretFile != null) {
            throw new IllegalArgumentException("give --jwt-jwks or --jwt-hs256-secret-file, not both");
        }
        JwtAuthenticator.Builder b = JwtAuthenticator.builder().issuer(jwtIssuer).audience(jwtAudience).principalClaim(jwtPrincipalClaim);
        return (jwtSecretFile != null ? b.hmacSecretFile(jwtSecretFile) : b.jwks(jwtJwks)).build();
    }

    private static BearerTokens madeUpToken(String command, PrintStream err) {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        err.println("codex-bridge " + command + ": no --tokens; principal 'default' has the bearer token " + token);
        return BearerTokens.of(Map.of(token, "default"));
    }
}
