package dev.codexbridge.process;

import dev.codexbridge.internal.SafeLogger;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Unpacks a {@link CodexArtifact} into {@code ROOT/codex-VERSION-PLATFORM/} and hands back the
 * executable (decision 0042). The folder is written under a temporary name and renamed into place
 * only when every file has the size and SHA-256 the artifact recorded, so a crash leaves no half
 * folder behind. An existing folder is checked the same way (size and SHA-256 of every file) the
 * first time a JVM uses it: a truncated or altered one is refused, set aside and unpacked again.
 * Later uses in the same JVM check sizes only. Unpacking is serialized per folder by a lock within
 * the JVM and a file lock between processes; checking a good copy writes nothing, so a cache
 * filled in advance may be read-only.
 */
public final class CodexArtifactCache {
    /** System property / environment variable naming the cache root. */
    public static final String CACHE_PROPERTY = "codexbridge.codexCache";
    public static final String CACHE_ENV = "CODEX_BRIDGE_CODEX_CACHE";
    static final String MARKER = ".codex-bridge-artifact";
    private static final Logger LOG = SafeLogger.getLogger(CodexArtifactCache.class);
    // folders whose every file matched its SHA-256 in this JVM, with the manifest they matched
    private static final Map<Path, String> VERIFIED = new ConcurrentHashMap<>();
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;

    public CodexArtifactCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /**
     * The cache root: {@code -Dcodexbridge.codexCache}, else {@code CODEX_BRIDGE_CODEX_CACHE}, else
     * {@code $XDG_CACHE_HOME/codex-bridge}, else {@code ~/.cache/codex-bridge}; empty when none can be told.
     */
    public static @Nullable Path defaultRoot(Function<String, String> env, Function<String, String> properties) {
        String configured = properties.apply(CACHE_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = env.apply(CACHE_ENV);
        }
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured);
        }
        String xdg = env.apply("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Paths.get(xdg, "codex-bridge");
        }
        String home = properties.apply("user.home");
        return home == null || home.isBlank() ? null : Paths.get(home, ".cache", "codex-bridge");
    }

    public Path root() {
        return root;
    }

    /** The folder {@code artifact} unpacks into. */
    public Path folder(CodexArtifact artifact) {
        return root.resolve("codex-" + artifact.version() + "-" + artifact.platform());
    }

    /** The executable of {@code artifact}, unpacked and checked; unpacks when missing, truncated or altered. */
    public Path executable(CodexArtifact artifact) {
        Path dir = folder(artifact);
        Path exe = dir.resolve(artifact.entrypoint());
        if (artifact.manifestSha256().equals(VERIFIED.get(dir)) && sizesMatch(dir, artifact)) {
            return exe;
        }
        synchronized (JVM_LOCKS.computeIfAbsent(dir, d -> new Object())) {
            VERIFIED.remove(dir);
            try {
                // a good copy needs no write: a cache filled when an image was built may be read-only
                if (problem(dir, artifact) == null) {
                    VERIFIED.put(dir, artifact.manifestSha256());
                    return exe;
                }
                Files.createDirectories(root);
                try (FileChannel channel = FileChannel.open(root.resolve(dir.getFileName() + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock lock = lock(channel)) {
                    String problem = problem(dir, artifact);
                    if (problem != null) {
                        if (Files.exists(dir)) {
                            LOG.warn("codex cache {} refused ({}); unpacking {} again", dir, problem, artifact);
                        }
                        unpack(artifact, dir, lock != null);
                    }
                }
            } catch (AccessDeniedException e) {
                throw new CodexProcessException("cannot unpack " + artifact + " into " + root + ": no permission to write "
                        + e.getFile() + "; point -D" + CACHE_PROPERTY + " or " + CACHE_ENV + " at a writable folder", e);
            } catch (IOException e) {
                throw new CodexProcessException("cannot unpack " + artifact + " into " + root + ": " + e + "; point -D"
                        + CACHE_PROPERTY + " or " + CACHE_ENV + " at a writable folder with "
                        + artifact.size() / (1024 * 1024) + " MiB free", e);
            }
            VERIFIED.put(dir, artifact.manifestSha256());
            return exe;
        }
    }

    // a file system without locks (some network mounts) still gets a correct result: the rename decides
    private static @Nullable FileLock lock(FileChannel channel) throws IOException {
        try {
            return channel.lock();
        } catch (OverlappingFileLockException | IOException e) {
            LOG.debug("no file lock on {}: {}", channel, e.toString());
            return null;
        }
    }

    private static boolean sizesMatch(Path dir, CodexArtifact artifact) {
        try {
            for (CodexArtifact.FileEntry f : artifact.files()) {
                Path p = dir.resolve(f.path());
                if (!Files.isRegularFile(p) || Files.size(p) != f.size()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Why {@code dir} is not a good copy of {@code artifact}, or null when every file checks out. */
    static @Nullable String problem(Path dir, CodexArtifact artifact) throws IOException {
        if (!Files.isDirectory(dir)) {
            return "not unpacked";
        }
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)
                || !Files.readString(marker, StandardCharsets.UTF_8).strip().equals(artifact.manifestSha256())) {
            return "unpacked from another build of the artifact, or not completely";
        }
        byte[] buf = new byte[1 << 16];
        for (CodexArtifact.FileEntry f : artifact.files()) {
            Path p = dir.resolve(f.path());
            if (!Files.isRegularFile(p)) {
                return f.path() + " is missing";
            }
            long size = Files.size(p);
            if (size != f.size()) {
                return f.path() + " has " + size + " bytes, not " + f.size();
            }
            if (f.executable() && !Files.isExecutable(p)) {
                return f.path() + " is not executable";
            }
            MessageDigest sha = CodexArtifact.digest();
            try (InputStream in = Files.newInputStream(p)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                }
            }
            if (!HexFormat.of().formatHex(sha.digest()).equals(f.sha256())) {
                return f.path() + " does not match its SHA-256";
            }
        }
        return null;
    }

    private void unpack(CodexArtifact artifact, Path dir, boolean locked) throws IOException {
        long started = System.nanoTime();
        String name = dir.getFileName().toString();
        if (locked) {
            deleteLeftovers(name);
        }
        Path tmp = root.resolve(name + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectory(tmp);
            byte[] buf = new byte[1 << 16];
            for (CodexArtifact.FileEntry f : artifact.files()) {
                Path target = tmp.resolve(f.path()).normalize();
                if (!target.startsWith(tmp)) {
                    throw new CodexProcessException(artifact + ": refusing file path " + f.path());
                }
                Files.createDirectories(target.getParent());
                MessageDigest sha = CodexArtifact.digest();
                long written = 0;
                try (InputStream in = artifact.open(f); OutputStream out = Files.newOutputStream(target)) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        written += n;
                        if (written > f.size()) {
                            break;
                        }
                        out.write(buf, 0, n);
                        sha.update(buf, 0, n);
                    }
                }
                if (written != f.size() || !HexFormat.of().formatHex(sha.digest()).equals(f.sha256())) {
                    throw new CodexProcessException("the codex-bridge-codex artifact on the class path is damaged: "
                            + f.path() + " has " + (written > f.size() ? "more than " + f.size() : written)
                            + " bytes and a SHA-256 other than the " + f.size() + " bytes recorded when it was built");
                }
                if (f.executable() && !target.toFile().setExecutable(true, false)) {
                    throw new IOException("cannot make " + target + " executable");
                }
            }
            // written last: a folder with this marker was complete when it was renamed into place
            Files.writeString(tmp.resolve(MARKER), artifact.manifestSha256() + "\n", StandardCharsets.UTF_8);
            if (Files.exists(dir)) {
                Path old = root.resolve(name + ".old-" + UUID.randomUUID());
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // another process without the file lock got there first: its copy is used if it checks out
                if (problem(dir, artifact) != null) {
                    throw e;
                }
            }
        } finally {
            deleteTree(tmp);
        }
        LOG.info("unpacked {} into {} in {} ms", artifact, dir, (System.nanoTime() - started) / 1_000_000);
    }

    // temporary and set-aside folders of runs that died half-way; only the lock holder unpacks, so none is in use
    private void deleteLeftovers(String name) {
        try (Stream<Path> siblings = Files.list(root)) {
            for (Path p : (Iterable<Path>) siblings::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(name + ".tmp-") || n.startsWith(name + ".old-")) {
                    deleteTree(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot clear leftovers in {}: {}", root, e.toString());
        }
    }

    private static void deleteTree(Path top) {
        if (!Files.exists(top)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", top, e.toString());
        }
    }

    /** For tests: forgets which folders this JVM has checked, as a new JVM would. */
    static void forgetChecks() {
        VERIFIED.clear();
    }

    static Set<Path> checked() {
        return VERIFIED.keySet();
    }
}
