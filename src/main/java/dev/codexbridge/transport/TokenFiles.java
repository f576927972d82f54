package dev.codexbridge.transport;

import dev.codexbridge.internal.SafeLogger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Checks a capability token's file before it is read: one others may write is refused (they could
 * make the client send a token of their choosing, or read what it sends in its place); one others
 * may read, or a symbolic link, is warned about once per file. A Kubernetes secret volume's file
 * (a link into the volume's {@code ..data/}) is the expected link and is not warned about for that;
 * give the secret {@code defaultMode: 0400} and it is not warned about at all.
 */
final class TokenFiles {
    private static final Logger LOG = SafeLogger.getLogger(TokenFiles.class);
    private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();

    private TokenFiles() {
    }

    static void check(Path file) throws IOException {
        if (!file.getFileSystem().supportedFileAttributeViews().contains("posix") || !Files.exists(file)) {
            return;   // a missing file fails on read, with that reason
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        String text = PosixFilePermissions.toString(mode);
        if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new TransportException("refusing the token file " + file + ": its mode " + text + " lets others write it. "
                    + "Make it owner-only (chmod 600)");
        }
        boolean readable = mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ);
        boolean link = Files.isSymbolicLink(file) && !kubernetesSecret(file);
        if ((readable || link) && WARNED.add(file.toAbsolutePath().normalize())) {
            LOG.warn("the token file {} {}{}", file, readable ? "has mode " + text + ": other users may read the token (chmod 600"
                    + " it; for a Kubernetes secret, defaultMode: 0400)" : "",
                    link ? (readable ? "; and it " : "") + "is a symbolic link to " + Files.readSymbolicLink(file)
                            + ": whoever may change the link chooses the token" : "");
        }
    }

    /** A Kubernetes secret or config-map volume: {@code name -> ..data/name}, {@code ..data -> ..<timestamp>}. */
    private static boolean kubernetesSecret(Path file) throws IOException {
        Path target = Files.readSymbolicLink(file);
        return target.getNameCount() == 2 && target.getName(0).toString().equals("..data")
                && target.getFileName().equals(file.getFileName());
    }
}
