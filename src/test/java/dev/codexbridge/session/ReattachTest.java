package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.support.OtelCapture;
import dev.codexbridge.telemetry.CodexTelemetry;
import dev.codexbridge.transcript.TranscriptMessage;
import dev.codexbridge.transport.CodexTransport;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A turn on a shared client to a running app-server whose connection drops (decision 0022): it
 * waits for the reconnect, fetches what it missed, hands the listener each item once and in
 * order, and ends as it would have without the drop; a request codex asks again after the resume
 * is put to the host once; the window bounds the wait; a window of zero ends the turn at the drop;
 * and a session can follow a turn it did not start.
 */
class ReattachTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.shared);
    private final FakeCodex codex = fake.codex();
    private CodexClient shared;

    /** Set to make every further connection attempt fail, as when the app-server is gone for good. */
    private volatile boolean unreachable;

    /** The fake codex as a running app-server: it outlives a dropped connection. */
    /** Set before {@link #sharedClient} to trace the shared client. */
    private CodexTelemetry clientTelemetry;

    private CodexClient sharedClient(Duration window) {
        return sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4).withReattachWindow(window));
    }

    private CodexClient sharedClient(ReconnectPolicy policy) {
        codex.scriptDelayMs = 0;
        CodexTransport.Factory running = new CodexTransport.Factory() {
            @Override
            public CodexTransport open(InboundSink sink) {
                if (unreachable) {
                    throw new CodexException("connection refused");
                }
                return codex.factory().open(sink);
            }

            @Override
            public boolean reachesRunningServer() {
                return true;
            }
        };
        CodexClient.Builder b = CodexClient.builder().transport(running).reconnect(policy);
        if (clientTelemetry != null) {
            b.telemetry(clientTelemetry);
        }
        shared = b.connect();
        return shared;
    }

    private CodexSession session(CodexSession.Builder b) {
        CodexSession s = b.cwd(Path.of("/w")).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
        fake.track(s);
        return s;
    }

    private static String message(String id, String text) {
        return "{\"type\":\"agentMessage\",\"id\":\"" + id + "\",\"text\":\"" + text + "\"}";
    }

    private static String command(String id, String status) {
        return "{\"type\":\"commandExecution\",\"id\":\"" + id + "\",\"command\":\"sleep 5\",\"cwd\":\"/w\",\"status\":\"" + status
                + "\",\"commandActions\":[],\"aggregatedOutput\":\"" + ("completed".equals(status) ? "slept" : "") + "\",\"exitCode\":"
                + ("completed".equals(status) ? "0" : "null") + "}";
    }

    private static JsonNode turns(String turnId, String status) {
        ObjectNode r = Json.object();
        r.putArray("data").addObject().put("id", turnId).put("status", status).putArray("items");
        return r;
    }

    private static JsonNode items(String turnId, String... itemJson) {
        ObjectNode r = Json.object();
        var data = r.putArray("data");
        for (String i : itemJson) {
            data.addObject().put("turnId", turnId).set("item", Json.parse(i));
        }
        r.putNull("nextCursor");
        return r;
    }

    /** Records what the listener is told, in order. */
    private static final class Heard implements TurnListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CountDownLatch lost = new CountDownLatch(1);

        @Override
        public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
            events.add("completed " + Json.tree(item).path("id").asText());
        }

        @Override
        public void onConnectionLost(String reason) {
            events.add("lost");
            lost.countDown();
        }

        @Override
        public void onReattached(Duration gap) {
            events.add("reattached");
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
    void aDroppedTurnIsFollowedAgainAndEachItemReachesTheListenerOnceInOrder() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        String thread = session.start();
        AtomicInteger resumes = new AtomicInteger();
        codex.resumeAnswer = id -> {
            resumes.incrementAndGet();
            ObjectNode a = Json.object();
            a.putObject("thread").put("id", id).putObject("status").put("type", "active");
            return CompletableFuture.completedFuture(a);
        };
        // before the drop: the first message completes, the command starts
        codex.onTurnStart = (f, turn) -> {
            f.item("item/completed", turn, message("m-1", "looking"));
            f.item("item/started", turn, command("c-1", "inProgress"));
        };
        // after the resume: while the session fetches, the command and a later message complete live
        // (the command is in the list too); the list has what completed in the gap
        codex.turnsList = p -> turns("turn-1", "inProgress");
        codex.itemsList = p -> {
            assertThat(p.path("turnId").asText()).isEqualTo("turn-1");
            codex.item("item/completed", "turn-1", command("c-1", "completed"));
            codex.item("item/completed", "turn-1", message("m-3", "all done"));
            codex.completeTurn("turn-1", "completed", null);
            return items("turn-1", message("m-1", "looking"), message("m-2", "in the gap"), command("c-1", "completed"));
        };
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("all done");
        assertThat(r.threadId()).isEqualTo(thread);
        assertThat(heard.events).containsExactly("completed m-1", "lost", "reattached", "completed m-2", "completed c-1", "completed m-3");
        assertThat(r.messages()).extracting(TranscriptMessage::content).contains("looking", "in the gap", "all done");
        assertThat(resumes.get()).isEqualTo(1);
        assertThat(count("turn/interrupt")).as("nothing was interrupted").isZero();
        assertThat(count("turn/start")).isEqualTo(1);
    }

    @Test
    void aSessionWhoseTurnWaitsForItsThreadIsResumedBeforeIdleOnes() throws Exception {
        // one resume at a time, so the order shows: the turn's session joined the connection last
        codex.distinctThreads = true;
        CodexClient client = sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 1)
                .withReattachWindow(Duration.ofSeconds(30)));
        String idleA = session(CodexSession.builder().client(client)).start();
        String idleB = session(CodexSession.builder().client(client)).start();
        CodexSession busy = session(CodexSession.builder().client(client));
        String busyThread = busy.start();
        List<String> resumed = new CopyOnWriteArrayList<>();
        codex.resumeAnswer = id -> {
            resumed.add(id);
            ObjectNode a = Json.object();
            a.putObject("thread").put("id", id).putObject("status").put("type", "active");
            return CompletableFuture.completedFuture(a);
        };
        codex.onThreadTurnStart = (thread, turn) -> codex.notifyThread("item/completed", thread, turn,
                "{\"item\":" + message("m-1", "working") + "}");
        codex.turnsList = p -> turns("turn-1", "completed");
        codex.itemsList = p -> items("turn-1", message("m-1", "working"), message("m-2", "done"));
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = busy.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        await().atMost(Duration.ofSeconds(60)).until(() -> resumed.size() == 3);
        assertThat(resumed).first().isEqualTo(busyThread);
        assertThat(resumed).containsExactlyInAnyOrder(busyThread, idleA, idleB);
    }

    @Test
    void onlyTheNewestTurnCanBeRunning() {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        // a killed codex left an older turn listed as in progress; the newest one completed
        codex.turnsList = p -> {
            ObjectNode r = Json.object();
            var data = r.putArray("data");
            data.addObject().put("id", "turn-2").put("status", "completed").putArray("items");
            if (p.path("limit").asLong(10) > 1) {
                data.addObject().put("id", "turn-1").put("status", "inProgress").putArray("items");
            }
            return r;
        };
        assertThat(session.runningTurnId()).isEmpty();
        codex.turnsList = p -> turns("turn-3", "inProgress");
        assertThat(session.runningTurnId()).contains("turn-3");
    }

    @Test
    void aTurnCodexNamedIsReadAgainWhileCodexRefusesItsTurnsAsNotMaterializedYet() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        codex.onTurnStart = (f, turn) -> f.item("item/completed", turn, message("m-1", "started"));
        java.util.concurrent.atomic.AtomicInteger listed = new java.util.concurrent.atomic.AtomicInteger();
        // codex 0.169.0 for a moment after a turn starts, and after a resume of an imported copy
        codex.turnsList = p -> {
            if (listed.incrementAndGet() <= 2) {
                throw new dev.codexbridge.rpc.RpcException("thread/turns/list", new dev.codexbridge.rpc.RpcError(-32600,
                        "thread thread-1 is not materialized yet; thread/turns/list is unavailable before first user message", null));
            }
            return turns("turn-1", "completed");
        };
        codex.itemsList = p -> items("turn-1", message("m-1", "started"), message("m-2", "finished while away"));
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as("%s", r).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("finished while away");
        assertThat(listed.get()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aTurnThatEndedInTheGapEndsAsCodexRecordedIt() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        codex.onTurnStart = (f, turn) -> f.item("item/completed", turn, message("m-1", "started"));
        codex.turnsList = p -> turns("turn-1", "completed");
        codex.itemsList = p -> items("turn-1", message("m-1", "started"), message("m-2", "finished while away"));
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("finished while away");
        assertThat(heard.events).containsExactly("completed m-1", "lost", "reattached", "completed m-2");
    }

    @Test
    void aTurnCodexRunsButHasNotRecordedYetIsReadAgainUntilItIs() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        codex.onTurnStart = (f, turn) -> f.item("item/completed", turn, message("m-1", "started"));
        // as with 300 turns re-attached at once: codex runs the turn it named, its record does not show it for a while
        AtomicInteger listed = new AtomicInteger();
        codex.turnsList = p -> listed.incrementAndGet() <= 3 ? Json.object().set("data", Json.nodes().arrayNode()) : turns("turn-1", "completed");
        codex.onThreadRead = p -> {
            ObjectNode a = Json.object();
            a.putObject("thread").put("id", p.path("threadId").asText()).putObject("status").put("type", "active");
            return CompletableFuture.completedFuture(a);
        };
        codex.itemsList = p -> items("turn-1", message("m-1", "started"), message("m-2", "finished while away"));
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as("%s", r).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("finished while away");
        assertThat(listed.get()).isEqualTo(4);
        assertThat(heard.events).containsExactly("completed m-1", "lost", "reattached", "completed m-2");
    }

    @Test
    void aNamedTurnMissingFromTheRecordOfAnIdleThreadIsReadOnceMoreThenEndsAsGone() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        codex.onTurnStart = (f, turn) -> f.item("item/completed", turn, message("m-1", "started"));
        AtomicInteger listed = new AtomicInteger();
        codex.turnsList = p -> {
            listed.incrementAndGet();
            return Json.object().set("data", Json.nodes().arrayNode());
        };
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as("%s", r).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        assertThat(r.error().message()).contains("codex has no record of turn turn-1");
        assertThat(listed.get()).as("a turn that ended between the first read and the status is in the second").isEqualTo(2);
    }

    @Test
    void theWindowBoundsTheWaitAndTheTurnThenEndsAsBefore() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofMillis(300))));
        session.start();
        codex.resumeAnswer = id -> new CompletableFuture<>();      // the thread never comes back
        codex.onTurnStart = (f, turn) -> f.item("item/completed", turn, message("m-1", "partial"));
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        // codex's record could not be read: not failed on a guess (decision 0032)
        assertThat(r.status()).isEqualTo(TurnOutcome.UNKNOWN);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        assertThat(r.error().message()).contains("the outcome is unknown");
        // the connection came back at once; the thread's resume never did: four windows in all
        assertThat(r.error().message()).contains("the connection came back, but the thread was not resumed within 1200 ms of the drop");
        assertThat(r.messages()).extracting(TranscriptMessage::content).contains("partial");
        assertThat(heard.events).containsExactly("completed m-1", "lost");
    }

    @Test
    void aResumeThatComesAfterTheWindowOnAConnectionThatCameBackInTimeStillReattaches() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofMillis(300))));
        session.start();
        // as with hundreds of running turns: the reconnect is quick, this thread's resume comes late
        codex.resumeAnswer = id -> {
            ObjectNode a = Json.object();
            a.putObject("thread").put("id", id).putObject("status").put("type", "active");
            return CompletableFuture.supplyAsync(() -> (JsonNode) a, CompletableFuture.delayedExecutor(700, TimeUnit.MILLISECONDS));
        };
        codex.onTurnStart = (f, turn) -> f.item("item/completed", turn, message("m-1", "started"));
        codex.turnsList = p -> turns("turn-1", "inProgress");
        codex.itemsList = p -> {
            codex.item("item/completed", "turn-1", message("m-2", "done"));
            codex.completeTurn("turn-1", "completed", null);
            return items("turn-1", message("m-1", "started"));
        };
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("done");
        assertThat(heard.events).containsExactly("completed m-1", "lost", "reattached", "completed m-2");
    }

    @Test
    void anAppServerGoneForGoodEndsTheTurnWhenTheReconnectAttemptsAreExhausted() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(
                new ReconnectPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 4).withReattachWindow(Duration.ofMinutes(10)))));
        session.start();
        codex.onTurnStart = (f, turn) -> f.item("item/completed", turn, message("m-1", "partial"));
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        unreachable = true;
        codex.die();

        // not the ten-minute window: the client gave up after its attempts; codex may have run the turn
        TurnResult r = turn.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.UNKNOWN);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        assertThat(r.messages()).extracting(TranscriptMessage::content).contains("partial");
        assertThat(heard.events).containsExactly("completed m-1", "lost");
    }

    @Test
    void aWindowOfZeroEndsTheTurnAtTheDrop() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ZERO)));
        session.start();
        codex.onTurnStart = (f, turn) -> f.item("item/completed", turn, message("m-1", "partial"));
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 1);
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        assertThat(heard.events).containsExactly("completed m-1");
    }

    @Test
    void aRequestAskedAgainAfterTheResumeReachesTheHostOnceAndItsAnswerGoesOutOnce() throws Exception {
        AtomicInteger handlerCalls = new AtomicInteger();
        CompletableFuture<ApprovalDecision> decision = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30)))
                .approvals(ApprovalPolicy.builder().handler(req -> {
                    handlerCalls.incrementAndGet();
                    asked.countDown();
                    return decision;
                }).build()));
        session.start();
        String approval = "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"item/commandExecution/requestApproval\",\"params\":"
                + "{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\",\"itemId\":\"c-1\",\"command\":\"rm -rf build\",\"cwd\":\"/w\"}}";
        codex.onTurnStart = (f, turn) -> f.sendRaw(approval);
        codex.turnsList = p -> turns("turn-1", "inProgress");
        // codex asks again after the resume, under the same id
        codex.itemsList = p -> {
            codex.sendRaw(approval);
            return items("turn-1", message("m-0", "in the gap"));
        };
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        assertThat(asked.await(30, TimeUnit.SECONDS)).isTrue();
        codex.die();
        awaitEvents(heard, 4);      // asked, lost, reattached, and the fetched item, which came after the request asked again
        decision.complete(ApprovalDecision.once());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (responsesTo(41) < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        codex.item("item/completed", "turn-1", command("c-1", "completed"));
        codex.completeTurn("turn-1", "completed", null);

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(handlerCalls.get()).as("the host decided once").isEqualTo(1);
        assertThat(responsesTo(41)).as("one answer to request 41").isEqualTo(1);
        assertThat(heard.events).containsExactly("asked", "lost", "reattached", "completed m-0", "answered", "completed c-1");
    }

    private static String approval(int id, String item) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"item/commandExecution/requestApproval\",\"params\":"
                + "{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\",\"itemId\":\"" + item + "\",\"command\":\"make\",\"cwd\":\"/w\"}}";
    }

    @Test
    void aRestartedAppServerEndsTheTurnAndWithdrawsThePromptStillOpen() throws Exception {
        CompletableFuture<ApprovalDecision> decision = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30)))
                .approvals(ApprovalPolicy.builder().handler(req -> {
                    asked.countDown();
                    return decision;
                }).build()));
        session.start();
        codex.onTurnStart = (f, turn) -> {
            f.item("item/completed", turn, message("m-1", "partial"));
            f.sendRaw(approval(41, "c-1"));
        };
        // another process loaded the thread from its file: the turn it never ran reads as interrupted
        codex.turnsList = p -> turns("turn-1", "interrupted");
        codex.itemsList = p -> items("turn-1", message("m-1", "partial"));
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        assertThat(asked.await(30, TimeUnit.SECONDS)).isTrue();
        codex.die();

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        assertThat(r.error().message()).contains("reads as interrupted");
        assertThat(r.messages()).extracting(TranscriptMessage::content).contains("partial");
        // the withdrawal reaches the host's prompt on the host pool, a moment after the turn's end
        await().atMost(Duration.ofSeconds(60)).until(decision::isCancelled);
        await().atMost(Duration.ofSeconds(60)).until(() -> heard.events.contains("withdrawn"));
        assertThat(heard.events).containsExactly("completed m-1", "asked", "lost", "reattached", "withdrawn");
        assertThat(responsesTo(41)).isZero();
    }

    @Test
    void aRequestSentBeforeTheTurnStartAnswerIsHeardAfterTheItemsCodexSentBeforeIt() throws Exception {
        CompletableFuture<ApprovalDecision> decision = new CompletableFuture<>();
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30)))
                .approvals(ApprovalPolicy.builder().handler(req -> decision).build()));
        session.start();
        // all of it before codex answers turn/start: the item's turn is not known yet when the request comes
        codex.beforeTurnStartAnswer = (f, turn) -> {
            f.item("item/completed", turn, message("m-1", "first"));
            f.sendRaw(approval(41, "c-1"));
        };
        codex.onTurnStart = (f, turn) -> { };
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        awaitEvents(heard, 2);
        assertThat(heard.events).containsExactly("completed m-1", "asked");
        decision.complete(ApprovalDecision.deny("not now"));
        codex.completeTurn("turn-1", "completed", null);
        assertThat(turn.get(30, TimeUnit.SECONDS).status()).isEqualTo(TurnOutcome.COMPLETED);
        // the listener hears the answer on the dispatch pool, possibly after the result is out
        awaitEvents(heard, 3);
        assertThat(heard.events).containsExactly("completed m-1", "asked", "answered");
    }

    @Test
    void aRequestUnderANewIdAfterTheResumeIsANewRequest() throws Exception {
        AtomicInteger handlerCalls = new AtomicInteger();
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30)))
                .approvals(ApprovalPolicy.builder().handler(req -> {
                    handlerCalls.incrementAndGet();
                    return CompletableFuture.completedFuture(ApprovalDecision.once());
                }).build()));
        session.start();
        codex.onTurnStart = (f, turn) -> f.sendRaw(approval(41, "c-1"));
        codex.turnsList = p -> turns("turn-1", "inProgress");
        codex.itemsList = p -> {
            codex.sendRaw(approval(42, "c-2"));     // asked after the resume: a request of its own
            return items("turn-1", command("c-1", "completed"));
        };
        Heard heard = new Heard();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (responsesTo(41) < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        codex.die();
        while (responsesTo(42) < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        codex.item("item/completed", "turn-1", command("c-2", "completed"));
        codex.completeTurn("turn-1", "completed", null);

        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(handlerCalls.get()).isEqualTo(2);
        assertThat(responsesTo(41)).isEqualTo(1);
        assertThat(responsesTo(42)).isEqualTo(1);
        // a request is handled as it comes, not held back behind the fetch: only the items keep codex's order
        assertThat(heard.events.subList(0, 4)).containsExactly("asked", "answered", "lost", "reattached");
        assertThat(heard.events.subList(4, heard.events.size())).containsExactlyInAnyOrder("asked", "answered", "completed c-1", "completed c-2");
        assertThat(heard.events.indexOf("completed c-1")).isLessThan(heard.events.indexOf("completed c-2"));
    }

    @Test
    void aSessionFollowsATurnItDidNotStartFromItsFirstItem() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))).resumeThread("thread-1"));
        codex.turnsList = p -> turns("turn-7", "inProgress");
        codex.itemsList = p -> {
            codex.item("item/completed", "turn-7", message("m-2", "second"));      // live, and in the list
            codex.item("item/completed", "turn-7", message("m-3", "third"));       // live only
            codex.completeTurn("turn-7", "completed", null);
            return items("turn-7", "{\"type\":\"userMessage\",\"id\":\"u-1\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}",
                    message("m-1", "first"), message("m-2", "second"));
        };
        assertThat(session.runningTurnId()).contains("turn-7");
        Heard heard = new Heard();
        TurnResult r = session.attachTurn("turn-7", heard);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.turnId()).isEqualTo("turn-7");
        assertThat(r.finalText()).isEqualTo("third");
        assertThat(heard.events).containsExactly("completed u-1", "completed m-1", "completed m-2", "completed m-3");
        assertThat(count("turn/start")).isZero();

        // a turn that already ended: its result comes from codex's record
        codex.turnsList = p -> turns("turn-7", "completed");
        codex.itemsList = p -> items("turn-7", message("m-1", "first"), message("m-3", "third"));
        TurnResult again = session.attachTurn("turn-7", TurnListener.NONE);
        assertThat(again.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(again.finalText()).isEqualTo("third");
        assertThat(session.runningTurnId()).isEmpty();
    }

    /**
     * Seen in the compound-fault run: a restarted host followed the turn it had started, codex was
     * killed as the thread was resumed, and the turn was reported never received — an invitation to
     * send its input again — while codex had it.
     */
    @Test
    void aTurnWhoseThreadCannotBeOpenedToFollowItIsUnknownNeverNotReceived() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(
                new ReconnectPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 4).withReattachWindow(Duration.ofSeconds(30))))
                .resumeThread("thread-1"));
        unreachable = true;
        codex.die();

        TurnResult r = session.attachTurnAsync("turn-7", TurnListener.NONE).get(60, TimeUnit.SECONDS);
        assertThat(r.status()).as("codex has the turn: its input sent again could run twice").isEqualTo(TurnOutcome.UNKNOWN);
        assertThat(r.status().safeToSendAgain()).isFalse();
        assertThat(r.turnId()).as("named, to follow again or recover once codex is back").isEqualTo("turn-7");
        // which of the two the thread's open met depends on how far the client had got with the drop
        assertThat(r.error().category()).isIn(ErrorCategory.PROCESS_DIED, ErrorCategory.CONNECTION_CLOSED);
        assertThat(count("turn/start")).isZero();
    }

    @Test
    void aFollowedTurnIsTracedAsAttached() throws Exception {
        try (OtelCapture otel = new OtelCapture()) {
            clientTelemetry = CodexTelemetry.of(otel.openTelemetry());
            CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))).resumeThread("thread-1"));
            codex.turnsList = p -> turns("turn-7", "inProgress");
            codex.itemsList = p -> {
                codex.completeTurn("turn-7", "completed", null);
                return items("turn-7", "{\"type\":\"commandExecution\",\"id\":\"c-1\",\"command\":\"ls\",\"cwd\":\"/w\","
                        + "\"status\":\"completed\",\"commandActions\":[],\"exitCode\":0}", message("m-1", "done"));
            };
            TurnResult r = session.attachTurn("turn-7", TurnListener.NONE);
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);

            SpanData turn = otel.span("invoke_agent codex");
            assertThat(turn.getAttributes().get(AttributeKey.booleanKey("codex_bridge.turn.attached"))).isTrue();
            assertThat(turn.getAttributes().get(AttributeKey.stringKey("codex_bridge.turn.id"))).isEqualTo("turn-7");
            assertThat(turn.getAttributes().get(AttributeKey.stringKey("codex_bridge.turn.status"))).isEqualTo("completed");
            // the thread's resume was written with the span current
            List<JsonNode> resumes = codex.received().stream().filter(m -> m.path("method").asText().equals("thread/resume")).toList();
            assertThat(resumes).hasSize(1);
            assertThat(resumes.get(0).path("trace").path("traceparent").asText()).contains(turn.getTraceId());
        }
    }

    private void awaitEvents(Heard heard, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (heard.events.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(heard.events.size()).as("events so far: %s", heard.events).isGreaterThanOrEqualTo(n);
    }

    private long count(String method) {
        return codex.received().stream().filter(m -> m.path("method").asText().equals(method)).count();
    }

    private long responsesTo(int id) {
        return codex.received().stream().filter(m -> !m.has("method") && m.path("id").asInt(-1) == id).count();
    }
}
