package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
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
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running app-server, the real codex and the scripted model, reached through a proxy that drops
 * the connection and refuses new ones for 2 s in the middle of a turn (decision 0022): over a
 * WebSocket and over a unix socket, the turn is followed again after the reconnect and completes
 * with the result and transcript codex recorded, each item reaching the listener once; an
 * approval asked before the drop is answered after it, the host asked once; and a second client
 * (a host that restarted) follows a turn the first one started, from its first item.
 */
class ReattachLiveTest {
    private static final Duration OUTAGE = Duration.ofSeconds(2);

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path home;
    private Path work;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
    }

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

    private CodexClient client(CodexEndpoint endpoint) {
        // enough tries, close together, to outlast the outage
        return CodexClient.builder().wireTap(wire)
                .reconnect(new ReconnectPolicy(40, Duration.ofMillis(50), Duration.ofMillis(250), 4).withReattachWindow(Duration.ofSeconds(30)))
                .connect(endpoint);
    }

    private static ObjectNode command(String cmd) {
        return Json.object().put("cmd", cmd).put("login", false).put("yield_time_ms", 30_000);
    }

    /** What the listener heard, in order. */
    private static final class Heard implements TurnListener {
        final List<String> completed = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();
        final CountDownLatch commandStarted = new CountDownLatch(1);
        final CountDownLatch reattached = new CountDownLatch(1);

        @Override
        public void onItemStarted(ThreadItem item) {
            if (item instanceof ThreadItem.CommandExecution) {
                commandStarted.countDown();
            }
        }

        @Override
        public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
            completed.add(Json.tree(item).path("id").asText());
        }

        @Override
        public void onConnectionLost(String reason) {
            events.add("lost");
        }

        @Override
        public void onReattached(Duration gap) {
            events.add("reattached");
            System.out.println("reattach: followed again after a gap of " + gap.toMillis() + " ms");
            reattached.countDown();
        }

        @Override
        public void onApprovalRequested(ApprovalRequest request) {
            events.add("asked");
        }

        @Override
        public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
            events.add("answered");
        }

        @Override
        public void onApprovalWithdrawn(ApprovalRequest request) {
            events.add("withdrawn");
        }
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

    /** The turn's item ids as codex stored them, in order. */
    private static List<String> itemIds(CodexSession session, String turnId) {
        JsonNode read = Json.tree(session.read(true));
        for (JsonNode t : read.at("/thread/turns")) {
            if (t.path("id").asText().equals(turnId)) {
                List<String> ids = new ArrayList<>();
                t.path("items").forEach(i -> ids.add(i.path("id").asText()));
                return ids;
            }
        }
        throw new AssertionError("turn " + turnId + " not in codex's record");
    }

    private long approvalsReceived() {
        return wire.received().stream().filter(m -> m.path("method").asText().equals("item/commandExecution/requestApproval")).count();
    }

    private long count(String method) {
        return wire.sent().stream().filter(m -> m.path("method").asText().equals(method)).count();
    }
}
