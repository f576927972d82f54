package dev.codexbridge.lineage;

import dev.codexbridge.FailureKind;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.CodexThread;
import dev.codexbridge.protocol.FsReadDirectoryEntry;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.store.RolloutFile;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Finds a thread's lineage on one app-server: {@code thread/read} names the thread's current
 * rollout ({@code path}, the newest file once a revert started one) and its fork source; the other
 * files of the thread are the {@code rollout-<time>-<threadId>[_<rolloutId>].jsonl} of the date
 * folders between its creation and today (codex names a revert's file so, in the folder of the
 * day it was made). A fork's source lineage follows, recursively, to a bounded depth.
 */
final class LineageFinder {
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    /** Codex names date folders by the file's time; a day either side covers a zone that is not UTC. */
    private static final int MARGIN_DAYS = 1;

    private final RemoteFiles files;
    private final String rootThreadId;
    private final int maxForkDepth;
    private final long maxFileBytes;

    LineageFinder(RemoteFiles files, String rootThreadId, int maxForkDepth, long maxFileBytes) {
        this.files = files;
        this.rootThreadId = rootThreadId;
        this.maxForkDepth = maxForkDepth;
        this.maxFileBytes = maxFileBytes;
    }

    /** The thread as codex reads it (no turns); an unknown thread is {@code UNKNOWN_THREAD}. */
    CodexThread thread(String threadId) {
        try {
            CodexThread thread = files.request(ClientRequests.THREAD_READ, new ThreadReadParams(false, threadId)).thread();
            if (thread == null) {
                throw new LineageException(rootThreadId, "thread/read of " + threadId + " answered no thread");
            }
            return thread;
        } catch (LineageException e) {
            if (!(e.getCause() instanceof RpcException)) {
                throw e;
            }
            throw new LineageException(rootThreadId, "cannot read thread " + threadId + (threadId.equals(rootThreadId) ? "" : ", a fork source of "
                    + rootThreadId) + ": " + e.getMessage(), e, FailureKind.UNKNOWN_THREAD);
        }
    }

    /** The thread's own files and, after them, its fork sources', each read once, in codex's name order per thread. */
    List<RolloutFile> lineage(CodexThread root) {
        Map<String, RolloutFile> out = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        CodexThread thread = root;
        for (int depth = 0; ; depth++) {
            if (!seen.add(thread.id())) {
                throw new LineageException(rootThreadId, "the fork sources of thread " + rootThreadId + " form a cycle at " + thread.id());
            }
            for (String path : ownPaths(thread)) {
                out.putIfAbsent(path, readFile(path));
            }
            String source = thread.forkedFromId();
            if (source == null) {
                return List.copyOf(out.values());
            }
            if (depth + 1 > maxForkDepth) {
                throw new LineageException(rootThreadId, "thread " + rootThreadId + " is a fork more than " + maxForkDepth
                        + " forks deep; its lineage is not exported");
            }
            thread = thread(source);
        }
    }

    /** The relative paths of one thread's own rollouts, sorted; its current one among them, or an error. */
    List<String> ownPaths(CodexThread thread) {
        String current = relative(thread);
        LocalDate currentDay = dayOf(current);
        LocalDate from = thread.createdAt() != null
                ? Instant.ofEpochSecond(thread.createdAt()).atZone(ZoneOffset.UTC).toLocalDate().minusDays(MARGIN_DAYS)
                : LocalDate.MIN;
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate to = (currentDay.isAfter(today) ? currentDay : today).plusDays(MARGIN_DAYS);
        if (currentDay.isBefore(from)) {
            from = currentDay;
        }
        TreeMap<String, String> found = new TreeMap<>();
        for (String day : days(from, to)) {
            for (FsReadDirectoryEntry entry : files.list(files.inSessions(day))) {
                String name = entry.fileName();
                if (name == null || !name.contains(thread.id())) {
                    continue;
                }
                String path = day + "/" + name;
                if (!RolloutFile.isRolloutPath(path) || !ownedBy(path, thread.id())) {
                    throw new LineageException(rootThreadId, "thread " + thread.id() + " has a file codex names otherwise than this library "
                            + "moves (rollout-<time>-<thread id>[_<rollout id>].jsonl): sessions/" + path + "; its lineage is not exported");
                }
                found.put(path, path);
            }
        }
        if (!found.containsKey(current)) {
            throw new LineageException(rootThreadId, "thread " + thread.id() + "'s rollout sessions/" + current + " is not in its folder");
        }
        return List.copyOf(found.keySet());
    }

    /** The thread's newest own file of {@code paths}: codex names each later one (a revert's) so that it sorts after; null when none is its own. */
    static String newestOwn(List<String> paths, String threadId) {
        String newest = null;
        for (String path : paths) {
            if (ownedBy(path, threadId) && (newest == null || path.compareTo(newest) > 0)) {
                newest = path;
            }
        }
        return newest;
    }

    private static boolean ownedBy(String path, String threadId) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.endsWith("-" + threadId + ".jsonl") || name.contains("-" + threadId + "_");
    }

    /** The thread's current rollout, relative to the sessions folder, or an error saying why it cannot be moved. */
    private String relative(CodexThread thread) {
        String path = thread.path();
        if (path == null) {
            throw new LineageException(rootThreadId, "thread " + thread.id() + " has no rollout file (an ephemeral thread?)");
        }
        String prefix = files.sessionsDir() + files.separator();
        if (!path.startsWith(prefix)) {
            throw new LineageException(rootThreadId, "thread " + thread.id() + "'s rollout " + path + " is not under the app-server's "
                    + files.sessionsDir() + " (archived?)");
        }
        String relative = path.substring(prefix.length()).replace(files.separator(), "/");
        if (!RolloutFile.isRolloutPath(relative) || !ownedBy(relative, thread.id())) {
            throw new LineageException(rootThreadId, "thread " + thread.id() + "'s rollout sessions/" + relative
                    + " is not named as codex names a rollout of it");
        }
        return relative;
    }

    private static LocalDate dayOf(String relative) {
        String[] parts = relative.split("/");
        return LocalDate.of(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
    }

    /** The date folders ({@code YYYY/MM/DD}) that exist between the two days, listed year by year, month by month. */
    private List<String> days(LocalDate from, LocalDate to) {
        List<String> out = new ArrayList<>();
        for (String year : numbered(files.sessionsDir(), from.getYear(), to.getYear())) {
            String yearDir = files.sessionsDir() + files.separator() + year;
            for (String month : numbered(yearDir, 1, 12)) {
                for (String day : numbered(yearDir + files.separator() + month, 1, 31)) {
                    LocalDate date = LocalDate.of(Integer.parseInt(year), Integer.parseInt(month), Integer.parseInt(day));
                    if (!date.isBefore(from) && !date.isAfter(to)) {
                        out.add(year + "/" + month + "/" + day);
                    }
                }
            }
        }
        return out;
    }

    private List<String> numbered(String dir, int min, int max) {
        List<String> out = new ArrayList<>();
        for (FsReadDirectoryEntry entry : files.list(dir)) {
            String name = entry.fileName();
            if (name != null && !Boolean.FALSE.equals(entry.isDirectory()) && DIGITS.matcher(name).matches() && name.length() <= 4) {
                int n = Integer.parseInt(name);
                if (n >= min && n <= max) {
                    out.add(name);
                }
            }
        }
        out.sort(null);
        return out;
    }

    RolloutFile readFile(String relativePath) {
        return checked(relativePath, files.read(files.inSessions(relativePath)));
    }

    /** {@code bytes}, read from {@code relativePath}, as a rollout of the lineage, within the cap. */
    RolloutFile checked(String relativePath, byte[] bytes) {
        if (bytes.length > maxFileBytes) {
            throw new LineageException(rootThreadId, "rollout sessions/" + relativePath + " has " + bytes.length + " bytes, more than the "
                    + maxFileBytes + " one message carries; its lineage is not exported", null, FailureKind.INVALID_INPUT);
        }
        return RolloutFile.of(relativePath, bytes);
    }

    /**
     * Whether a rollout records the end of a turn: codex's {@code task_complete} event for that turn
     * id, or {@code turn_aborted} for one interrupted.
     */
    static boolean recordsTurnEnd(byte[] rollout, String turnId) {
        String text = new String(rollout, StandardCharsets.UTF_8);
        String turn = "\"turn_id\":\"" + turnId + "\"";
        int end = text.length();
        while (end > 0) {
            int start = text.lastIndexOf('\n', end - 1) + 1;
            String line = text.substring(start, end);
            if ((line.contains("\"task_complete\"") || line.contains("\"turn_aborted\"")) && line.contains(turn)) {
                return true;
            }
            end = start - 1;
        }
        return false;
    }

    /** The thread's current rollout, relative; for waiting on a turn's end. */
    String currentPath(CodexThread thread) {
        return relative(thread);
    }
}
