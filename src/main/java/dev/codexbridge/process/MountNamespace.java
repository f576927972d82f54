package dev.codexbridge.process;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A bubblewrap mount namespace for a codex app-server and everything it runs, as a
 * {@link CodexLaunch.Builder#wrapper} command: the host's file system as it is, in a process
 * namespace of its own (the host's other processes, and their environments under {@code /proc},
 * are not there), with chosen host paths made empty. For what a host keeps beside the codex that
 * serves remote callers and that no caller's command may read: the callers' tokens file, a JWT
 * secret, a record of who owns which conversation. Linux only; the tenants (decision 0030) add
 * their own roots to the same namespace.
 */
public final class MountNamespace {
    private MountNamespace() {
    }

    /**
     * The bubblewrap to use: the one codex's package bundles ({@code codex-resources/bwrap} beside
     * its {@code bin/}, which codex's own sandbox is built for), else {@code bwrap} on {@code path};
     * empty when neither is there.
     */
    public static Optional<Path> bubblewrap(@Nullable String path, @Nullable Path codexBinary) {
        Path bin = codexBinary == null ? null : codexBinary.toAbsolutePath().getParent();
        Path bundled = bin == null || bin.getParent() == null ? null : bin.getParent().resolve("codex-resources").resolve("bwrap");
        if (bundled != null && Files.isExecutable(bundled)) {
            return Optional.of(bundled);
        }
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = dir.isBlank() ? null : Path.of(dir, "bwrap");
                if (p != null && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** The wrapper: {@code bwrap --dev-bind / / --unshare-pid --proc /proc}, {@code hidden} emptied, then {@code --die-with-parent --}. */
    public static List<String> hiding(Path bubblewrap, List<Path> hidden) {
        List<String> args = new ArrayList<>(opening(bubblewrap, hidden));
        args.addAll(List.of("--die-with-parent", "--"));
        return List.copyOf(args);
    }

    /**
     * The wrapper's opening, for a caller that adds mounts of its own before
     * {@code --die-with-parent --}: a hidden folder becomes an empty tmpfs, a hidden file an empty
     * read-only file ({@code /dev/null}); a path that does not exist is left out (there is nothing
     * to read), and links are not followed (the link itself is what is replaced).
     */
    public static List<String> opening(Path bubblewrap, List<Path> hidden) {
        List<String> args = new ArrayList<>(List.of(bubblewrap.toString(), "--dev-bind", "/", "/", "--unshare-pid", "--proc", "/proc"));
        for (Path h : hidden) {
            if (Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS)) {
                args.addAll(List.of("--tmpfs", h.toString()));
            } else if (Files.exists(h, LinkOption.NOFOLLOW_LINKS)) {
                args.addAll(List.of("--ro-bind", "/dev/null", h.toString()));
            }
        }
        return args;
    }
}
