package dev.codexbridge.lineage;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.store.RolloutAppend;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.spi.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A lineage as last exported, remembered so that the export after the next turn reads only the
 * bytes codex appended since (codex appends only to a thread's current rollout): per file its
 * size, the SHA-256 state after those bytes and its last bytes, kept in memory beside the
 * session, never the bytes themselves. Made from a whole export or import ({@link #of}); each
 * {@link #readAppended} gives the next.
 *
 * <p>{@link #readAppended} reads the files where the host sees the app-server's home (a codex it
 * started as a child process). Anything that does not match what is remembered — a file that
 * shrank, is gone or is not a regular file, whose bytes before the old end are not the ones
 * remembered, a thread whose newest file does not record the turn's end (a revert started
 * another), a file past the cap — makes it answer empty, and the caller exports the whole lineage
 * as before.
 */
public final class ExportedRollouts {
    /** How many of a file's last bytes are remembered and compared again before its new bytes are taken. */
    static final int FINGERPRINT_BYTES = 64;
    /** How long the turn's end is looked for in the new bytes before the whole export takes over. */
    private static final Duration END_WAIT = Duration.ofMillis(500);

    private final List<String> paths;
    /** What is remembered, once hashed; until then {@link #unhashed} holds the lineage it is made from. */
    private @Nullable Map<String, Exported> files;
    private @Nullable List<RolloutFile> unhashed;

    private record Exported(long size, MessageDigest after, byte[] last) {
    }

    private ExportedRollouts(Map<String, Exported> files) {
        this.files = files;
        this.paths = List.copyOf(files.keySet());
    }

    private ExportedRollouts(List<RolloutFile> lineage) {
        this.unhashed = List.copyOf(lineage);
        this.paths = lineage.stream().map(RolloutFile::relativePath).toList();
    }

    /** What to remember of {@code lineage}, whose bytes were just read whole (its sources are read once more, here). */
    public static ExportedRollouts of(List<RolloutFile> lineage) {
        return new ExportedRollouts(hash(lineage));
    }

    /**
     * As {@link #of}, the hashing put off until the next turn's end first asks: a wake remembers
     * the store's lineage (held in memory until then) without delaying the resume.
     */
    public static ExportedRollouts later(List<RolloutFile> lineage) {
        return new ExportedRollouts(lineage);
    }

    private static Map<String, Exported> hash(List<RolloutFile> lineage) {
        Map<String, Exported> files = new LinkedHashMap<>();
        for (RolloutFile f : lineage) {
            byte[] bytes = f.bytes();
            MessageDigest digest = Sha256.digest();
            digest.update(bytes);
            files.put(f.relativePath(), new Exported(bytes.length, digest, Arrays.copyOfRange(bytes,
                    Math.max(0, bytes.length - FINGERPRINT_BYTES), bytes.length)));
        }
        return files;
    }

    private synchronized Map<String, Exported> files() {
        if (files == null) {
            files = hash(Objects.requireNonNull(unhashed));
            unhashed = null;
        }
        return files;
    }

    /** The remembered files' paths under {@code sessions/}, in lineage order. */
    public List<String> paths() {
        return paths;
    }

    /** The lineage after a turn as appends to what is remembered, and what to remember next. */
    public record Appended(List<RolloutFile> lineage, List<RolloutAppend> appends, ExportedRollouts next) {
        public Appended {
            lineage = List.copyOf(lineage);
            appends = List.copyOf(appends);
        }

        /** Bytes read in all: what the turn added. */
        public long tailBytes() {
            return appends.stream().mapToLong(RolloutAppend::tailSize).sum();
        }
    }

    /**
     * {@link #readAppended(Path, String, String, long)} from the home of {@code from}'s codex where
     * this host shares its disk: a codex this host started as a child process, whose home (as
     * codex reports it) is the one the host gave it — a tenant's codex in its namespace sees its
     * home at the host's own path. Empty for any other app-server (a network endpoint, a
     * transport of the host's own, a wrapper of unknown mounts): it is exported whole.
     */
    public Optional<Appended> readAppended(CodexClient from, String threadId, String turnId) {
        return localSessions(from).flatMap(dir -> readAppended(dir, threadId, turnId, ThreadLineage.maxFileBytes(from)));
    }

    /** Where this host sees the {@code sessions/} folder of {@code from}'s codex, when it does. */
    static Optional<Path> localSessions(CodexClient from) {
        CodexLaunch launch = from.options().launch();
        String reported = from.serverInfo().codexHome();
        if (launch == null || reported == null || reported.isBlank()) {
            return Optional.empty();
        }
        Path home = Path.of(reported).toAbsolutePath().normalize();
        Path given = launch.codexHome();
        boolean same = given != null ? given.toAbsolutePath().normalize().equals(home) : launch.wrapper().isEmpty();
        Path sessions = home.resolve("sessions");
        return same && Files.isDirectory(sessions, LinkOption.NOFOLLOW_LINKS) ? Optional.of(sessions) : Optional.empty();
    }

    /**
     * The lineage after turn {@code turnId} of {@code threadId}, read from {@code sessionsDir} (the
     * app-server's {@code sessions/} folder as this host sees it): each remembered file's new bytes
     * only, once the thread's newest file records the turn's end (looked for again for up to half
     * a second: codex writes it a moment after it reports the turn). Each file of the lineage
     * returned reads its first {@code size} bytes from the disk again only when a store asks for
     * the whole file (one that takes no appends). Empty when anything does not match (see the class).
     */
    public Optional<Appended> readAppended(Path sessionsDir, String threadId, String turnId, long maxFileBytes) {
        String newest = LineageFinder.newestOwn(paths(), threadId);
        if (newest == null) {
            return Optional.empty();
        }
        long deadline = System.nanoTime() + END_WAIT.toNanos();
        long pause = 1;
        while (true) {
            Optional<Map<String, byte[]>> tails = tails(sessionsDir, maxFileBytes);
            if (tails.isEmpty()) {
                return Optional.empty();
            }
            if (LineageFinder.recordsTurnEnd(tails.get().get(newest), turnId)) {
                return Optional.of(appended(sessionsDir, tails.get()));
            }
            if (System.nanoTime() > deadline) {
                return Optional.empty();
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            pause = Math.min(pause * 2, 50);
        }
    }

    /**
     * The appends that {@code lineage}, read whole (over a network, through {@code fs/readFile}),
     * makes to what is remembered: each file its remembered bytes plus more, which its whole hash
     * proves (the remembered state followed by the bytes past the old end gives the hash of the
     * bytes read). Empty when the paths are not the remembered ones or a file is not so.
     */
    public Optional<Appended> appendedFrom(List<RolloutFile> lineage) {
        if (!lineage.stream().map(RolloutFile::relativePath).toList().equals(paths())) {
            return Optional.empty();
        }
        Map<String, byte[]> tails = new LinkedHashMap<>();
        for (RolloutFile f : lineage) {
            Exported was = files().get(f.relativePath());
            byte[] bytes = f.bytes();
            if (bytes.length < was.size()) {
                return Optional.empty();
            }
            byte[] tail = Arrays.copyOfRange(bytes, (int) was.size(), bytes.length);
            MessageDigest whole = clone(was.after());
            whole.update(tail);
            if (!HexFormat.of().formatHex(whole.digest()).equals(f.sha256())) {
                return Optional.empty();
            }
            tails.put(f.relativePath(), tail);
        }
        Appended appended = appended(null, tails);
        return Optional.of(new Appended(lineage, appended.appends(), appended.next()));
    }

    /** Each file's bytes past the remembered end, its remembered last bytes checked first; empty when one does not match. */
    private Optional<Map<String, byte[]>> tails(Path sessionsDir, long maxFileBytes) {
        Map<String, byte[]> tails = new LinkedHashMap<>();
        for (Map.Entry<String, Exported> e : files().entrySet()) {
            Exported was = e.getValue();
            Path file = inSessions(sessionsDir, e.getKey());
            try {
                BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!now.isRegularFile() || now.size() < was.size() || now.size() > maxFileBytes) {
                    return Optional.empty();
                }
                try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                    long from = was.size() - was.last().length;
                    long size = in.size();
                    if (size < was.size() || size > maxFileBytes) {
                        return Optional.empty();
                    }
                    ByteBuffer read = ByteBuffer.allocate((int) (size - from));
                    while (read.hasRemaining() && in.read(read, from + read.position()) > 0) {
                        // up to the size seen: codex may still be appending past it, taken next time
                    }
                    byte[] bytes = read.array();
                    int got = read.position();
                    if (got < was.last().length || !Arrays.equals(bytes, 0, was.last().length, was.last(), 0, was.last().length)) {
                        return Optional.empty();
                    }
                    tails.put(e.getKey(), Arrays.copyOfRange(bytes, was.last().length, got));
                }
            } catch (IOException | UnsupportedOperationException gone) {
                return Optional.empty();
            }
        }
        return Optional.of(tails);
    }

    /** The appends of {@code tails}; the lineage's files read again from {@code sessionsDir} (null: none, the caller has the lineage). */
    private Appended appended(@Nullable Path sessionsDir, Map<String, byte[]> tails) {
        List<RolloutFile> lineage = new ArrayList<>(paths.size());
        List<RolloutAppend> appends = new ArrayList<>(paths.size());
        Map<String, Exported> next = new LinkedHashMap<>();
        for (Map.Entry<String, Exported> e : files().entrySet()) {
            String path = e.getKey();
            Exported was = e.getValue();
            byte[] tail = tails.get(path);
            MessageDigest before = clone(was.after());
            String baseSha = HexFormat.of().formatHex(clone(before).digest());
            MessageDigest after = clone(before);
            after.update(tail);
            String sha = HexFormat.of().formatHex(clone(after).digest());
            long size = was.size() + tail.length;
            if (sessionsDir != null) {
                Path file = inSessions(sessionsDir, path);
                // read again only by a store that takes no appends: the first size bytes, checked against the hash by the store
                lineage.add(new RolloutFile(path, size, sha, () -> firstBytes(file, size)));
            }
            appends.add(RolloutAppend.of(path, was.size(), baseSha, tail));
            byte[] last = lastBytes(was.last(), tail);
            next.put(path, new Exported(size, after, last));
        }
        return new Appended(lineage, appends, new ExportedRollouts(next));
    }

    private static InputStream firstBytes(Path file, long size) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return new ByteArrayInputStream(in.readNBytes((int) size));
        }
    }

    private static byte[] lastBytes(byte[] before, byte[] tail) {
        if (tail.length >= FINGERPRINT_BYTES) {
            return Arrays.copyOfRange(tail, tail.length - FINGERPRINT_BYTES, tail.length);
        }
        byte[] both = new byte[before.length + tail.length];
        System.arraycopy(before, 0, both, 0, before.length);
        System.arraycopy(tail, 0, both, before.length, tail.length);
        return Arrays.copyOfRange(both, Math.max(0, both.length - FINGERPRINT_BYTES), both.length);
    }

    private static Path inSessions(Path sessionsDir, String relativePath) {
        return sessionsDir.resolve(relativePath.replace("/", sessionsDir.getFileSystem().getSeparator()));
    }

    private static MessageDigest clone(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("this JVM's SHA-256 cannot be cloned", e);
        }
    }
}
