package dev.codexbridge.tenant;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Owner-only folders for the tenants' homes. */
final class TenantFolders {
    /** The file that says a tenant's home was prepared, in the tenant's folder (outside its {@code CODEX_HOME}). */
    static final String PREPARED_MARK = ".prepared";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private TenantFolders() {
    }

    /**
     * Creates {@code dir} (and missing parents) with mode 0700, or narrows an existing one to 0700:
     * a home created by an earlier run with a wider umask is closed too. No-op on file systems
     * without POSIX permissions.
     */
    static void createOwnerOnly(Path dir) throws IOException {
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(dir)) {
            Path parent = dir.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                if (posix) {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                } else {
                    Files.createDirectory(dir);
                }
            } catch (FileAlreadyExistsException e) {
                // made meanwhile by another session of the tenant: narrowed below
            }
        }
        if (posix && !Files.getPosixFilePermissions(dir).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);   // the umask may have narrowed less, or an old run made it wider
        }
    }
}
