package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.session.internal.custody.LineageMoves;
import dev.codexbridge.session.internal.custody.ThreadLineageMoves;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store's copy imported over an app-server that already had the thread, with a turn more than
 * the store (its host died before that turn was stored), on the real codex. Codex 0.169.0 keeps a
 * projection of each thread's history beside the rollout and does not read a replaced file again:
 * without the import dropping codex's record first, {@code thread/read} shows the replaced copy's
 * turns, and after the next turn fails outright. With it, codex shows what the model is given.
 */
class ReplacedHistoryLiveTest {
    @TempDir
    Path tmp;

    @Test
    void anImportOverAnOlderRecordOfTheThreadLeavesCodexShowingTheImportedHistory() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            model.enqueue(ModelReply.message("one"), ModelReply.message("two"), ModelReply.message("three"));
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            CodexLaunch launch = CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work)
                    .detachFromTerminal(true).build();
            String thread;
            Path rollout;
            byte[] afterFirst;
            try (CodexClient codex = CodexClient.builder().process(launch).connect();
                 CodexSession session = CodexSession.builder().client(codex).cwd(work).limits(limits()).build()) {
                session.runTurn(TurnInput.text("first input"));
                thread = session.threadId();
                try (Stream<Path> files = Files.walk(home.resolve("sessions"))) {
                    rollout = files.filter(f -> f.getFileName().toString().contains(thread)).findFirst().orElseThrow();
                }
                afterFirst = awaitStable(rollout);
                session.runTurn(TurnInput.text("second input"));     // never stored: its host died, say
            }
            RolloutFile stored = RolloutFile.of(home.resolve("sessions").relativize(rollout).toString().replace('\\', '/'), afterFirst);

            try (CodexClient codex = CodexClient.builder().process(launch).connect()) {
                LineageMoves moves = new ThreadLineageMoves();
                moves.forget(codex, thread);
                moves.importInto(codex, thread, List.of(stored));
                try (CodexSession session = CodexSession.builder().client(codex).cwd(work).resumeThread(thread).limits(limits()).build()) {
                    session.runTurn(TurnInput.text("third input"));
                }
                String lastRequest = model.responsesRequests().get(model.responsesRequests().size() - 1).bodyJson();
                assertThat(lastRequest).contains("first input").doesNotContain("second input");
                assertThat(inputs(materialized(codex, thread))).as("codex's record is the imported copy and the turn after it")
                        .containsExactly("first input", "third input");
            }
        }
    }

    /**
     * {@code thread/read} with turns, once codex has projected the thread's history: it builds that
     * projection after the turn, on its own time, and refuses {@code includeTurns} until then
     * ("not materialized yet").
     */
    private static JsonNode materialized(CodexClient codex, String thread) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return codex.request("thread/read", Map.of("threadId", thread, "includeTurns", true), JsonNode.class);
            } catch (RpcException e) {
                if (!String.valueOf(e.getMessage()).contains("not materialized") || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static TurnLimits limits() {
        return TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO);
    }

    /** The file once codex stopped writing it for the turn (its end comes a moment after the turn's result). */
    private static byte[] awaitStable(Path file) throws Exception {
        byte[] last = Files.readAllBytes(file);
        for (int i = 0; i < 50; i++) {
            Thread.sleep(100);
            byte[] now = Files.readAllBytes(file);
            if (now.length == last.length && new String(now, java.nio.charset.StandardCharsets.UTF_8).contains("task_complete")) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static List<String> inputs(JsonNode read) {
        List<String> out = new ArrayList<>();
        for (JsonNode turn : read.path("thread").path("turns")) {
            for (JsonNode item : turn.path("items")) {
                if ("userMessage".equals(item.path("type").asText())) {
                    item.path("content").forEach(c -> out.add(c.path("text").asText()));
                }
            }
        }
        return out;
    }
}
