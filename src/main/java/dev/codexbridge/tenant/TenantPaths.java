package dev.codexbridge.tenant;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A folder per tenant from a tenant id the host does not trust (a user header, a token's subject):
 * the id itself when it is a plain lower-case name ({@code [a-z0-9][a-z0-9_-]{0,62}}), else
 * {@code _} and the first 32 hex digits of its SHA-256, so {@code ../etc}, {@code /}, an e-mail
 * address or a name that differs from another only in case never reaches outside the root nor lands
 * on another tenant's folder. {@link CodexTenants} names the tenants' homes and workspaces this way.
 *
 * <pre>{@code
 * Path mine = TenantPaths.folderUnder(Path.of("/srv/uploads"), request.getHeader("X-User"));
 * }</pre>
 */
public final class TenantPaths {
    /** The longest tenant id accepted (characters): an id is a name, not a document. */
    public static final int MAX_ID_LENGTH = 256;

    private static final Pattern PLAIN_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    private TenantPaths() {
    }

    /**
     * The tenant's folder name.
     *
     * @throws IllegalArgumentException for an empty or blank id, one longer than
     *     {@link #MAX_ID_LENGTH}, or one holding a control character (a NUL, a line break): these
     *     are a host's bug or an attack, not a tenant
     */
    public static String folderName(String tenantId) {
        check(tenantId);
        if (PLAIN_ID.matcher(tenantId).matches()) {
            return tenantId;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(tenantId.getBytes(StandardCharsets.UTF_8));
            return "_" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /**
     * {@code root}'s child folder for the tenant (not created): always a direct child of
     * {@code root}, whatever the id.
     *
     * @throws IllegalArgumentException as {@link #folderName}
     */
    public static Path folderUnder(Path root, String tenantId) {
        Path base = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        Path folder = base.resolve(folderName(tenantId));
        if (!base.equals(folder.getParent())) {   // cannot happen with the names above; a guard for future changes
            throw new IllegalArgumentException("tenant id " + quoted(tenantId) + " does not name a folder directly under " + base);
        }
        return folder;
    }

    /** Refuses ids no tenant has; a clear message, the id quoted with its control characters escaped. */
    static void check(String tenantId) {
        Objects.requireNonNull(tenantId, "tenantId");
        if (tenantId.isBlank()) {
            throw new IllegalArgumentException("a tenant id must not be empty or blank");
        }
        if (tenantId.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("a tenant id must be at most " + MAX_ID_LENGTH + " characters, not "
                    + tenantId.length());
        }
        if (tenantId.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("the tenant id " + quoted(tenantId) + " holds a control character");
        }
    }

    private static String quoted(String id) {
        StringBuilder b = new StringBuilder("\"");
        id.codePoints().limit(80).forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append(id.length() > 80 ? "…\"" : "\"").toString();
    }
}
