package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseRetrieveParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.protocol.ThreadTurnsListParams;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Background responses through the official openai-java SDK, the real pinned codex behind the door
 * on the scripted model (one codex for the class): answered at once and read until they end; a
 * stream its caller left picked up again from its last event, the turn having run on; a cancel
 * interrupting codex's turn, answered again as it is; what cannot be cancelled or streamed again.
 */
class OpenAiBackgroundLiveTest {
    private static final String ALICE = OpenAiJavaSdkLiveTest.ALICE;
    private static final String BOB = OpenAiJavaSdkLiveTest.BOB;

    private static Path dir;
    private static ScriptedModelServer model;
    private static CodexClient codex;
    private static OpenAiServer server;
    private static OpenAIClient alice;
    private static OpenAIClient bob;
    private static final List<String> opened = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("openai-background");
        Path work = Files.createDirectories(dir.resolve("work"));
        model = ScriptedModelServer.start();
        Path home = IsolatedCodexHome.builder(Files.createTempDirectory(dir, "home"), model.baseUrl()).write();
        codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                .connect();
        CodexGateway gateway = CodexGateway.builder().client(codex).onOpen(s -> opened.add(s.threadId()))
                .configure(b -> b.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
        server = OpenAiServer.builder().gateway(gateway).authenticator(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob"))).start();
        alice = client(ALICE);
        bob = client(BOB);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (AutoCloseable c : new AutoCloseable[] {alice == null ? null : alice::close, bob == null ? null : bob::close, server,
                    codex, model}) {
                if (c != null) {
                    c.close();
                }
            }
        } finally {
            TestDirs.delete(dir);
        }
    }

    private static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(server.uri() + "v1").apiKey(key).maxRetries(0).timeout(Duration.ofSeconds(120))
                .build();
    }

    private static String text(Response r) {
        return r.output().stream().filter(ResponseOutputItem::isMessage).flatMap(i -> i.asMessage().content().stream())
                .filter(c -> c.isOutputText()).map(c -> c.asOutputText().text()).collect(Collectors.joining());
    }

    private static ResponseCreateParams background(String input) {
        return ResponseCreateParams.builder().model("gpt-5").input(input).background(true).build();
    }

    /** Reads {@code id} until it leaves queued and in_progress (the SDK's documented polling). */
    private static Response polled(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Response r = alice.responses().retrieve(id);
        while (isRunning(r) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            r = alice.responses().retrieve(id);
        }
        return r;
    }

    private static boolean isRunning(Response r) {
        return r.status().map(s -> s.equals(ResponseStatus.QUEUED) || s.equals(ResponseStatus.IN_PROGRESS)).orElse(true);
    }

    private static long sequence(ResponseStreamEvent e) {
        try {
            return Json.parse(ObjectMappers.jsonMapper().writeValueAsString(e)).path("sequence_number").asLong();
        } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    /** The model answers {@code reply} to the next unscripted request once {@code release} opens: a turn that runs until then. */
    private static void holdModelUntil(CountDownLatch release, ModelReply reply) {
        holdModelUntil(model, release, reply);
    }

    /** {@code model} answers {@code reply} to the next unscripted request once {@code release} opens. */
    static void holdModelUntil(ScriptedModelServer model, CountDownLatch release, ModelReply reply) {
        model.respondWhenEmpty(request -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return reply;
        });
    }

    @Test
    void aBackgroundResponseIsAnsweredAtOnceAndReadUntilItEnds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        int before = model.responsesRequests().size();
        holdModelUntil(release, ModelReply.message("Done in the background."));
        try {
            Response created = alice.responses().create(background("work on it"));
            assertThat(created.background()).contains(true);
            assertThat(isRunning(created)).as("answered while codex's turn runs: %s", created.status()).isTrue();
            model.awaitResponsesRequests(before + 1, Duration.ofSeconds(60));
            assertThat(alice.responses().retrieve(created.id()).status()).contains(ResponseStatus.IN_PROGRESS);
            assertThatThrownBy(() -> bob.responses().retrieve(created.id())).isInstanceOf(NotFoundException.class);
            // the conversation runs its turn: continuing it now is "busy, send again", nothing run
            assertThatThrownBy(() -> alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("and?")
                    .previousResponseId(created.id()).build()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.code()).contains("conversation_busy"));
            release.countDown();
            Response done = polled(created.id());
            assertThat(done.status()).contains(ResponseStatus.COMPLETED);
            assertThat(text(done)).isEqualTo("Done in the background.");
            assertThat(model.responsesRequests()).hasSize(before + 1);

            model.enqueue(ModelReply.message("Continued."));
            Response next = alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("go on")
                    .previousResponseId(created.id()).build());
            assertThat(text(next)).isEqualTo("Continued.");
        } finally {
            release.countDown();
            model.respondWhenEmpty(null);
        }
    }

    @Test
    void aBackgroundStreamItsCallerLeftIsPickedUpAgainFromItsLastEventTheTurnHavingRunOn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        int before = model.responsesRequests().size();
        holdModelUntil(release, ModelReply.builder().streamedMessage(List.of("Picked ", "up ", "again.")).build());
        try {
            List<ResponseStreamEvent> first = new ArrayList<>();
            String id;
            try (StreamResponse<ResponseStreamEvent> stream = alice.responses().createStreaming(ResponseCreateParams.builder()
                    .model("gpt-5").input("stream it").background(true).build())) {
                var events = stream.stream().iterator();
                first.add(events.next());
                first.add(events.next());
                id = first.get(0).asCreated().response().id();
                assertThat(first.get(0).asCreated().response().status()).contains(ResponseStatus.QUEUED);
                assertThat(first.get(1).isInProgress()).isTrue();
                model.awaitResponsesRequests(before + 1, Duration.ofSeconds(60));
            }
            // the caller left; the turn runs on
            release.countDown();
            assertThat(polled(id).status()).contains(ResponseStatus.COMPLETED);

            List<ResponseStreamEvent> rest;
            try (StreamResponse<ResponseStreamEvent> again = alice.responses().retrieveStreaming(id, ResponseRetrieveParams.builder()
                    .startingAfter(sequence(first.get(1))).build())) {
                rest = again.stream().collect(Collectors.toList());
            }
            assertThat(sequence(rest.get(0))).isEqualTo(sequence(first.get(1)) + 1);
            for (int i = 1; i < rest.size(); i++) {
                assertThat(sequence(rest.get(i))).isEqualTo(sequence(rest.get(i - 1)) + 1);
            }
            ResponseStreamEvent last = rest.get(rest.size() - 1);
            assertThat(last.isCompleted()).isTrue();
            String deltas = rest.stream().filter(ResponseStreamEvent::isOutputTextDelta).map(e -> e.asOutputTextDelta().delta())
                    .collect(Collectors.joining());
            assertThat(deltas).isEqualTo(text(last.asCompleted().response())).isEqualTo("Picked up again.");

            List<ResponseStreamEvent> whole;
            try (StreamResponse<ResponseStreamEvent> all = alice.responses().retrieveStreaming(id)) {
                whole = all.stream().collect(Collectors.toList());
            }
            assertThat(whole).as("the whole stream again, as it was first sent").hasSize(first.size() + rest.size());
            assertThat(whole.get(0).isCreated()).isTrue();
            assertThatThrownBy(() -> bob.responses().retrieveStreaming(id).stream().count()).isInstanceOf(NotFoundException.class);
        } finally {
            release.countDown();
            model.respondWhenEmpty(null);
        }
    }

    @Test
    void aCancelInterruptsCodexsTurnAndIsAnsweredAgainAsItIs() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        int before = model.responsesRequests().size();
        holdModelUntil(release, ModelReply.message("Too late."));
        try {
            Response created = alice.responses().create(background("a long job"));
            model.awaitResponsesRequests(before + 1, Duration.ofSeconds(60));
            assertThatThrownBy(() -> bob.responses().cancel(created.id())).isInstanceOf(NotFoundException.class);
            Response cancelled = alice.responses().cancel(created.id());
            assertThat(cancelled.status()).contains(ResponseStatus.CANCELLED);
            assertThat(alice.responses().retrieve(created.id()).status()).contains(ResponseStatus.CANCELLED);
            assertThat(alice.responses().cancel(created.id()).status()).as("cancelled again: as it is").contains(ResponseStatus.CANCELLED);
            List<ResponseStreamEvent> events;
            try (StreamResponse<ResponseStreamEvent> all = alice.responses().retrieveStreaming(created.id())) {
                events = all.stream().collect(Collectors.toList());
            }
            ResponseStreamEvent last = events.get(events.size() - 1);
            assertThat(last.isIncomplete()).as("the API's terminal event for a response cut short").isTrue();
            assertThat(last.asIncomplete().response().status()).contains(ResponseStatus.CANCELLED);

            String thread = opened.get(opened.size() - 1);
            List<Turn> turns = codex.threadTurnsList(ThreadTurnsListParams.builder().threadId(thread).limit(10L).build()).data();
            assertThat(turns).as("codex's own record").hasSize(1);
            assertThat(turns.get(0).status()).isEqualTo(TurnStatus.INTERRUPTED);
            release.countDown();
            model.respondWhenEmpty(null);

            model.enqueue(ModelReply.message("After the cancel."));
            Response next = alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("start again")
                    .previousResponseId(created.id()).build());
            assertThat(text(next)).isEqualTo("After the cancel.");
        } finally {
            release.countDown();
            model.respondWhenEmpty(null);
        }
    }

    @Test
    void whatCannotBeCancelledOrStreamedAgainIsRefusedNamingWhy() throws Exception {
        model.enqueue(ModelReply.message("In the foreground."), ModelReply.message("Finished first."));
        Response foreground = alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("now").build());
        assertThat(foreground.background()).contains(false);
        assertThatThrownBy(() -> alice.responses().cancel(foreground.id()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains("background=true"));
        assertThatThrownBy(() -> alice.responses().retrieveStreaming(foreground.id()).stream().count())
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("stream"));

        Response ended = polled(alice.responses().create(background("quick")).id());
        assertThat(ended.status()).contains(ResponseStatus.COMPLETED);
        assertThatThrownBy(() -> alice.responses().cancel(ended.id()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains("completed"));

        int requests = model.responsesRequests().size();
        assertThatThrownBy(() -> alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("x").background(true)
                .store(false).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("background"));
        assertThat(model.responsesRequests()).as("nothing refused reached the model").hasSize(requests);
    }
}
