package dev.codexbridge.tenant;

import dev.codexbridge.CodexException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Owner-only folders for the tenants' homes, made without following a symbolic link anywhere under
 * the homes root: a link planted there (by a tenant's command in an earlier, unconfined run, or by
 * another local user) would otherwise take a tenant's home, and the mode the library sets, to its
 * target.
 */
final class TenantFolders {
    /** The file that says a tenant's home was prepared, in the tenant's folder (outside its {@code CODEX_HOME}). */
    static final String PREPARED_MARK = ".prepared";
    /**
     * The file that says a tenant's {@code CODEX_HOME} is the one prepared, inside it: codex makes
     * that folder again when it writes into a home deleted under it, so the folder alone does not
     * say the home (its config, its setup) is still there.
     */
    static final String HOME_MARK = ".codex-bridge-home";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OTHERS_WRITE =
            EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

    private TenantFolders() {
    }

    /**
     * Creates {@code dir} (one level: its parent must exist) with mode 0700, or narrows an existing
     * one to 0700: a tenant's folder created by an earlier run with a wider umask is closed too.
     * A symbolic link in its place is refused. No mode change on file systems without POSIX
     * permissions.
     */
    static void createOwnerOnly(Path dir) throws IOException {
        refuseLink(dir);
        boolean posix = posix(dir);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (posix) {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                } else {
                    Files.createDirectory(dir);
                }
            } catch (FileAlreadyExistsException e) {
                refuseLink(dir);   // made meanwhile by another session of the tenant: narrowed below
            }
        }
        if (posix && !Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);   // the umask may have narrowed less, or an old run made it wider
        }
    }

    /**
     * A root of the tenants' folders as the library's messages name it: what it is ({@code homes
     * root}) and the settings an operator gives it by, so a message about it says which one to fix.
     */
    record Root(String what, String settings) {
        static final Root HOMES = new Root("homes root",
                "the CLI's --tenants-root; CodexTenants.Builder.homesRoot, codex-bridge.tenants.homes-root");
        static final Root WORKSPACES = new Root("workspaces root",
                "the CLI's --workspace; CodexTenants.Builder.workspacesRoot, codex-bridge.tenants.workspaces-root");

        /** {@code the tenants' workspaces root DIR (the CLI's --workspace; ...)}. */
        String named(Path dir) {
            return "the tenants' " + what + " " + dir + " (" + settings + ")";
        }
    }

    /**
     * Makes a root ready and returns its real path: created 0700 (with its parents) when missing;
     * an existing one is never changed, and is refused when it is a symbolic link or when others
     * may write in it. Refused too inside a folder codex lets sandboxed commands write to
     * ({@code /tmp}, {@code /dev/shm}, the host's {@code TMPDIR} and {@code java.io.tmpdir}).
     *
     * @return the warnings for the host's log (an existing root others may read or list)
     */
    static List<String> prepareRoot(Path root, Root which, Map<String, String> hostEnvironment) throws IOException {
        List<String> warnings = new ArrayList<>();
        refuseWritableRoot(root, which, hostEnvironment);
        refuseLink(root);
        if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            if (posix(root)) {
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(root, LinkOption.NOFOLLOW_LINKS);
                String text = PosixFilePermissions.toString(mode);
                if (mode.stream().anyMatch(OTHERS_WRITE::contains)) {
                    throw new CodexException(which.named(root) + " has mode " + text + ": others may write in it (replace a "
                            + "tenant's folder with their own). It must be owner-only, mode 700: chmod 700 " + root + ", or choose "
                            + "another folder; the library does not change an existing root's mode");
                }
                if (!mode.equals(OWNER_ONLY)) {
                    warnings.add(which.named(root) + " has mode " + text + ": other users may list the tenants' folder names "
                            + "(each tenant's folder is 0700). It should be owner-only, mode 700: chmod 700 " + root);
                }
            }
        } else {
            Path parent = root.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            createOwnerOnly(root);
        }
        refuseWritableRoot(root.toRealPath(), which, hostEnvironment);
        return warnings;
    }

    /** Writes a small file under the root, refusing to follow a link in its place. */
    static void writeNoFollow(Path file, String text) throws IOException {
        refuseLink(file);
        Files.write(file, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    /** Whether {@code file} exists, a link counting as existing (and refused). */
    static boolean existsNoFollow(Path file) throws IOException {
        refuseLink(file);
        return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    }

    static void refuseLink(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
            throw new CodexException("refusing the symbolic link " + p + " -> " + Files.readSymbolicLink(p) + " in the tenants' homes: "
                    + "the library follows no link under the homes root. Remove it (and find out who planted it)");
        }
    }

    /**
     * Codex's {@code workspace-write} sandbox lets commands write to {@code /tmp} and {@code TMPDIR}:
     * a root there is writable by every tenant's commands whenever a permission profile does
     * not cover it, so it is refused rather than relied on.
     */
    private static void refuseWritableRoot(Path root, Root which, Map<String, String> hostEnvironment) {
        List<Path> writable = new ArrayList<>();
        writable.add(Path.of("/tmp"));
        writable.add(Path.of("/dev/shm"));
        String tmpdir = hostEnvironment.get("TMPDIR");
        if (tmpdir != null && !tmpdir.isBlank()) {
            writable.add(Path.of(tmpdir));
        }
        writable.add(Path.of(System.getProperty("java.io.tmpdir")));
        for (Path w : writable) {
            for (Path candidate : List.of(w.toAbsolutePath().normalize(), real(w))) {
                if (root.startsWith(candidate)) {
                    throw new CodexException(which.named(root) + " is inside " + candidate + ", a folder codex's "
                            + "workspace-write sandbox lets every tenant's commands write to. Put it elsewhere, e.g. under /var/lib");
                }
            }
        }
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
