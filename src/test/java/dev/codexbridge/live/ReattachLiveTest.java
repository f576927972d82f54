package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.FaultProxy;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
/**
 * A running app-server, the real codex and the scripted model, reached through a proxy that drops
 * the connection and refuses new ones for 2 s in the middle of a turn (decision 0022): over a
 * WebSocket and over a unix socket, the turn is followed again after the reconnect and completes
 * with the result and transcript codex recorded, each item reaching the listener once; an
 * approval asked before the drop is answered after it, the host asked once.
 */
class ReattachLiveTest extends ReattachLive {
    private static final Duration OUTAGE = Duration.ofSeconds(2);

    private enum Over { WEBSOCKET, UNIX }

    /** A server and a proxy in front of it; the endpoint to give the client. */
    private record Route(ListeningAppServer server, FaultProxy proxy, CodexEndpoint endpoint) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            proxy.close();
            server.close();
        }
    }

    private Route route(Over over) throws Exception {
        if (over == Over.WEBSOCKET) {
            ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of());
            FaultProxy proxy = FaultProxy.tcp(server.uri().getHost(), server.uri().getPort());
            return new Route(server, proxy, CodexEndpoint.parse("ws://127.0.0.1:" + proxy.port()));
        }
        Path dir = Files.createTempDirectory("cb-unix");       // short: a unix socket's path is limited to about 100 bytes
        ListeningAppServer server = ListeningAppServer.unix(LiveCodex.binary(), home, work, dir.resolve("s.sock"));
        FaultProxy proxy = FaultProxy.unix(dir.resolve("p.sock"), dir.resolve("s.sock"));
        return new Route(server, proxy, CodexEndpoint.unixSocket(dir.resolve("p.sock")));
    }

    @Test
    void aTurnRunningAFiveSecondCommandSurvivesATwoSecondDropOverWebSocket() throws Exception {
        survivesADrop(Over.WEBSOCKET);
    }

    @Test
    void aTurnRunningAFiveSecondCommandSurvivesATwoSecondDropOverAUnixSocket() throws Exception {
        survivesADrop(Over.UNIX);
    }

    private void survivesADrop(Over over) throws Exception {
        model.enqueue(
                ModelReply.builder("resp-cmd").message("running it").functionCall("call-sleep", null, "exec_command", command("sleep 5; echo slept")).build(),
                ModelReply.builder("resp-end").message("the command finished").build());
        try (Route route = route(over); CodexClient client = client(route.endpoint());
             CodexSession session = CodexSession.builder().client(client).cwd(work)
                     .limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO)).build()) {
            session.start();
            Heard heard = new Heard();
            CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, heard);
            assertThat(heard.commandStarted.await(60, TimeUnit.SECONDS)).as("the command started").isTrue();
            Thread.sleep(1_000);
            long cut = System.nanoTime();
            route.proxy().drop(OUTAGE);
            assertThat(heard.reattached.await(60, TimeUnit.SECONDS)).as("followed again").isTrue();
            System.out.printf("reattach over %s: re-attached %.0f ms after the drop (%d connections refused meanwhile)%n", over,
                    (System.nanoTime() - cut) / 1e6, route.proxy().refused());

            TurnResult r = turn.get(120, TimeUnit.SECONDS);
            assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.finalText()).isEqualTo("the command finished");
            assertThat(heard.events).containsExactly("lost", "reattached");
            assertThat(route.proxy().refused()).as("the client tried during the outage").isPositive();
            assertThat(route.server().process().isAlive()).isTrue();

            // the same result codex recorded: every item once, in codex's order, the whole transcript
            TurnResult recorded = session.recoverTurn(r.turnId()).orElseThrow();
            assertThat(r.messages()).isEqualTo(recorded.messages());
            assertThat(heard.completed).as("each item once, in order").doesNotHaveDuplicates()
                    .containsExactlyElementsOf(itemIds(session, r.turnId()));
            assertThat(heard.completed).contains("call-sleep");
            assertThat(r.messages()).anySatisfy(m -> assertThat(m.content()).contains("slept"));
            assertThat(count("turn/start")).isEqualTo(1);
            assertThat(count("thread/resume")).isEqualTo(1);
            assertThat(count("turn/interrupt")).as("nothing interrupted").isZero();
        }
    }

    @Test
    void anApprovalAskedBeforeTheDropIsAnsweredAfterItOverWebSocket() throws Exception {
        approvalAcrossADrop(Over.WEBSOCKET);
    }

    @Test
    void anApprovalAskedBeforeTheDropIsAnsweredAfterItOverAUnixSocket() throws Exception {
        approvalAcrossADrop(Over.UNIX);
    }

    private void approvalAcrossADrop(Over over) throws Exception {
        model.enqueue(
                ModelReply.builder("resp-ask").execCommandEscalated("call-ask", "echo approved", "needs it").build(),
                ModelReply.builder("resp-done").message("approved and done").build());
        AtomicInteger handlerCalls = new AtomicInteger();
        CountDownLatch asked = new CountDownLatch(1);
        CompletableFuture<ApprovalDecision> decision = new CompletableFuture<>();
        ApprovalPolicy slowHost = ApprovalPolicy.builder().handler(req -> {
            handlerCalls.incrementAndGet();
            asked.countDown();
            return decision;
        }).build();
        try (Route route = route(over); CodexClient client = client(route.endpoint());
             CodexSession session = CodexSession.builder().client(client).cwd(work).approvals(slowHost)
                     .limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO)).build()) {
            session.start();
            Heard heard = new Heard();
            CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, heard);
            assertThat(asked.await(60, TimeUnit.SECONDS)).as("the host was asked").isTrue();
            route.proxy().drop(OUTAGE);
            assertThat(heard.reattached.await(60, TimeUnit.SECONDS)).as("followed again").isTrue();
            // codex asks again on the new connection, under the same id: wait until it did
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (approvalsReceived() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(approvalsReceived()).as("codex asked again after the resume").isEqualTo(2);
            decision.complete(ApprovalDecision.once());

            TurnResult r = turn.get(120, TimeUnit.SECONDS);
            assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.finalText()).isEqualTo("approved and done");
            assertThat(handlerCalls.get()).as("the host decided once").isEqualTo(1);
            assertThat(heard.events).containsExactly("asked", "lost", "reattached", "answered");
            assertThat(wire.sent()).filteredOn(m -> !m.has("method") && m.has("result")
                            && m.path("result").has("decision")).as("one answer went out").hasSize(1);
            assertThat(r.messages()).anySatisfy(m -> assertThat(m.content()).contains("approved"));
            assertThat(heard.completed).doesNotHaveDuplicates().containsExactlyElementsOf(itemIds(session, r.turnId()));
        }
    }
}
