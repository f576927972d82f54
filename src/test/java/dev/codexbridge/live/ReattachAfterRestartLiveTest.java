package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.FaultProxy;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.transport.CodexEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
/**
 * A turn outlives its host or its app-server (decision 0022): a second client (a host that
 * restarted) follows a turn the first one started, from its first item; a reconnect that reaches
 * a restarted app-server ends the turn with what it had, and the session goes on there.
 */
class ReattachAfterRestartLiveTest extends ReattachLive {
    @Test
    void aSecondClientFollowsATurnTheFirstStartedFromItsFirstItem() throws Exception {
        model.enqueue(
                ModelReply.builder("resp-cmd").message("running it").functionCall("call-sleep", null, "exec_command", command("sleep 3; echo slept")).build(),
                ModelReply.builder("resp-end").message("finished for everyone").build());
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of());
             CodexClient first = client(server.endpoint());
             CodexSession starter = CodexSession.builder().client(first).cwd(work)
                     .limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO)).build()) {
            String thread = starter.start();
            Heard started = new Heard();
            CompletableFuture<TurnResult> original = starter.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, started);
            assertThat(started.commandStarted.await(60, TimeUnit.SECONDS)).isTrue();

            // a host that restarted: a new client, the thread resumed by id, the running turn found and followed
            try (CodexClient second = client(server.endpoint());
                 CodexSession follower = CodexSession.builder().client(second).cwd(work).resumeThread(thread)
                         .limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO)).build()) {
                String running = follower.runningTurnId().orElseThrow();
                Heard heard = new Heard();
                TurnResult followed = follower.attachTurn(running, heard);
                TurnResult own = original.get(120, TimeUnit.SECONDS);

                assertThat(followed.status()).as("%s", followed.error()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(followed.turnId()).isEqualTo(own.turnId());
                assertThat(followed.finalText()).isEqualTo("finished for everyone").isEqualTo(own.finalText());
                assertThat(followed.messages()).isEqualTo(own.messages());
                assertThat(heard.completed).doesNotHaveDuplicates().containsExactlyElementsOf(itemIds(follower, running));
                assertThat(follower.runningTurnId()).isEmpty();
                // an ended turn is followed at once, from codex's record
                assertThat(follower.attachTurn(running, TurnListener.NONE).messages()).isEqualTo(own.messages());
            }
        }
    }

    @Test
    void aReconnectThatReachesARestartedAppServerEndsTheTurnWithWhatItHad() throws Exception {
        model.enqueue(
                ModelReply.builder("resp-cmd").message("running it").functionCall("call-sleep", null, "exec_command", command("sleep 5; echo slept")).build(),
                ModelReply.builder("resp-end").message("never heard").build());
        ListeningAppServer first = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of());
        try (FaultProxy proxy = FaultProxy.tcp(first.uri().getHost(), first.uri().getPort());
             CodexClient client = client(CodexEndpoint.parse("ws://127.0.0.1:" + proxy.port()));
             CodexSession session = CodexSession.builder().client(client).cwd(work)
                     .limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO)).build()) {
            String thread = session.start();
            Heard heard = new Heard();
            CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, heard);
            assertThat(heard.commandStarted.await(60, TimeUnit.SECONDS)).isTrue();

            // the app-server dies with the turn; another starts on the same CODEX_HOME and the client reaches it
            proxy.drop(Duration.ofMinutes(5));
            first.kill();
            try (ListeningAppServer second = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of())) {
                proxy.retarget(second.uri().getHost(), second.uri().getPort());
                proxy.restore();

                TurnResult r = turn.get(120, TimeUnit.SECONDS);
                System.out.println("reattach after a restart: " + r.status() + " " + r.error());
                assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
                assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
                assertThat(r.messages()).as("the partial transcript").anySatisfy(m -> assertThat(m.content()).isEqualTo("running it"));
                assertThat(heard.events).startsWith("lost");

                model.discardRemaining();
                model.enqueue(ModelReply.message("on the new app-server"));
                TurnResult next = session.runTurn(TurnInput.text("still there?"));
                assertThat(next.status()).as("%s", next.error()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(next.threadId()).isEqualTo(thread);
            }
        } finally {
            first.close();
        }
    }
}
