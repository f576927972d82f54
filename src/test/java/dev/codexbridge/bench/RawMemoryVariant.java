package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.process.CodexLaunch;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code raw:STEPS} of {@code bin/bench codex-memory}: a bare driver's conversations, each
 * {@code thread/start}, a quick turn, then each step of STEPS in order ({@link CodexMemoryBench}).
 */
final class RawMemoryVariant implements CodexMemoryBench.Variant {
    private final RawCodexPeer codex;
    private final Path work;
    private final List<String> steps;

    RawMemoryVariant(CodexLaunch launch, Path work, String steps) throws Exception {
        this.codex = new RawCodexPeer(launch);
        this.work = work;
        this.steps = steps.isEmpty() ? List.of() : List.of(steps.split("\\+"));
    }

    @Override
    public void conversation() {
        // as the library starts a thread: codex unloads it as soon as nobody follows it
        com.fasterxml.jackson.databind.node.ObjectNode start = RawCodexPeer.params().put("cwd", work.toString());
        start.putObject("config").put("thread_unload_delay_secs", 0);
        JsonNode thread = codex.call("thread/start", start).path("thread");
        String id = thread.path("id").asText();
        String status = codex.turn(id, "bench: quick");
        if (!status.equals("completed")) {
            throw new IllegalStateException("turn " + status);
        }
        String path = thread.path("path").asText("");
        for (String step : steps) {
            switch (step) {
                case "unsub" -> codex.call("thread/unsubscribe", RawCodexPeer.params().put("threadId", id));
                case "read" -> codex.call("thread/read", RawCodexPeer.params().put("threadId", id).put("includeTurns", false));
                case "readturns" -> codex.call("thread/read", RawCodexPeer.params().put("threadId", id).put("includeTurns", true));
                case "goal" -> codex.callAnswered("thread/goal/get", RawCodexPeer.params().put("threadId", id));
                case "readfile" -> codex.call("fs/readFile", RawCodexPeer.params().put("path", path));
                case "readdir" -> readDirectories(path);
                case "meta" -> codex.call("fs/getMetadata", RawCodexPeer.params().put("path", path));
                case "resume" -> {
                    // as the library resumes a thread: codex unloads it as soon as nobody follows it
                    com.fasterxml.jackson.databind.node.ObjectNode resume = RawCodexPeer.params().put("threadId", id).put("excludeTurns", true);
                    resume.putObject("config").put("thread_unload_delay_secs", 0);
                    codex.call("thread/resume", resume);
                }
                case "list" -> codex.call("thread/list", RawCodexPeer.params().put("limit", 20));
                case "loaded" -> codex.call("thread/loaded/list", RawCodexPeer.params());
                case "remove" -> codex.call("fs/remove", RawCodexPeer.params().put("path", path).put("recursive", false).put("force", true));
                case "delete" -> codex.call("thread/delete", RawCodexPeer.params().put("threadId", id));
                case "unloaded" -> awaitUnloaded(id);
                default -> throw new IllegalArgumentException("no such step: " + step);
            }
        }
    }

    /** {@code sessions/} and every folder below it down to the rollout's, one {@code fs/readDirectory} each. */
    private void readDirectories(String rollout) {
        Path file = Path.of(rollout);
        Path sessions = file.getParent().getParent().getParent().getParent();
        for (Path dir = sessions; ; dir = dir.resolve(file.getName(dir.getNameCount()))) {
            codex.call("fs/readDirectory", RawCodexPeer.params().put("path", dir.toString()));
            if (dir.equals(file.getParent())) {
                return;
            }
        }
    }

    private void awaitUnloaded(String id) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (loaded(id)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("thread " + id + " still loaded after 60 s");
            }
            LiveRig.sleep(25);
        }
    }

    private boolean loaded(String id) {
        for (JsonNode t : codex.call("thread/loaded/list", RawCodexPeer.params()).path("data")) {
            if (t.asText().equals(id)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean settle() {
        return true;
    }

    @Override
    public long codexPid() {
        return CodexMemoryBench.newestCodex();
    }

    @Override
    public void close() throws InterruptedException {
        codex.close();
    }
}
