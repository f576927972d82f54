package dev.codexbridge.lineage;

import static dev.codexbridge.lineage.ThreadLineageLiveTest.launch;
import static dev.codexbridge.lineage.ThreadLineageLiveTest.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.support.LiveCodex;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export and import times for rollouts of about 100 KiB, 1 MiB and 10 MiB on the real codex
 * (printed, not asserted: the machine's load decides them): a real one-turn rollout grown with
 * token-count events, which codex keeps out of the model's history, then moved from home A to
 * home B through the fs methods; that codex still resumes each and runs a turn on it is asserted.
 */
class ThreadLineageSizesLiveTest {
    static final Duration TIMEOUT = Duration.ofMinutes(2);
    static final int[] SIZES = {100 * 1024, 1024 * 1024, 10 * 1024 * 1024};

    @TempDir
    Path tmp;

    @Test
    void largeLineagesMoveAndResume() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            for (int i = 0; i < SIZES.length * 2; i++) {
                model.enqueue(ModelReply.message("answer " + i));
            }
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path homeA = IsolatedCodexHome.builder(tmp.resolve("home-a"), model.baseUrl()).write();
            Path homeB = IsolatedCodexHome.builder(tmp.resolve("home-b"), model.baseUrl()).write();
            List<String> threads = new ArrayList<>();
            try (CodexClient codexA = CodexClient.builder().process(launch(homeA, work, "codex-home-a")).connect()) {
                for (int size : SIZES) {
                    try (CodexSession s = session(codexA, work, null)) {
                        TurnResult turn = s.runTurn(TurnInput.text("a rollout grown to " + size + " bytes"));
                        List<RolloutFile> lineage = ThreadLineage.export(codexA, s.threadId(), turn.turnId(), TIMEOUT);
                        threads.add(s.threadId());
                        grow(lineage.get(0).resolveIn(homeA.resolve("sessions")), size);
                    }
                }
            }
            // a new codex on home A, which has never loaded the grown rollouts
            try (CodexClient codexA = CodexClient.builder().process(launch(homeA, work, "codex-home-a")).connect();
                 CodexClient codexB = CodexClient.builder().process(launch(homeB, work, "codex-home-b")).connect()) {
                for (String threadId : threads) {
                    long start = System.nanoTime();
                    List<RolloutFile> lineage = ThreadLineage.export(codexA, threadId, null, TIMEOUT);
                    long exported = System.nanoTime();
                    ThreadLineage.importInto(codexB, threadId, lineage, TIMEOUT);
                    long imported = System.nanoTime();
                    System.out.printf("lineage of %d bytes in %d file(s): export %d ms, import %d ms%n", lineage.get(0).size(), lineage.size(),
                            (exported - start) / 1_000_000, (imported - exported) / 1_000_000);
                    try (CodexSession moved = session(codexB, work, threadId)) {
                        TurnResult turn = moved.runTurn(TurnInput.text("resumed on B"));
                        assertThat(turn.status()).as("%s", turn).isEqualTo(TurnOutcome.COMPLETED);
                    }
                }
            }
            assertThat(model.unscriptedRequests()).isZero();
        }
    }

    /** Appends token-count events (no usage), numbered on from the rollout's last ordinal, until the file has about {@code size} bytes. */
    private static void grow(Path rollout, int size) throws Exception {
        Matcher last = Pattern.compile("\"ordinal\":(\\d+)").matcher(Files.readString(rollout));
        long ordinal = -1;
        while (last.find()) {
            ordinal = Long.parseLong(last.group(1));
        }
        assertThat(ordinal).as("codex numbers a paginated rollout's records").isNotNegative();
        long missing = size - Files.size(rollout);
        StringBuilder padding = new StringBuilder();
        while (padding.length() < missing) {
            padding.append("{\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"ordinal\":").append(++ordinal)
                    .append(",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":null,\"rate_limits\":null}}\n");
        }
        Files.writeString(rollout, padding, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
}
