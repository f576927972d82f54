package dev.codexbridge.runtime;

import dev.codexbridge.process.CodexVersion;
import java.util.List;
import java.util.Locale;

/**
 * The built-in permission profiles ({@code default_permissions = ":name"}) by codex version.
 *
 * <p>Measured with the real binaries: codex 0.130.0 knows {@code :read-only}, {@code :workspace}
 * and {@code :danger-no-sandbox}; 0.169.0 knows {@code :read-only}, {@code :workspace} and
 * {@code :danger-full-access} ({@code permissionProfile/list}) and rejects {@code :danger-no-sandbox}.
 * An unknown name is not fatal to codex: it logs "Invalid configuration; using defaults" and
 * ignores the whole file, so writing the wrong one silently loses the MCP servers too. Versions
 * between the two were not measured; the rename is placed at 0.169.0.
 */
public final class PermissionProfiles {
    /** What enable writes unless the user chose a profile: writes inside the workspace without a prompt. */
    public static final String DEFAULT = ":workspace";
    /** The first version measured with {@code :danger-full-access}. */
    static final CodexVersion FULL_ACCESS_NAME_SINCE = new CodexVersion(0, 169, 0);

    private static final String OLD_FULL = ":danger-no-sandbox";
    private static final String NEW_FULL = ":danger-full-access";

    private PermissionProfiles() {
    }

    /** The built-in names {@code version} accepts. */
    public static List<String> builtIns(CodexVersion version) {
        return List.of(":read-only", ":workspace", fullAccess(version));
    }

    /** The no-sandbox profile's name in {@code version}. */
    public static String fullAccess(CodexVersion version) {
        return version.isAtLeast(FULL_ACCESS_NAME_SINCE) ? NEW_FULL : OLD_FULL;
    }

    /**
     * The name to write for what the user asked: the no-sandbox profile under either name (with or
     * without the colon) becomes the one {@code version} knows; everything else is passed on as is
     * (the migrator checks it against the built-ins and the user's {@code [permissions.*]} tables).
     */
    public static String forVersion(String requested, CodexVersion version) {
        String p = requested.strip();
        String bare = (p.startsWith(":") ? p.substring(1) : p).toLowerCase(Locale.ROOT);
        if (bare.equals(OLD_FULL.substring(1)) || bare.equals(NEW_FULL.substring(1))) {
            return fullAccess(version);
        }
        return p;
    }
}
