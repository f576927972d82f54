package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.FaultProxy;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.codexbridge.session.TurnLimits;

/**
 * The network between the client and a WebSocket app-server drops mid-turn while the server lives
 * on, with a reconnect policy whose re-attach window is zero (the behaviour before decision 0022;
 * with a window the turn is followed again, see {@code ReattachLiveTest}): the turn ends at once,
 * the client reconnects with its token, the thread is resumed on the same server, and the turn
 * that was lost is reported, interrupted there, never sent again. A session owning its connection
 * reconnects on its next turn.
 */
class WebSocketDropLiveTest {
    private static final String TOKEN = "drop-test-capability-token-51d2";

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
    void withoutAReattachWindowADroppedSocketMidTurnReconnectsResumesAndReportsTheLostTurn() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
        Path token = tmp.resolve("token");
        Files.writeString(token, TOKEN + "\n");
        CountDownLatch asked = new CountDownLatch(1);
        // the host is slow to decide: the turn is mid-way when the network drops
        ApprovalPolicy slowHost = ApprovalPolicy.builder().handler(r -> {
            asked.countDown();
            return new CompletableFuture<>();
        }).build();
        dev.codexbridge.reliability.LeakCheck baseline = dev.codexbridge.reliability.LeakCheck.now();
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "echo lost", "Needs approval").build());
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work,
                List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()));
             FaultProxy proxy = FaultProxy.tcp(server.uri().getHost(), server.uri().getPort())) {
            CodexEndpoint ep = CodexEndpoint.parse("ws://127.0.0.1:" + proxy.port()).tokenFile(token);
            try (CodexClient client = CodexClient.builder().wireTap(wire)
                    .reconnect(new ReconnectPolicy(5, Duration.ofMillis(50), Duration.ofSeconds(1), 4).withReattachWindow(Duration.ZERO)).connect(ep);
                 CodexSession session = CodexSession.builder().client(client).cwd(work).approvals(slowHost)
                         .limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)).build()) {
                String thread = session.start();
                CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, TurnListener.NONE);
                assertThat(asked.await(60, TimeUnit.SECONDS)).as("the turn reached its approval").isTrue();

                long cut = System.nanoTime();
                proxy.cut();
                TurnResult lost = turn.get(30, TimeUnit.SECONDS);
                System.out.printf("websocket drop: the turn ended %.0f ms after the cut%n", (System.nanoTime() - cut) / 1e6);
                assertThat(lost.status()).isEqualTo(TurnOutcome.FAILED);
                assertThat(lost.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
                assertThat(lost.turnId()).isNotNull();

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (count("thread/resume") < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(count("thread/resume")).as("resumed without a turn asking").isEqualTo(1);
                System.out.printf("websocket drop: resumed %.0f ms after the cut%n", (System.nanoTime() - cut) / 1e6);
                assertThat(client.generation()).isEqualTo(2);
                assertThat(proxy.accepted()).isEqualTo(2);
                assertThat(server.process().isAlive()).as("the server never went away").isTrue();

                // the server outlived the drop, so the lost turn was still waiting there: it is stopped on resume
                TurnOutcome lostThere = session.recoverTurn(lost.turnId()).map(TurnResult::status).orElse(null);
                System.out.println("websocket drop: the lost turn reads back as " + lostThere);
                assertThat(lostThere).isEqualTo(TurnOutcome.INTERRUPTED);
                assertThat(wire.sent()).filteredOn(m -> m.path("method").asText().equals("turn/interrupt"))
                        .singleElement().satisfies(m -> assertThat(m.path("params").path("turnId").asText()).isEqualTo(lost.turnId()));

                model.discardRemaining();
                model.enqueue(ModelReply.message("after the drop"));
                TurnResult next = session.runTurn(TurnInput.text("still there?"));
                System.out.println("websocket drop: next turn " + next.status() + " " + next.error());
                assertThat(next.status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(next.finalText()).isEqualTo("after the drop");
                assertThat(next.threadId()).isEqualTo(thread);
                assertThat(count("turn/start")).as("the lost turn was not sent again").isEqualTo(2);
            }
        }
        baseline.awaitBaseline();     // no reader, descriptor or child left behind
    }

    @Test
    void aSessionOwningARemoteConnectionReconnectsOnItsNextTurn() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
        Path token = tmp.resolve("token");
        Files.writeString(token, TOKEN + "\n");
        CountDownLatch asked = new CountDownLatch(1);
        ApprovalPolicy slowHost = ApprovalPolicy.builder().handler(r -> {
            asked.countDown();
            return new CompletableFuture<>();
        }).build();
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "echo lost", "Needs approval").build());
        dev.codexbridge.reliability.LeakCheck baseline = dev.codexbridge.reliability.LeakCheck.now();
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work,
                List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()));
             FaultProxy proxy = FaultProxy.tcp(server.uri().getHost(), server.uri().getPort())) {
            try (CodexSession session = CodexSession.builder()
                    .connection(CodexClient.builder().endpoint(CodexEndpoint.parse("ws://127.0.0.1:" + proxy.port()).tokenFile(token)).wireTap(wire).options()).cwd(work).approvals(slowHost).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)).build()) {
                String thread = session.start();
                CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, TurnListener.NONE);
                assertThat(asked.await(60, TimeUnit.SECONDS)).isTrue();
                proxy.cut();
                TurnResult lost = turn.get(30, TimeUnit.SECONDS);
                assertThat(lost.status()).isEqualTo(TurnOutcome.FAILED);
                assertThat(lost.retired()).isTrue();

                model.discardRemaining();
                model.enqueue(ModelReply.message("reconnected"));
                TurnResult next = session.runTurn(TurnInput.text("still there?"));
                assertThat(next.status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(next.finalText()).isEqualTo("reconnected");
                assertThat(next.threadId()).isEqualTo(thread);
                assertThat(proxy.accepted()).isEqualTo(2);
                assertThat(count("thread/resume")).isEqualTo(1);
                assertThat(count("turn/interrupt")).as("the lost turn was stopped on the server").isEqualTo(1);
                assertThat(session.recoverTurn(lost.turnId()).map(TurnResult::status)).contains(TurnOutcome.INTERRUPTED);
            }
        }
        baseline.awaitBaseline();
    }

    private long count(String method) {
        return wire.sent().stream().filter(m -> m.path("method").asText().equals(method)).count();
    }
}
