package dev.codexbridge.lineage;

import dev.codexbridge.FailureKind;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.CodexThread;
import dev.codexbridge.protocol.FsGetMetadataResponse;
import dev.codexbridge.protocol.FsReadFileResponse;
import dev.codexbridge.protocol.ThreadGoalSetParams;
import dev.codexbridge.protocol.ThreadGoalStatus;
import dev.codexbridge.protocol.ThreadSetNameParams;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.spi.Sha256;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A thread's rollout lineage out of one codex app-server and into another, through the
 * app-servers' own {@code fs/*} methods (decision 0056), so either may be on another machine.
 * Paths are relative to the app-server's {@code codexHome/sessions/}, as {@link RolloutFile}
 * holds them. Every method blocks, sends its requests within {@code timeout} (the bound of the
 * whole call) and throws {@link LineageException} for anything it cannot do whole.
 *
 * <p>A move: {@code export} from the old app-server (once the last turn's end is written), the
 * files into a store, {@code importInto} the new one, resume the thread there by id, {@code
 * restore} its name and goal, then {@code remove} the old copy. Neither thread may be loaded on
 * the app-server while its files are written or removed.
 */
public final class ThreadLineage {
    /**
     * The largest rollout file moved: each file is one {@code fs/readFile} answer or {@code
     * fs/writeFile} request, base64, and codex's fs methods take no offsets. The connection's
     * largest message may lower it (128 MiB by default: about 96 MiB of file).
     */
    public static final long MAX_FILE_BYTES = 64L * 1024 * 1024;
    /** How many forks deep a lineage is followed. */
    public static final int MAX_FORK_DEPTH = 16;

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration FIRST_POLL = Duration.ofMillis(2);

    private ThreadLineage() {
    }

    /**
     * Every file codex needs to resume {@code threadId} by id on another home, read through {@code
     * fs/readFile}: the thread's rollouts (its first and every one a revert started), then its fork
     * source's, recursively. With a {@code completedTurnId}, first waits (within the timeout) until
     * the thread's current rollout records that turn's end ({@code task_complete}, or
     * {@code turn_aborted} for one interrupted), which codex writes after it reports the turn ended.
     */
    public static List<RolloutFile> export(CodexClient client, String threadId, @Nullable String completedTurnId, Duration timeout) {
        requireThreadId(threadId);
        RemoteFiles files = new RemoteFiles(client, threadId, timeout);
        LineageFinder finder = new LineageFinder(files, threadId, MAX_FORK_DEPTH, maxFileBytes(client));
        CodexThread thread = finder.thread(threadId);
        if (completedTurnId != null) {
            awaitTurnEnd(files, finder, thread, completedTurnId);
        }
        return finder.lineage(thread);
    }

    /**
     * {@link #export} after a turn, given the paths of the lineage exported before it: when the
     * thread still writes the same rollout, the files are read by those paths (no folder is listed)
     * and the current one once it records {@code completedTurnId}'s end; otherwise (a revert
     * started a new file) the whole lineage is looked for again. Only paths are kept between
     * turns, not bytes: an awake conversation costs the host no copy of its rollouts.
     *
     * <p>Codex appends only to a thread's current rollout, so a file that records the turn's end
     * was the current one when the turn ended. The thread's newest file of the paths (a revert's
     * file sorts after the one before it) is read with the others at once, and when it records
     * the end, the lineage is those files as read, without asking codex which file is current. A
     * revert after the turn's end is found at the next export, as the same revert would be just
     * after {@code thread/read} answered.
     */
    public static List<RolloutFile> exportAfterTurn(CodexClient client, String threadId, String completedTurnId,
                                                    List<String> previousPaths, Duration timeout) {
        requireThreadId(threadId);
        RemoteFiles files = new RemoteFiles(client, threadId, timeout);
        LineageFinder finder = new LineageFinder(files, threadId, MAX_FORK_DEPTH, maxFileBytes(client));
        Map<String, CompletableFuture<FsReadFileResponse>> reads = new LinkedHashMap<>();
        for (String path : previousPaths) {
            reads.put(path, files.readLater(files.inSessions(path)));
        }
        String newest = LineageFinder.newestOwn(previousPaths, threadId);
        byte[] newestBytes = null;
        boolean gone = false;
        if (newest != null) {
            try {
                newestBytes = files.bytesOf(reads.get(newest), files.inSessions(newest));
            } catch (LineageException e) {
                if (!RemoteFiles.notFound(e)) {
                    throw e;
                }
                gone = true;
            }
            if (newestBytes != null && LineageFinder.recordsTurnEnd(newestBytes, completedTurnId)) {
                return asRead(finder, files, previousPaths, reads, newest, newestBytes);
            }
        }
        // the end is not written yet, or the thread writes another file: codex says which is current
        CodexThread thread = finder.thread(threadId);
        String current = finder.currentPath(thread);
        if (!previousPaths.contains(current) || gone) {
            // a revert started a new file, or a file known is gone: what was read is not the lineage
            awaitTurnEnd(files, finder, thread, completedTurnId);
            return finder.lineage(thread);
        }
        byte[] currentBytes = awaitTurnEnd(files, finder, thread, completedTurnId, current.equals(newest) ? null : reads.get(current));
        return asRead(finder, files, previousPaths, reads, current, currentBytes);
    }

    /** The lineage at {@code paths}, {@code current} as {@code currentBytes} and every other file as {@code reads} answered. */
    private static List<RolloutFile> asRead(LineageFinder finder, RemoteFiles files, List<String> paths,
                                            Map<String, CompletableFuture<FsReadFileResponse>> reads, String current, byte[] currentBytes) {
        List<RolloutFile> lineage = new ArrayList<>(paths.size());
        for (String path : paths) {
            lineage.add(finder.checked(path, path.equals(current) ? currentBytes : files.bytesOf(reads.get(path), files.inSessions(path))));
        }
        return List.copyOf(lineage);
    }

    /** Waits until the thread's current rollout records {@code turnId}'s end; returns the rollout's bytes as read then. */
    private static byte[] awaitTurnEnd(RemoteFiles files, LineageFinder finder, CodexThread thread, String turnId) {
        return awaitTurnEnd(files, finder, thread, turnId, null);
    }

    /** As above, {@code sent} the current rollout's read already on its way (null: none). */
    private static byte[] awaitTurnEnd(RemoteFiles files, LineageFinder finder, CodexThread thread, String turnId,
                                       @Nullable CompletableFuture<FsReadFileResponse> sent) {
        String current = finder.currentPath(thread);
        // codex writes the end a moment after it reports the turn: look again soon, then less often
        long poll = FIRST_POLL.toNanos();
        CompletableFuture<FsReadFileResponse> next = sent;
        while (true) {
            byte[] read;
            try {
                String path = files.inSessions(current);
                read = files.bytesOf(next != null ? next : files.readLater(path), path);
                next = null;
            } catch (LineageException e) {
                if (files.remainingNanos() <= 0) {
                    // the timeout ran out while the file was read again: what the caller waited for is the end
                    throw notRecorded(thread, current, turnId);
                }
                throw e;
            }
            if (LineageFinder.recordsTurnEnd(read, turnId)) {
                return read;
            }
            long pause = Math.max(0, Math.min(poll, files.remainingNanos()));
            poll = Math.min(poll * 2, POLL.toNanos());
            try {
                Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LineageException(thread.id(), "interrupted while waiting for turn " + turnId + "'s end in thread "
                        + thread.id() + "'s rollout", e, FailureKind.OTHER);
            }
            if (files.remainingNanos() <= pause) {
                throw notRecorded(thread, current, turnId);
            }
        }
    }

    private static LineageException notRecorded(CodexThread thread, String current, String turnId) {
        return new LineageException(thread.id(), "thread " + thread.id() + "'s rollout sessions/" + current
                + " did not record the end of turn " + turnId + " within the timeout");
    }

    /**
     * Checks that {@code lineage} is {@code threadId}'s own, from its bytes alone: each file's
     * first line, codex's {@code session_meta}, names the thread the file's name does (codex
     * resumes the thread that line names, whatever the file is called), and every file is the
     * thread's or a fork source's that one of those lines records ({@code forked_from_id}), so no
     * file lies at an unrelated thread's rollout path. {@link #importInto} checks this first.
     *
     * @throws LineageException naming the first file that is not
     */
    public static void requireOwn(String threadId, List<RolloutFile> lineage) {
        requireThreadId(threadId);
        OwnLineage.check(threadId, List.copyOf(lineage));
    }

    /**
     * Writes {@code lineage}, {@code threadId}'s, under the app-server's {@code codexHome/sessions/},
     * creating folders and replacing the thread's own files of the same name. Before anything is
     * written, every file is checked against the cap and as the thread's own ({@link #requireOwn}),
     * and each file of a fork source (another thread's rollout) that is on the app-server already
     * is read: kept as it is when it begins with the lineage's bytes (that thread went on there),
     * and the import refused when it does not (another thread's rollout is never replaced). Each
     * file written goes to a temporary name in its folder, is read back and checked (size,
     * SHA-256), then copied to its name ({@code fs/copy}: codex's fs methods have no rename) and
     * read back and checked again; a file that fails a check is removed and the import throws.
     * Where this host shares the disk of codex's home (a codex it started), the files are written
     * there directly instead ({@code LocalImport}): under a temporary name, renamed over the name,
     * through no link. Replacing the files of a thread the app-server already knows: delete it there first
     * ({@code thread/delete}), as sessions with a store do; codex 0.169.0 keeps a projection of each
     * thread's history beside its rollout and does not read a replaced file again.
     */
    public static void importInto(CodexClient client, String threadId, List<RolloutFile> lineage, Duration timeout) {
        requireThreadId(threadId);
        List<RolloutFile> all = List.copyOf(lineage);
        long cap = maxFileBytes(client);
        for (RolloutFile file : all) {
            if (file.size() > cap) {
                throw new LineageException(threadId, "rollout sessions/" + file.relativePath() + " has " + file.size() + " bytes, more than the "
                        + cap + " one message carries; nothing was written", null, FailureKind.INVALID_INPUT);
            }
        }
        OwnLineage.check(threadId, all);
        Optional<java.nio.file.Path> local = ExportedRollouts.localSessions(client);
        if (local.isPresent()) {
            LocalImport.write(local.get(), threadId, all);
            return;
        }
        RemoteFiles files = new RemoteFiles(client, threadId, timeout);
        List<String> folders = new ArrayList<>();
        for (RolloutFile file : toWrite(files, threadId, all)) {
            byte[] bytes = checked(file, threadId);
            String target = files.inSessions(file.relativePath());
            String folder = files.parentOf(target);
            if (!folders.contains(folder)) {
                files.createDirectories(folder);
                folders.add(folder);
            }
            String temporary = folder + files.separator() + ".import-" + UUID.randomUUID() + ".partial";
            boolean targetTouched = false;
            try {
                files.write(temporary, bytes);
                verify(files, temporary, file, threadId);
                targetTouched = true;
                files.copy(temporary, target);
                verify(files, target, file, threadId);
            } catch (LineageException e) {
                files.removeAfterFailure(temporary, e);
                if (targetTouched) {
                    // a copy cut short, or one that does not read back whole: no truncated rollout stays under its name
                    files.removeAfterFailure(target, e);
                }
                throw e;
            }
            files.removeFile(temporary);
        }
    }

    /**
     * The files of {@code all} to write: the thread's own, and each fork source's that is not on
     * the app-server yet. A fork source's file there already is kept when it begins with the
     * lineage's bytes (the same file, or that thread went on there: a fork reads its source only
     * up to the fork); any other content refuses the import before anything is written.
     */
    private static List<RolloutFile> toWrite(RemoteFiles files, String threadId, List<RolloutFile> all) {
        Map<RolloutFile, CompletableFuture<FsReadFileResponse>> reads = new LinkedHashMap<>();
        for (RolloutFile file : all) {
            if (!file.threadId().equals(threadId)) {
                reads.put(file, files.readLater(files.inSessions(file.relativePath())));
            }
        }
        List<RolloutFile> out = new ArrayList<>(all.size());
        for (RolloutFile file : all) {
            CompletableFuture<FsReadFileResponse> read = reads.get(file);
            if (read == null) {
                out.add(file);
                continue;
            }
            byte[] there;
            try {
                there = files.bytesOf(read, files.inSessions(file.relativePath()));
            } catch (LineageException e) {
                if (!RemoteFiles.notFound(e)) {
                    throw e;
                }
                out.add(file);
                continue;
            }
            byte[] bytes = checked(file, threadId);
            if (there.length < bytes.length || !Arrays.equals(there, 0, bytes.length, bytes, 0, bytes.length)) {
                throw new LineageException(threadId, "rollout sessions/" + file.relativePath() + " of thread " + file.threadId()
                        + ", a fork source of " + threadId + ", is on the app-server with other bytes (" + there.length + " there, "
                        + bytes.length + " in the lineage); another thread's rollout is not replaced, and nothing was written");
            }
        }
        return out;
    }

    static byte[] checked(RolloutFile file, @Nullable String threadId) {
        byte[] bytes = file.bytes();
        if (bytes.length != file.size() || !Sha256.hex(bytes).equals(file.sha256())) {
            throw new LineageException(threadId, "rollout sessions/" + file.relativePath() + " is not the " + file.size()
                    + " bytes of its SHA-256 at its source; nothing of it was written");
        }
        return bytes;
    }

    private static void verify(RemoteFiles files, String path, RolloutFile file, @Nullable String threadId) {
        byte[] back = files.read(path);
        if (back.length != file.size() || !Sha256.hex(back).equals(file.sha256())) {
            throw new LineageException(threadId, path + " reads back as " + back.length + " bytes of SHA-256 " + Sha256.hex(back)
                    + ", not the " + file.size() + " bytes of " + file.sha256() + " written");
        }
    }

    /**
     * Sets again what codex keeps outside the rollouts, on a thread resumed on this app-server:
     * the name ({@code thread/name/set}) and the goal ({@code thread/goal/set}), paused — an active
     * goal sets codex working on it at once, ahead of the host's next turn. A null leaves it unset.
     */
    public static void restore(CodexClient client, String threadId, @Nullable String name, @Nullable String goal, Duration timeout) {
        requireThreadId(threadId);
        RemoteFiles calls = new RemoteFiles(client, threadId, timeout);
        if (name != null) {
            calls.request(ClientRequests.THREAD_NAME_SET, new ThreadSetNameParams(name, threadId));
        }
        if (goal != null) {
            calls.request(ClientRequests.THREAD_GOAL_SET, ThreadGoalSetParams.builder().threadId(threadId).objective(goal)
                    .status(ThreadGoalStatus.PAUSED).build());
        }
    }

    /**
     * When each of {@code relativePaths} (under the app-server's {@code codexHome/sessions/}) was
     * last written, in milliseconds, as codex reports it ({@code fs/getMetadata}, every request
     * sent at once); empty when any of them is not there or codex gives no time for it. What a
     * wake compares with the times a sleep recorded, to tell a copy left untouched from one written
     * since (codex's fs methods give no size).
     */
    public static Optional<List<Long>> modifiedTimes(CodexClient client, @Nullable String threadId, List<String> relativePaths,
                                                               Duration timeout) {
        RemoteFiles files = new RemoteFiles(client, threadId, timeout);
        Map<String, CompletableFuture<FsGetMetadataResponse>> asked = new LinkedHashMap<>();
        for (String path : relativePaths) {
            asked.put(path, files.metadataLater(files.inSessions(path)));
        }
        List<Long> times = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<FsGetMetadataResponse>> e : asked.entrySet()) {
            FsGetMetadataResponse meta;
            try {
                meta = files.metadataOf(e.getValue(), files.inSessions(e.getKey()));
            } catch (LineageException gone) {
                if (RemoteFiles.notFound(gone)) {
                    return Optional.empty();
                }
                throw gone;
            }
            if (meta.modifiedAtMs() == null || !Boolean.TRUE.equals(meta.isFile())) {
                return Optional.empty();
            }
            times.add(meta.modifiedAtMs());
        }
        return Optional.of(List.copyOf(times));
    }

    /**
     * Removes the files of {@code lineage} from the app-server's {@code sessions/} (after a move, so
     * no stale copy can be resumed there): first reads every one that is there and checks it is
     * still the file exported, and removes none when one changed; then removes exactly those
     * files, nothing else (not their folders). A file already gone is no error.
     */
    public static void remove(CodexClient client, List<RolloutFile> lineage, Duration timeout) {
        List<RolloutFile> all = List.copyOf(lineage);
        String threadId = all.isEmpty() ? null : all.get(0).threadId();
        RemoteFiles files = new RemoteFiles(client, threadId, timeout);
        List<String> present = new ArrayList<>();
        for (RolloutFile file : all) {
            String path = files.inSessions(file.relativePath());
            byte[] now;
            try {
                now = files.read(path);
            } catch (LineageException e) {
                if (RemoteFiles.notFound(e)) {
                    continue;
                }
                throw e;
            }
            if (now.length != file.size() || !Sha256.hex(now).equals(file.sha256())) {
                throw new LineageException(threadId, "rollout sessions/" + file.relativePath() + " changed since it was exported (" + now.length
                        + " bytes now, " + file.size() + " then); nothing was removed");
            }
            present.add(path);
        }
        present.forEach(files::removeFile);
    }

    /** The largest rollout moved over {@code client}: {@link #MAX_FILE_BYTES}, less where its messages are smaller. */
    static long maxFileBytes(CodexClient client) {
        return Math.min(MAX_FILE_BYTES, RemoteFiles.largestFileFor(client));
    }

    private static void requireThreadId(String threadId) {
        Objects.requireNonNull(threadId, "threadId");
        if (!RolloutFile.isThreadId(threadId)) {
            throw new IllegalArgumentException("not a thread id: " + threadId);
        }
    }
}
