package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hibernation on the real codex (decision 0040): a hibernated session's thread leaves codex's
 * {@code thread/loaded/list} within seconds, and its next turn runs on the same thread; without
 * the per-thread unload delay the library sets, codex 0.169.0 keeps a thread no one follows
 * loaded (its default delay is 60 s).
 */
class HibernationLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
    }

    @Test
    void aHibernatedThreadIsUnloadedByCodexAndItsNextTurnRunsOnIt() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
        CodexLaunch launch = CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work)
                .name("codex-hibernation").detachFromTerminal(true).build();
        model.enqueue(ModelReply.message("first answer"), ModelReply.message("kept answer"), ModelReply.message("second answer"));
        try (CodexClient shared = CodexClient.builder().process(launch).wireTap(wire).connect();
             CodexSession sleeper = CodexSession.builder().client(shared).cwd(work)
                     .limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).hibernateAfter(Duration.ofSeconds(1)).build();
             CodexSession keeper = CodexSession.builder().client(shared).cwd(work)
                     .limits(TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO)).hibernateAfter(Duration.ZERO).build()) {
            TurnResult first = sleeper.runTurn(TurnInput.text("hello"));
            assertThat(first.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(first.finalText()).isEqualTo("first answer");
            String thread = sleeper.threadId();
            assertThat(loaded(shared)).contains(thread);

            assertThat(keeper.runTurn(TurnInput.text("hello")).status()).isEqualTo(TurnOutcome.COMPLETED);
            String kept = keeper.threadId();

            waitUntil(sleeper::isHibernated, 30);
            long letGo = System.nanoTime();
            waitUntil(() -> !loaded(shared).contains(thread), 15);
            long unloadedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - letGo);
            assertThat(loaded(shared)).as("a session that did not hibernate keeps its thread loaded").contains(kept);

            TurnResult second = sleeper.runTurn(TurnInput.text("again"));
            assertThat(second.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(second.finalText()).isEqualTo("second answer");
            assertThat(second.threadId()).isEqualTo(thread);
            assertThat(sleeper.isHibernated()).isFalse();
            assertThat(loaded(shared)).contains(thread);
            // the resumed thread still has its history: codex sent the first exchange to the model again
            String lastRequest = model.requests().get(model.requests().size() - 1).bodyJson();
            assertThat(lastRequest).contains("hello").contains("first answer").contains("again");
            System.out.printf("hibernated thread unloaded %d ms after letting go%n", unloadedMs);

            // codex's own delay, without the library's per-thread setting: closing (an unsubscribe) leaves the thread loaded
            keeper.close();
            Thread.sleep(3_000);
            assertThat(loaded(shared)).as("codex 0.169.0 keeps a thread without subscribers loaded for its default 60 s").contains(kept);
        }
    }

    private static List<String> loaded(CodexClient c) {
        List<String> data = c.threadLoadedList(new ThreadLoadedListParams(null, null)).data();
        return data == null ? List.of() : data;
    }

    private static void waitUntil(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in " + seconds + " s");
            }
            Thread.sleep(50);
        }
    }
}
