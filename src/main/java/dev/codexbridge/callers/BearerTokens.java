package dev.codexbridge.callers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Bearer tokens and the principal each stands for. Kept as SHA-256 digests, so a token is looked
 * up without comparing secrets character by character and never held in the clear.
 */
public final class BearerTokens implements Authenticator {
    /** Shortest token accepted: a guessable token is no authentication. */
    public static final int MIN_TOKEN_LENGTH = 16;
    private final Map<String, String> principalByDigest;

    private BearerTokens(Map<String, String> principalByDigest) {
        this.principalByDigest = Map.copyOf(principalByDigest);
    }

    /** Tokens from {@code token -> principal}. */
    public static BearerTokens of(Map<String, String> principalByToken) {
        if (principalByToken.isEmpty()) {
            throw new IllegalArgumentException("no bearer tokens: every caller needs one");
        }
        Map<String, String> m = new HashMap<>();
        principalByToken.forEach((token, principal) -> {
            if (token.length() < MIN_TOKEN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                throw new IllegalArgumentException("the token of principal '" + principal + "' must be at least "
                        + MIN_TOKEN_LENGTH + " printable ASCII characters without spaces");
            }
            if (principal.isBlank()) {
                throw new IllegalArgumentException("a token's principal is blank");
            }
            if (m.put(digest(token), principal) != null) {
                throw new IllegalArgumentException("the same token is given twice");
            }
        });
        return new BearerTokens(m);
    }

    /**
     * A token file: one {@code PRINCIPAL TOKEN} per line; blank lines and lines starting with
     * {@code #} are skipped. A malformed line is an error naming its number.
     */
    public static BearerTokens read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length != 2) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected 'PRINCIPAL TOKEN'");
            }
            if (m.put(f[1], f[0]) != null) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": the same token is given twice");
            }
        }
        return of(m);
    }

    @Override
    public String description() {
        return "A token given by the server's operator; each token is one principal.";
    }

    /** The principal of an {@code Authorization} header's bearer token, empty when missing or unknown. */
    @Override
    public Optional<String> principal(@Nullable String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return Optional.ofNullable(principalByDigest.get(digest(authorization.substring(7).strip())));
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
