package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.IdleRestart;
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
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link IdleRestart} on the real codex: a codex with a thread loaded is never restarted however
 * quiet; once every thread has gone to sleep and codex has been quiet, the client moves to a fresh
 * codex (one process left, the old one stopped), and the sleeping conversations wake on it with
 * their whole history.
 */
class IdleRestartLiveTest {
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
    void aQuietCodexWithNothingLoadedIsStartedAgainAndTheSleepingConversationsGoOnThere() throws Exception {
        Supplier<List<ProcessHandle>> appServers = LiveCodex.appServersFromNow();
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
        CodexLaunch launch = CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work)
                .name("codex-idle-restart").detachFromTerminal(true)
                // any growth at all, after 2 s of quiet: what the default's 64 MiB and 60 s ask of a busy codex
                .idleRestart(new IdleRestart(Duration.ofSeconds(2), 1)).build();
        model.enqueue(ModelReply.message("sleeper's first"), ModelReply.message("keeper's first"),
                ModelReply.message("sleeper's second"), ModelReply.message("keeper's second"));
        TurnLimits limits = TurnLimits.of(Duration.ofMinutes(1), Duration.ZERO);
        try (CodexClient shared = CodexClient.builder().process(launch).wireTap(wire).connect();
             CodexSession sleeper = CodexSession.builder().client(shared).cwd(work).limits(limits)
                     .hibernateAfter(Duration.ofSeconds(1)).build();
             CodexSession keeper = CodexSession.builder().client(shared).cwd(work).limits(limits)
                     .hibernateAfter(Duration.ofSeconds(15)).build()) {
            assertThat(sleeper.runTurn(TurnInput.text("hello sleeper")).finalText()).isEqualTo("sleeper's first");
            assertThat(keeper.runTurn(TurnInput.text("hello keeper")).finalText()).isEqualTo("keeper's first");
            String sleeping = sleeper.threadId();
            LiveCodex.waitUntil(() -> sleeper.isHibernated() && !loaded(shared).contains(sleeping), 20);
            List<ProcessHandle> before = appServers.get();
            assertThat(before).hasSize(1);

            // quiet for twice the policy's time, but the keeper's thread is loaded: the same codex
            Thread.sleep(5_000);
            assertThat(keeper.isHibernated()).as("still awake: the check below means something").isFalse();
            assertThat(shared.generation()).isEqualTo(1);

            // the keeper goes to sleep too: nothing is loaded, and codex is started again
            LiveCodex.waitUntil(() -> shared.generation() == 2, 45);
            assertThat(keeper.isHibernated()).isTrue();
            LiveCodex.waitUntil(() -> appServers.get().size() == 1 && !appServers.get().equals(before), 15);

            TurnResult again = sleeper.runTurn(TurnInput.text("and again"));
            assertThat(again.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(again.finalText()).isEqualTo("sleeper's second");
            assertThat(again.threadId()).isEqualTo(sleeping);
            String lastRequest = model.requests().get(model.requests().size() - 1).bodyJson();
            assertThat(lastRequest).as("the new codex resumed the thread with its history")
                    .contains("hello sleeper").contains("sleeper's first").contains("and again");
            assertThat(keeper.runTurn(TurnInput.text("keeper again")).finalText()).isEqualTo("keeper's second");
            assertThat(shared.generation()).as("a loaded thread holds the new codex too").isEqualTo(2);
        }
    }

    private static List<String> loaded(CodexClient c) {
        List<String> data = c.threadLoadedList(new ThreadLoadedListParams(null, null)).data();
        return data == null ? List.of() : data;
    }
}
