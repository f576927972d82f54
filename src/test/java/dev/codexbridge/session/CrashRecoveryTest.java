package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.client.ThreadOpens;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.session.internal.custody.ThreadCustody;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After codex stopped: a thread codex kept is resumed, one it never wrote down is replaced by a
 * fresh thread and reported, a resume codex does not answer is tried again without holding up
 * the next turn, and no message says codex could not be started when it started fine.
 */
class CrashRecoveryTest {
    /** What codex 0.169 answers for a thread it has no file of. */
    private static final String NO_ROLLOUT = "no rollout found for thread id %s";
    /** ... and for one whose file has no complete first line. */
    private static final String EMPTY_ROLLOUT = "failed to read thread: thread-store internal error: failed to read session metadata "
            + "/h/sessions/2026/11/22/rollout-2026-11-22T17-44-24-%1$s.jsonl: rollout at "
            + "/h/sessions/2026/11/22/rollout-2026-11-22T17-44-24-%1$s.jsonl is empty";

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.shared);
    private final FakeCodex codex = fake.codex();
    private CodexClient shared;

    private CodexClient sharedClient(ReconnectPolicy policy) {
        codex.distinctThreads = true;
        codex.scriptDelayMs = 0;
        shared = CodexClient.builder().transport(codex.factory()).reconnect(policy).connect();
        return shared;
    }

    private CodexSession session(CodexSession.Builder b) {
        CodexSession s = b.cwd(Path.of("/w")).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
        fake.track(s);
        return s;
    }

    private static CompletableFuture<JsonNode> refused(int code, String message) {
        return CompletableFuture.failedFuture(new RpcException("thread/resume", new RpcError(code, message)));
    }

    private void answerEveryTurn(String text) {
        codex.onThreadTurnStart = (thread, turn) -> {
            codex.notifyThread("item/completed", thread, turn,
                    "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m-" + turn + "\",\"text\":\"" + text + "\"}}");
            codex.completeThreadTurn(thread, turn, "completed");
        };
    }

    @Test
    void aThreadCodexNeverWroteIsReplacedByAFreshOneAndTheNextTurnSaysSo() throws Exception {
        CodexClient client = sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4));
        List<ThreadReplacement> told = new CopyOnWriteArrayList<>();
        CodexSession noFile = session(CodexSession.builder().client(client).onThreadReplaced(told::add));
        CodexSession emptyFile = session(CodexSession.builder().client(client).onThreadReplaced(told::add));
        CodexSession kept = session(CodexSession.builder().client(client).onThreadReplaced(told::add));
        String noFileThread = noFile.start();
        String emptyFileThread = emptyFile.start();
        String keptThread = kept.start();
        codex.resumeAnswer = id -> id.equals(noFileThread) ? refused(RpcError.INVALID_REQUEST, NO_ROLLOUT.formatted(id))
                : id.equals(emptyFileThread) ? refused(RpcError.INTERNAL_ERROR, EMPTY_ROLLOUT.formatted(id))
                : CompletableFuture.completedFuture(threadAnswer(id));

        // each turn gets under way (its id known to the session), then codex dies
        codex.onThreadTurnStart = (thread, turn) -> codex.notifyThread("item/started", thread, turn,
                "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m-" + turn + "\",\"text\":\"\"}}");
        AtomicInteger underWay = new AtomicInteger();
        TurnListener counting = new TurnListener() {
            @Override
            public void onItemStarted(dev.codexbridge.protocol.ThreadItem item) {
                underWay.incrementAndGet();
            }
        };
        List<CompletableFuture<TurnResult>> lost = new ArrayList<>();
        for (CodexSession s : List.of(noFile, emptyFile, kept)) {
            lost.add(s.runTurnAsync(TurnInput.text("never stored by " + s.threadId()), TurnOptions.DEFAULTS, counting));
        }
        waitUntil(() -> underWay.get() == 3);
        codex.die();
        for (CompletableFuture<TurnResult> t : lost) {
            TurnResult r = t.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
            assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
            assertThat(r.threadReplaced()).isNull();
        }

        // the client resumes every thread on its own; codex knows only one of them
        waitUntil(() -> told.size() == 2);
        assertThat(told).extracting(ThreadReplacement::previousThreadId).containsExactlyInAnyOrder(noFileThread, emptyFileThread);
        assertThat(noFile.threadId()).isNotEqualTo(noFileThread);
        assertThat(emptyFile.threadId()).isNotEqualTo(emptyFileThread);
        assertThat(kept.threadId()).isEqualTo(keptThread);
        assertThat(count("thread/start")).as("one fresh thread for each thread codex never wrote").isEqualTo(5);

        answerEveryTurn("back");
        Map<CodexSession, List<Object>> heard = new ConcurrentHashMap<>();
        for (CodexSession s : List.of(noFile, emptyFile, kept)) {
            List<Object> events = new CopyOnWriteArrayList<>();
            heard.put(s, events);
            TurnResult r = s.runTurn(TurnInput.text("again"), TurnOptions.DEFAULTS, new TurnListener() {
                @Override
                public void onThreadReplaced(ThreadReplacement replacement) {
                    events.add(replacement);
                }

                @Override
                public void onTranscript(List<dev.codexbridge.transcript.TranscriptMessage> messages) {
                    events.add("transcript");
                }
            });
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.finalText()).isEqualTo("back");
            assertThat(r.threadId()).isEqualTo(s.threadId());
        }
        for (int i = 0; i < 2; i++) {
            CodexSession s = i == 0 ? noFile : emptyFile;
            ThreadReplacement replaced = told.stream().filter(t -> t.threadId().equals(s.threadId())).findFirst().orElseThrow();
            assertThat(replaced.unstoredInput().toUserInputs()).isEqualTo(TurnInput.text("never stored by " + replaced.previousThreadId()).toUserInputs());
            assertThat(replaced.unstoredTurnId()).isEqualTo(lost.get(i).get().turnId()).isNotNull();
            assertThat(replaced.reason()).contains("codex has no record of thread " + replaced.previousThreadId())
                    .doesNotContain("could not be started");
            assertThat(heard.get(s)).as("the listener hears of it first, once").startsWith(replaced).containsOnlyOnce(replaced);
        }
        assertThat(heard.get(kept)).doesNotHaveAnyElementsOfTypes(ThreadReplacement.class);

        // reported by the first turn on the fresh thread only
        TurnResult later = noFile.runTurn(TurnInput.text("once more"));
        assertThat(later.threadReplaced()).isNull();
        assertThat(count("thread/resume")).as("each thread resumed once, none again").isEqualTo(3);
    }

    @Test
    void freshThreadsInPlaceOfUnwrittenOnesAreNeverRefusedByTheWindowTheReconnectFills() throws Exception {
        // one thread load at a time and no room to wait: a host's own request would be refused at once here
        oneLoadAtATime(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4));
        List<ThreadReplacement> told = new CopyOnWriteArrayList<>();
        List<CodexSession> sessions = new ArrayList<>();
        List<String> unwritten = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            CodexSession s = session(CodexSession.builder().client(shared).onThreadReplaced(told::add));
            sessions.add(s);
            unwritten.add(s.start());
        }
        codex.resumeAnswer = id -> refused(RpcError.INVALID_REQUEST, NO_ROLLOUT.formatted(id));
        codex.die();

        // the reconnect resumes each thread, codex knows none: each gets a fresh thread, none refused for capacity
        waitUntil(() -> told.size() == 12);
        assertThat(told).extracting(ThreadReplacement::previousThreadId).containsExactlyInAnyOrderElementsOf(unwritten);
        answerEveryTurn("back");
        for (CodexSession s : sessions) {
            TurnResult r = s.runTurn(TurnInput.text("again"));
            assertThat(r.status()).as("%s", r).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(unwritten).doesNotContain(r.threadId());
        }
    }

    /** A client whose window lets one thread load through at a time and none wait: a host's load finding it busy is refused. */
    private CodexClient oneLoadAtATime(ReconnectPolicy policy) {
        codex.distinctThreads = true;
        codex.scriptDelayMs = 0;
        shared = CodexClient.builder().transport(codex.factory()).reconnect(policy)
                .threadOpens(new ThreadOpens(1, 0, Duration.ofSeconds(30))).connect();
        return shared;
    }

    @Test
    void aReconnectsResumeTriedAgainAfterATimeoutIsNeverRefusedByTheWindow() throws Exception {
        CodexClient client = oneLoadAtATime(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4)
                .withResumes(Duration.ofSeconds(1), 3));
        CodexSession a = session(CodexSession.builder().client(client));
        CodexSession b = session(CodexSession.builder().client(client));
        a.start();
        b.start();
        // the first resume codex gets is never answered; the next, sent when the first's try times out, holds the window
        // for 300 ms (within its own second): the first's next try, sent as its first timed out, waits for the window meanwhile
        Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        AtomicInteger resumes = new AtomicInteger();
        CompletableFuture<Void> slowAnswered = new CompletableFuture<>();
        codex.resumeAnswer = id -> {
            tries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            return switch (resumes.incrementAndGet()) {
                case 1 -> new CompletableFuture<>();
                case 2 -> CompletableFuture.supplyAsync(() -> threadAnswer(id), CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS))
                        .whenComplete((r, e) -> slowAnswered.complete(null));
                default -> CompletableFuture.completedFuture(threadAnswer(id));
            };
        };
        codex.die();

        waitUntil(() -> slowAnswered.isDone() && tries.values().stream().anyMatch(n -> n.get() == 2));
        answerEveryTurn("back");
        for (CodexSession s : List.of(a, b)) {
            TurnResult r = s.runTurn(TurnInput.text("again"));
            assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
        }
        assertThat(resumes.get()).as("the reconnect's three tries, none by the turns").isEqualTo(3);
    }

    @Test
    void aTurnThatComesBeforeTheReconnectResumedItsThreadWaitsForThatRecoveryInsteadOfBeingRefused() throws Exception {
        // the reconnect resumes one thread at a time; the first resume codex gets is held until the test lets it go
        CodexClient client = oneLoadAtATime(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 1));
        CodexSession a = session(CodexSession.builder().client(client));
        CodexSession b = session(CodexSession.builder().client(client));
        a.start();
        b.start();
        CompletableFuture<JsonNode> held = new CompletableFuture<>();
        List<String> resumed = new CopyOnWriteArrayList<>();
        codex.resumeAnswer = id -> {
            resumed.add(id);
            return resumed.size() == 1 ? held.thenApply(x -> threadAnswer(id)) : CompletableFuture.completedFuture(threadAnswer(id));
        };
        codex.die();
        waitUntil(() -> resumed.size() == 1);
        CodexSession notYet = resumed.get(0).equals(a.threadId()) ? b : a;

        // the turn finds its thread not yet resumed and the window full: its resume is the recovery it waits for
        answerEveryTurn("back");
        CompletableFuture<TurnResult> turn = notYet.runTurnAsync(TurnInput.text("again"), TurnOptions.DEFAULTS, TurnListener.NONE);
        Thread.sleep(300);      // time for the turn to reach the window (a refusal there ends it at once)
        assertThat(turn).as("waiting, not refused").isNotDone();
        held.complete(null);
        TurnResult r = turn.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.threadId()).isEqualTo(notYet.threadId());
    }

    /** A turn of {@code s} under way when codex dies, codex then knowing nothing of its thread; the next turn's result. */
    private TurnResult nextTurnAfterCodexLostTheThread(CodexSession s) throws Exception {
        codex.resumeAnswer = id -> refused(RpcError.INVALID_REQUEST, NO_ROLLOUT.formatted(id));
        CompletableFuture<TurnResult> lost = s.runTurnAsync(TurnInput.text("lost words"), TurnOptions.DEFAULTS, TurnListener.NONE);
        waitUntil(() -> count("turn/start") == 1);
        codex.die();
        assertThat(lost.get(30, TimeUnit.SECONDS).error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);

        answerEveryTurn("fresh");
        TurnResult r = s.runTurn(TurnInput.text("next"));
        assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
        return r;
    }

    @Test
    void theFirstTurnOnTheFreshThreadCarriesTheReplacementInItsResultAndItsJson() throws Exception {
        CodexClient client = sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4));
        CodexSession s = session(CodexSession.builder().client(client));
        String first = s.start();
        TurnResult r = nextTurnAfterCodexLostTheThread(s);
        ThreadReplacement replaced = r.threadReplaced();
        assertThat(replaced).isNotNull();
        assertThat(replaced.previousThreadId()).isEqualTo(first);
        assertThat(replaced.threadId()).isEqualTo(r.threadId()).isEqualTo(s.threadId()).isNotEqualTo(first);
        JsonNode json = Json.parse(r.toJson()).path("threadReplaced");
        assertThat(json.path("previousThreadId").asText()).isEqualTo(first);
        assertThat(json.path("threadId").asText()).isEqualTo(s.threadId());
        assertThat(json.path("unstoredInput").get(0).path("text").asText()).isEqualTo("lost words");
        assertThat(json.path("reason").asText()).contains("no rollout found for thread id " + first);
    }

    @Test
    void withAStoreTheFreshThreadIsLeasedAndKnownLoadedSoItsTurnsAreStoredAndTheOldOnesLeaseGoesBack(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        CodexClient client = sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4));
        codex.threadNames = n -> String.format("0199a213-81c0-7800-8aa1-%012d", n);
        try (dev.codexbridge.store.DiskConversationStore store = dev.codexbridge.store.DiskConversationStore.open(tmp.resolve("store"))) {
            // turns are not exported here (the fake codex has no files): what a store of one would use is the lease and the place
            CodexSession s = session(CodexSession.builder().client(client)
                    .storage(ConversationStorage.builder(store, "host-1").exportAfterEachTurn(false).build()));
            String first = s.start();
            TurnResult r = nextTurnAfterCodexLostTheThread(s);
            assertThat(r.threadReplaced().previousThreadId()).isEqualTo(first);
            ThreadCustody custody = s.custody();
            custody.settled().get(60, TimeUnit.SECONDS);
            assertThat(custody.heldLease().current().threadId()).as("the fresh thread's own lease: a put under the old one is refused")
                    .isEqualTo(s.threadId());
            // the old thread's lease was given back: another host may take it at once
            store.release(store.lease(first, "host-2", Duration.ofSeconds(5)));
        }
    }

    @Test
    void aSessionWithItsOwnCodexReplacesAThreadTheDeadCodexNeverWrote() throws Exception {
        codex.scriptDelayMs = 0;
        CodexSession s = session(CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()));
        String first = s.start();
        codex.resumeAnswer = id -> refused(RpcError.INVALID_REQUEST, NO_ROLLOUT.formatted(id));
        codex.threadId = "thread-fresh";
        CompletableFuture<TurnResult> lost = s.runTurnAsync(TurnInput.text("lost"), TurnOptions.DEFAULTS, TurnListener.NONE);
        waitUntil(() -> count("turn/start") == 1);
        codex.die();
        assertThat(lost.get(30, TimeUnit.SECONDS).error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);

        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "fresh");
            f.completeTurn(turn, "completed", null);
        };
        TurnResult r = s.runTurn(TurnInput.text("next"));
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.threadReplaced().previousThreadId()).isEqualTo(first);
        assertThat(r.threadReplaced().threadId()).isEqualTo("thread-fresh");
        assertThat(r.threadReplaced().unstoredInput().toUserInputs()).isEqualTo(TurnInput.text("lost").toUserInputs());
        assertThat(codex.opens.get()).isEqualTo(2);
    }

    @Test
    void aThreadTheHostNamedThatCodexDoesNotKnowIsNeverReplacedAndTheMessageSaysWhatHappened() {
        CodexClient client = sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4));
        codex.resumeAnswer = id -> refused(RpcError.INVALID_REQUEST, NO_ROLLOUT.formatted(id));
        CodexSession s = session(CodexSession.builder().client(client).resumeThread("0199a429-4290-7429-8429-429042904290"));
        TurnResult r = s.runTurn(TurnInput.text("hello"));
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().message()).startsWith("codex has no record of thread 0199a429-4290-7429-8429-429042904290")
                .contains("no rollout found").doesNotContain("could not be started");
        assertThat(r.error().category()).as("an id holding 429 is no rate limit").isEqualTo(ErrorCategory.PROTOCOL);
        assertThat(r.threadReplaced()).isNull();
        assertThat(s.threadId()).isEqualTo("0199a429-4290-7429-8429-429042904290");
        assertThat(count("thread/start")).as("the host's thread is not swapped for another behind its back").isZero();
    }

    @Test
    void aResumeThatFailsOtherwiseSaysCodexCouldNotResumeTheThreadNotThatItCouldNotStart() throws Exception {
        CodexClient client = sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4));
        CodexSession s = session(CodexSession.builder().client(client));
        String thread = s.start();
        codex.resumeAnswer = id -> refused(RpcError.INTERNAL_ERROR, "thread-store internal error: disk on fire at /var/429/x");
        codex.die();
        waitUntil(() -> count("thread/resume") >= 1);
        TurnResult r = s.runTurn(TurnInput.text("hello"));
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().message()).isEqualTo("codex could not resume thread " + thread
                + ": thread-store internal error: disk on fire at /var/429/x (code -32603)");
        assertThat(r.error().category()).isEqualTo(ErrorCategory.PROTOCOL);
        assertThat(s.threadId()).isEqualTo(thread);

        codex.resumeAnswer = null;
        answerEveryTurn("fine");
        assertThat(s.runTurn(TurnInput.text("again")).status()).isEqualTo(TurnOutcome.COMPLETED);
    }

    @Test
    void aResumeCodexNeverAnswersDoesNotHoldUpTheNextTurn() throws Exception {
        // one try may take 10 min: a turn that waited for it would show, however slow the machine
        CodexClient client = sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4)
                .withResumes(Duration.ofMinutes(10), 3));
        CodexSession s = session(CodexSession.builder().client(client));
        String thread = s.start();
        AtomicInteger resumes = new AtomicInteger();
        codex.resumeAnswer = id -> resumes.incrementAndGet() == 1 ? new CompletableFuture<>()
                : CompletableFuture.completedFuture(threadAnswer(id));
        codex.die();
        waitUntil(() -> resumes.get() == 1);

        answerEveryTurn("not held up");
        long began = System.nanoTime();
        TurnResult r = s.runTurn(TurnInput.text("hello"));
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.threadId()).isEqualTo(thread);
        assertThat(tookMs).as("the turn sent one more resume instead of waiting out the first").isLessThan(60_000);
        assertThat(resumes.get()).isEqualTo(2);
    }

    @Test
    void aResumeAfterAReconnectIsTriedAgainAfterATimeoutOrOverloadWithinThePolicy() throws Exception {
        CodexClient client = sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4)
                .withResumes(Duration.ofMillis(300), 3));
        CodexSession silent = session(CodexSession.builder().client(client));
        CodexSession busy = session(CodexSession.builder().client(client));
        String silentThread = silent.start();
        String busyThread = busy.start();
        Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        codex.resumeAnswer = id -> {
            int n = tries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            if (id.equals(silentThread) && n < 3) {
                return new CompletableFuture<>();       // no answer twice, then one
            }
            if (id.equals(busyThread) && n < 2) {
                return refused(RpcError.SERVER_OVERLOADED, "Server overloaded; retry later.");
            }
            return CompletableFuture.completedFuture(threadAnswer(id));
        };
        codex.die();
        waitUntil(() -> tries.getOrDefault(silentThread, new AtomicInteger()).get() == 3
                && tries.getOrDefault(busyThread, new AtomicInteger()).get() == 2);
        answerEveryTurn("resumed");
        for (CodexSession s : List.of(silent, busy)) {
            TurnResult r = s.runTurn(TurnInput.text("go"));
            assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.threadReplaced()).isNull();
        }
        assertThat(tries.get(silentThread).get()).isEqualTo(3);
        assertThat(tries.get(busyThread).get()).isEqualTo(2);
    }

    @Test
    void whenEveryTryOfTheResumeGoesUnansweredTheNextTurnTriesAgainWithinTheSameBound() throws Exception {
        CodexClient client = sharedClient(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4)
                .withResumes(Duration.ofMillis(200), 2));
        CodexSession s = session(CodexSession.builder().client(client));
        s.start();
        AtomicInteger resumes = new AtomicInteger();
        codex.resumeAnswer = id -> {
            resumes.incrementAndGet();
            return new CompletableFuture<>();
        };
        codex.die();
        // both tries of the reconnect's resume went unanswered: the session let go of the connection
        waitUntil(() -> resumes.get() == 2 && s.client() == null);
        long began = System.nanoTime();
        TurnResult r = s.runTurn(TurnInput.text("go"));
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.TIMEOUT);
        assertThat(r.error().message()).startsWith("codex could not resume thread ").contains("got no response within 200 ms");
        assertThat(tookMs).as("two tries of 200 ms, not the session's 90 s").isLessThan(60_000);
        assertThat(resumes.get()).isEqualTo(4);
    }

    private static JsonNode threadAnswer(String id) {
        com.fasterxml.jackson.databind.node.ObjectNode r = Json.object();
        r.putObject("thread").put("id", id);
        return r;
    }

    private long count(String method) {
        return codex.received().stream().filter(m -> m.path("method").asText().equals(method)).count();
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 30 s");
            }
            Thread.sleep(10);
        }
    }
}
