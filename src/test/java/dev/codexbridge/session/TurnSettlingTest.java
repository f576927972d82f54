package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.transcript.TranscriptMessage;
import dev.codexbridge.transport.CodexTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Turns whose outcome the session did not see are settled against codex's record (decision 0032):
 * a {@code turn/start} whose answer was lost is found by its key, or reported as never received;
 * a resume that failed with its connection does not end a detached turn; a turn codex still runs
 * on the thread is settled before the next {@code turn/start}, so codex never folds the new input
 * into it. Codex here is {@link FakeCodex} as a running app-server that outlives its connections;
 * every message the session sends is checked against the pinned schema.
 */
class TurnSettlingTest {
    private final FakeCodex codex = new FakeCodex();
    private final List<CodexSession> sessions = new ArrayList<>();
    private CodexClient shared;

    @AfterEach
    void tearDown() {
        sessions.forEach(CodexSession::close);
        if (shared != null) {
            shared.close();
        }
        codex.shutdown();
        for (JsonNode m : codex.received()) {
            if (m.has("method")) {
                assertThat(WireSchema.pinned().validateOutgoing(m)).as("schema errors of %s", m).isEmpty();
            }
        }
    }

    private CodexSession session(CodexSession.Builder b) {
        CodexSession s = b.cwd(Path.of("/w")).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
        sessions.add(s);
        return s;
    }

    private CodexClient sharedClient(Duration window) {
        codex.scriptDelayMs = 0;
        CodexTransport.Factory running = new CodexTransport.Factory() {
            @Override
            public CodexTransport open(InboundSink sink) {
                return codex.factory().open(sink);
            }

            @Override
            public boolean reachesRunningServer() {
                return true;
            }
        };
        shared = CodexClient.builder().transport(running)
                .reconnect(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4).withReattachWindow(window)).connect();
        return shared;
    }

    /** A {@code thread/turns/list} answer: one turn, its user message carrying {@code clientId} (or none). */
    private static JsonNode turnWithKey(String turnId, String status, String clientId) {
        ObjectNode r = Json.object();
        ObjectNode turn = r.putArray("data").addObject().put("id", turnId).put("status", status);
        ArrayNode items = turn.putArray("items");
        if (clientId != null) {
            items.addObject().put("type", "userMessage").put("id", "u-" + turnId).put("clientId", clientId)
                    .putArray("content").addObject().put("type", "text").put("text", "go");
        }
        r.putNull("nextCursor");
        return r;
    }

    private static JsonNode noTurns() {
        ObjectNode r = Json.object();
        r.putArray("data");
        r.putNull("nextCursor");
        return r;
    }

    private static JsonNode items(String turnId, String... itemJson) {
        ObjectNode r = Json.object();
        ArrayNode data = r.putArray("data");
        for (String i : itemJson) {
            data.addObject().put("turnId", turnId).set("item", Json.parse(i));
        }
        r.putNull("nextCursor");
        return r;
    }

    private static String message(String id, String text) {
        return "{\"type\":\"agentMessage\",\"id\":\"" + id + "\",\"text\":\"" + text + "\"}";
    }

    private long count(String method) {
        return codex.received().stream().filter(m -> m.path("method").asText().equals(method)).count();
    }

    private List<String> sentMethods() {
        return codex.received().stream().filter(m -> m.has("method") && m.has("id")).map(m -> m.path("method").asText()).toList();
    }

    /** What the listener hears of the turn's identity. */
    private static final class Identity implements TurnListener {
        final List<String> started = new CopyOnWriteArrayList<>();

        @Override
        public void onTurnStarted(String key, String turnId) {
            started.add(key + " -> " + turnId);
        }
    }

    @Test
    void aTurnHasItsKeyAtOnceAndCodexsIdAsSoonAsCodexNamesIt() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        CompletableFuture<Void> answered = new CompletableFuture<>();
        codex.onTurnStart = (f, turn) -> answered.thenRun(() -> {
            f.item("item/completed", turn, message("m-1", "hi"));
            f.completeTurn(turn, "completed", null);
        });
        Identity heard = new Identity();
        TurnHandle handle = session.startTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, heard);
        assertThat(handle.key()).isNotBlank();
        await().atMost(Duration.ofSeconds(60)).until(() -> handle.turnId().isPresent());
        assertThat(handle.turnId()).contains("turn-1");
        assertThat(handle.result()).isNotDone();
        answered.complete(null);

        TurnResult r = handle.result().get(60, TimeUnit.SECONDS);
        assertThat(r.key()).isEqualTo(handle.key());
        assertThat(r.turnId()).isEqualTo("turn-1");
        assertThat(heard.started).containsExactly(handle.key() + " -> turn-1");
        // the key is sent as the user message's client id, by which codex's record names the turn
        JsonNode start = codex.received().stream().filter(m -> "turn/start".equals(m.path("method").asText())).findFirst().orElseThrow();
        assertThat(start.path("params").path("clientUserMessageId").asText()).isEqualTo(handle.key());
    }

    @Test
    void aStartWhoseAnswerWasLostIsFoundByItsKeyAndEndsAsCodexRanIt() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        codex.answerTurnStart = false;      // codex takes the turn; its answer is lost with the connection
        codex.turnsList = p -> turnWithKey("turn-9", "completed", "host-key-1");
        codex.itemsList = p -> items("turn-9", message("m-1", "ran anyway"));
        Identity heard = new Identity();
        TurnHandle handle = session.startTurn(TurnInput.text("go"), TurnOptions.builder().key("host-key-1").build(), heard);
        await().atMost(Duration.ofSeconds(60)).until(() -> count("turn/start") == 1);
        codex.die();

        TurnResult r = handle.result().get(90, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.turnId()).isEqualTo("turn-9");
        assertThat(r.key()).isEqualTo("host-key-1");
        assertThat(r.finalText()).isEqualTo("ran anyway");
        assertThat(r.messages()).extracting(TranscriptMessage::content).contains("ran anyway");
        assertThat(handle.turnId()).contains("turn-9");
        assertThat(heard.started).containsExactly("host-key-1 -> turn-9");
        assertThat(count("turn/start")).as("never sent again").isEqualTo(1);
    }

    @Test
    void aStartWhoseAnswerWasLostAndThatCodexNeverGotIsReportedNotReceived() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        codex.answerTurnStart = false;
        AtomicInteger reads = new AtomicInteger();
        codex.turnsList = p -> {
            reads.incrementAndGet();
            return turnWithKey("turn-0", "completed", "an-earlier-turn");   // codex's record: no turn with this key
        };
        Identity heard = new Identity();
        TurnHandle handle = session.startTurn(TurnInput.text("go"), TurnOptions.builder().key("host-key-2").build(), heard);
        await().atMost(Duration.ofSeconds(60)).until(() -> count("turn/start") == 1);
        codex.die();

        TurnResult r = handle.result().get(90, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.NOT_RECEIVED);
        assertThat(r.status().safeToSendAgain()).isTrue();
        assertThat(r.turnId()).isNull();
        assertThat(r.key()).isEqualTo("host-key-2");
        assertThat(r.error().message()).contains("codex never received this turn").contains("host-key-2");
        assertThat(heard.started).isEmpty();
        assertThat(reads.get()).as("read twice, a second apart, before it counts as never received").isGreaterThanOrEqualTo(2);
        assertThat(count("turn/start")).isEqualTo(1);
    }

    @Test
    void aStartWhoseAnswerWasLostIsNotCalledNeverReceivedWhileCodexRunsATurnItsRecordDoesNotShowYet() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        codex.answerTurnStart = false;
        // on a loaded machine codex's record may lag a turn it has begun by seconds, while the thread's status says active
        AtomicInteger statusReads = new AtomicInteger();
        codex.onThreadRead = p -> {
            int n = statusReads.incrementAndGet();
            ObjectNode r = Json.object();
            ObjectNode status = r.putObject("thread").put("id", p.path("threadId").asText()).putObject("status");
            if (n < 4) {
                status.put("type", "active").putArray("activeFlags");
            } else {
                status.put("type", "idle");
            }
            return CompletableFuture.completedFuture(r);
        };
        codex.turnsList = p -> statusReads.get() < 4 ? turnWithKey("turn-0", "completed", "an-earlier-turn")
                : turnWithKey("turn-7", "completed", "host-key-4");
        codex.itemsList = p -> items("turn-7", message("m-7", "ran after all"));
        TurnHandle handle = session.startTurn(TurnInput.text("go"), TurnOptions.builder().key("host-key-4").build(), TurnListener.NONE);
        await().atMost(Duration.ofSeconds(60)).until(() -> count("turn/start") == 1);
        codex.die();

        TurnResult r = handle.result().get(90, TimeUnit.SECONDS);
        assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.turnId()).isEqualTo("turn-7");
        assertThat(r.finalText()).isEqualTo("ran after all");
        assertThat(statusReads.get()).as("read again while codex ran a turn").isGreaterThanOrEqualTo(4);
        assertThat(count("turn/start")).as("never sent again").isEqualTo(1);
    }

    @Test
    void aResumeThatFailsWithItsConnectionDoesNotEndTheTurnThatCodexCompleted() throws Exception {
        CodexSession session = session(CodexSession.builder().client(sharedClient(Duration.ofSeconds(30))));
        session.start();
        codex.onTurnStart = (f, turn) -> f.item("item/completed", turn, message("m-1", "working"));
        AtomicInteger resumes = new AtomicInteger();
        codex.resumeAnswer = id -> {
            if (resumes.incrementAndGet() == 1) {
                codex.die();        // codex killed before this thread's resume is answered
                return new CompletableFuture<>();
            }
            ObjectNode a = Json.object();
            a.putObject("thread").put("id", id).putObject("status").put("type", "idle");
            return CompletableFuture.completedFuture(a);
        };
        codex.turnsList = p -> turnWithKey("turn-1", "completed", null);
        codex.itemsList = p -> items("turn-1", message("m-1", "working"), message("m-2", "finished while away"));
        TurnHandle handle = session.startTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE);
        await().atMost(Duration.ofSeconds(60)).until(() -> handle.turnId().isPresent());
        codex.die();

        TurnResult r = handle.result().get(90, TimeUnit.SECONDS);
        assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("finished while away");
        assertThat(resumes.get()).isEqualTo(2);
    }

    @Test
    void aTurnCodexStillRunsOnTheThreadIsInterruptedAndEndedBeforeTheNextTurnStarts() throws Exception {
        sharedClient(Duration.ofSeconds(30));
        // a host restarted: codex still runs turn-7, which the host of before started and nobody follows now
        AtomicBoolean interrupted = new AtomicBoolean();
        codex.onInterrupt = (f, turn) -> {
            assertThat(turn).isEqualTo("turn-7");
            interrupted.set(true);
            f.completeTurn(turn, "interrupted", null);
        };
        codex.turnsList = p -> turnWithKey("turn-7", interrupted.get() ? "interrupted" : "inProgress", "before-the-restart");
        codex.onTurnStart = (f, turn) -> {
            f.item("item/completed", turn, message("m-1", "only mine"));
            f.completeTurn(turn, "completed", null);
        };
        CodexSession session = session(CodexSession.builder().client(shared).resumeThread("thread-1"));

        TurnResult r = session.runTurn(TurnInput.text("next"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("only mine");
        assertThat(r.messages()).extracting(TranscriptMessage::content).containsExactly("only mine");
        List<String> sent = sentMethods();
        assertThat(sent.indexOf("turn/interrupt")).as("interrupted before the new turn/start").isGreaterThanOrEqualTo(0)
                .isLessThan(sent.indexOf("turn/start"));

        // the thread is settled: the next turn reads nothing first
        long listsBefore = count("thread/turns/list");
        session.runTurn(TurnInput.text("and again"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(count("thread/turns/list")).isEqualTo(listsBefore);
    }

    @Test
    void aTurnCodexDoesNotStopIsNotFoldedIntoTheNextTurnWhichIsNotSent() throws Exception {
        sharedClient(Duration.ofSeconds(30));
        codex.onInterrupt = (f, turn) -> { };       // codex does not stop it
        codex.turnsList = p -> turnWithKey("turn-7", "inProgress", "before-the-restart");
        CodexSession session = session(CodexSession.builder().client(shared).resumeThread("thread-1")
                .interruptGrace(Duration.ofMillis(500)));

        TurnResult r = session.runTurn(TurnInput.text("next"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(r.status()).isEqualTo(TurnOutcome.NOT_RECEIVED);
        assertThat(r.error().message()).contains("turn-7 still runs").contains("was not sent");
        assertThat(count("turn/start")).as("codex would have added the input to turn-7").isZero();
    }

    @Test
    void aHostFindsItsTurnByTheKeyItKept() {
        sharedClient(Duration.ofSeconds(30));
        codex.turnsList = p -> "summary".equals(p.path("itemsView").asText())
                ? turnWithKey("turn-3", "completed", "kept-key#2")     // the second attempt of a rate-limited turn
                : noTurns();
        CodexSession session = session(CodexSession.builder().client(shared).resumeThread("thread-1"));
        assertThat(session.findTurn("kept-key")).contains("turn-3");
        assertThat(session.findTurn("kept")).isEmpty();
        assertThat(session.findTurn("other-key")).isEmpty();
    }

    @Test
    void aRefusalToListTheTurnsOfAThreadWithNoUserMessageIsCodexsAnswerAtOnceForALookupByKey() {
        sharedClient(Duration.ofSeconds(30));
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        // a fresh thread (one replaced after a crash, say): codex has no user message of it, and says so
        codex.turnsList = p -> {
            asked.incrementAndGet();
            throw new dev.codexbridge.rpc.RpcException("thread/turns/list", new dev.codexbridge.rpc.RpcError(-32600,
                    "thread thread-1 is not materialized yet; thread/turns/list is unavailable before first user message", null));
        };
        CodexSession session = session(CodexSession.builder().client(shared).resumeThread("thread-1"));
        long started = System.nanoTime();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> session.findTurn("kept-key")).hasMessageContaining("not materialized");
        // asked once: not asked again for the 10 s a refusal after a turn's start is; the time only catches a hang
        assertThat(asked.get()).isEqualTo(1);
        assertThat(java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).as("not waited for").isLessThan(60);
    }

    @Test
    void aKeyIsCheckedWhereItIsGiven() {
        assertThat(TurnOptions.builder().key("k").build().key()).isEqualTo("k");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TurnOptions.builder().key("").build())
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TurnOptions.builder().key("a\nb").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TurnOptions.builder().key("x".repeat(201)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("200");
    }
}
