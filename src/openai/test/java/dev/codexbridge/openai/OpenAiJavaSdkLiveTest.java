package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.Reasoning;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFormatTextJsonSchemaConfig;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseTextConfig;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official openai-java SDK against the door, the real pinned codex behind it on the test
 * kit's scripted model (one codex for the class, shared by its tests): a response created and
 * continued by {@code previous_response_id}, an older one refused; a stream in the order the SDK
 * parses; structured output; Chat Completions streamed and not, a re-sent history continuing its
 * thread; a busy conversation's 429; a stopping door's 503 and its answer to the turn in flight; the models; another principal's ids answered as unknown ones.
 */
class OpenAiJavaSdkLiveTest {
    static final String ALICE = "alice-key-0123456789abcdef";
    static final String BOB = "bob-key-0123456789abcdef00";

    private static Path dir;
    private static ScriptedModelServer model;
    private static CodexClient codex;
    private static CodexGateway gateway;
    private static OpenAiServer server;
    private static OpenAIClient alice;
    private static OpenAIClient bob;
    private static final WireSchema.Recorder WIRE = new WireSchema.Recorder();

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("openai-sdk");
        Path work = Files.createDirectories(dir.resolve("work"));
        model = ScriptedModelServer.start();
        Path home = IsolatedCodexHome.builder(Files.createTempDirectory(dir, "home"), model.baseUrl()).write();
        codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                .wireTap(WIRE).connect();
        gateway = CodexGateway.builder().client(codex)
                .configure(b -> b.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
        server = OpenAiServer.builder().gateway(gateway).models(OpenAiModels.of(codex))
                .authenticator(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob"))).start();
        alice = client(ALICE);
        bob = client(BOB);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {alice == null ? null : alice::close, bob == null ? null : bob::close, server, codex,
                model}) {
            if (c != null) {
                c.close();
            }
        }
        try {
            if (codex != null) {
                assertThat(WireSchema.pinned().validateConversation(WIRE)).as("every message sent to codex matches its schema").isEmpty();
            }
        } finally {
            TestDirs.delete(dir);
        }
    }

    private static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(server.uri() + "v1").apiKey(key).timeout(Duration.ofSeconds(120)).build();
    }

    static String text(Response r) {
        return r.output().stream().filter(ResponseOutputItem::isMessage).flatMap(i -> i.asMessage().content().stream())
                .filter(c -> c.isOutputText()).map(c -> c.asOutputText().text()).collect(Collectors.joining());
    }

    private static RecordedRequest lastModelRequest() {
        List<RecordedRequest> all = model.responsesRequests();
        return all.get(all.size() - 1);
    }

    @Test
    void aResponseIsCreatedContinuedByItsIdAndEachPrincipalSeesOnlyItsOwn() {
        model.enqueue(ModelReply.builder().message("First answer.").usage(21, 7).build(), ModelReply.message("Pelican."));
        Response first = alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("remember the word pelican")
                .instructions("Answer briefly.").metadata(ResponseCreateParams.Metadata.builder()
                        .putAdditionalProperty("ticket", JsonValue.from("T-1")).build()).build());
        assertThat(text(first)).isEqualTo("First answer.");
        assertThat(first.status()).hasValueSatisfying(s -> assertThat(s.asString()).isEqualTo("completed"));
        assertThat(first.usage()).hasValueSatisfying(u -> assertThat(u.totalTokens()).isPositive());
        assertThat(first.metadata()).hasValueSatisfying(m -> assertThat(m._additionalProperties().get("ticket")).isEqualTo(JsonValue.from("T-1")));
        assertThat(lastModelRequest().lastUserText()).hasValueSatisfying(t -> assertThat(t).contains("Answer briefly.", "pelican"));

        Response second = alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("which word?")
                .previousResponseId(first.id()).build());
        assertThat(text(second)).isEqualTo("Pelican.");
        // the same codex thread: the model saw the first prompt again, and only the new text as the user's turn
        assertThat(lastModelRequest().userTexts()).anySatisfy(t -> assertThat(t).contains("pelican"));
        assertThat(lastModelRequest().lastUserText()).contains("which word?");

        int requests = model.responsesRequests().size();
        assertThatThrownBy(() -> alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("again")
                .previousResponseId(first.id()).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.param()).contains("previous_response_id");
                    assertThat(e.getMessage()).contains(second.id());
                });

        assertThat(alice.responses().retrieve(first.id()).id()).isEqualTo(first.id());
        assertThat(alice.responses().inputItems().list(first.id()).data())
                .hasSize(1);
        // bob holding alice's ids: not found, as for ids nobody used, and nothing reaches codex
        assertThatThrownBy(() -> bob.responses().retrieve(first.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bob.responses().create(ResponseCreateParams.builder().model("gpt-5").input("tell me")
                .previousResponseId(second.id()).build())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bob.responses().delete(first.id())).isInstanceOf(NotFoundException.class);
        assertThat(model.responsesRequests()).hasSize(requests);

        alice.responses().delete(first.id());
        assertThatThrownBy(() -> alice.responses().retrieve(first.id())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aStreamComesInTheOrderTheSdkParsesItsDeltasJoiningToTheCompletedOutput() throws Exception {
        // codex reasons, runs a command of its own, then answers: each an output item in its order
        model.enqueue(ModelReply.builder().reasoning("Thinking about greetings.", null).execCommand("call-1", "echo from-codex").build(),
                ModelReply.message("Hello from a streamed codex turn."));
        List<ResponseStreamEvent> events;
        try (StreamResponse<ResponseStreamEvent> stream = alice.responses().createStreaming(ResponseCreateParams.builder()
                .model("gpt-5").input("say hello").build())) {
            events = stream.stream().collect(Collectors.toList());
        }
        assertThat(events.get(0).isCreated()).isTrue();
        assertThat(events.get(1).isInProgress()).isTrue();
        ResponseStreamEvent last = events.get(events.size() - 1);
        assertThat(last.isCompleted()).as("the last event").isTrue();
        List<Long> sequence = events.stream().map(e -> Json.parse(write(e)).path("sequence_number").asLong()).toList();
        for (int i = 1; i < sequence.size(); i++) {
            assertThat(sequence.get(i)).isEqualTo(sequence.get(i - 1) + 1);
        }
        String deltas = events.stream().filter(ResponseStreamEvent::isOutputTextDelta).map(e -> e.asOutputTextDelta().delta())
                .collect(Collectors.joining());
        Response completed = last.asCompleted().response();
        assertThat(deltas).isEqualTo(text(completed)).isEqualTo("Hello from a streamed codex turn.");
        assertThat(completed.output()).anySatisfy(i -> assertThat(i.isReasoning()).isTrue());
        // the reasoning summary as codex streamed it: its deltas, parsed by the SDK, join to the completed item's summary
        String summary = events.stream().filter(ResponseStreamEvent::isReasoningSummaryTextDelta)
                .map(e -> e.asReasoningSummaryTextDelta().delta()).collect(Collectors.joining());
        assertThat(summary).isEqualTo(completed.output().stream().filter(ResponseOutputItem::isReasoning).findFirst().orElseThrow()
                .asReasoning().summary().get(0).text()).isEqualTo("Thinking about greetings.");
        ResponseOutputItem.McpCall command = completed.output().stream().filter(ResponseOutputItem::isMcpCall).findFirst().orElseThrow()
                .asMcpCall();
        assertThat(command.serverLabel()).isEqualTo("codex");
        assertThat(command.name()).isEqualTo("exec_command");
        assertThat(command.arguments()).contains("echo from-codex");
        assertThat(command.output()).hasValueSatisfying(o -> assertThat(o).contains("from-codex"));
        int commandAdded = indexOf(events, e -> e.isOutputItemAdded() && e.asOutputItemAdded().item().isMcpCall());
        int commandDone = indexOf(events, e -> e.isOutputItemDone() && e.asOutputItemDone().item().isMcpCall());
        assertThat(commandAdded).isLessThan(commandDone);
        assertThat(events.get(commandAdded).asOutputItemAdded().outputIndex()).isEqualTo(events.get(commandDone).asOutputItemDone()
                .outputIndex());
        String messageId = completed.output().stream().filter(ResponseOutputItem::isMessage).findFirst().orElseThrow().asMessage().id();
        // the message item was added before its first delta, with the id and index it keeps
        int added = indexOf(events, e -> e.isOutputItemAdded() && e.asOutputItemAdded().item().isMessage());
        int firstDelta = indexOf(events, ResponseStreamEvent::isOutputTextDelta);
        assertThat(added).isLessThan(firstDelta);
        assertThat(events.get(added).asOutputItemAdded().item().asMessage().id()).isEqualTo(messageId);
        assertThat(events.get(firstDelta).asOutputTextDelta().itemId()).isEqualTo(messageId);
        assertThat(alice.responses().retrieve(completed.id()).output()).hasSize(completed.output().size());
    }

    @Test
    void aJsonSchemaFormatIsCodexsOutputSchemaAndTheEffortTheTurns() {
        model.enqueue(ModelReply.message("{\"answer\":42}"));
        ResponseFormatTextJsonSchemaConfig schema = ResponseFormatTextJsonSchemaConfig.builder().name("answer").strict(true)
                .schema(ResponseFormatTextJsonSchemaConfig.Schema.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("answer", Map.of("type", "integer"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("answer")))
                        .putAdditionalProperty("additionalProperties", JsonValue.from(false)).build())
                .build();
        // the input as a message item with an input_text part, a reasoning effort, and nothing stored
        ResponseInputItem question = ResponseInputItem.ofMessage(ResponseInputItem.Message.builder()
                .role(ResponseInputItem.Message.Role.USER).addInputTextContent("the answer?").build());
        Response r = alice.responses().create(ResponseCreateParams.builder().model("gpt-5").inputOfResponse(List.of(question))
                .reasoning(Reasoning.builder().effort(ReasoningEffort.LOW).build()).store(false)
                .text(ResponseTextConfig.builder().format(schema).build()).build());
        assertThat(Json.parse(text(r)).path("answer").asInt()).isEqualTo(42);
        JsonNode format = lastModelRequest().body().path("text").path("format");
        assertThat(format.path("type").asText()).isEqualTo("json_schema");
        assertThat(format.path("schema").path("required").get(0).asText()).isEqualTo("answer");
        assertThat(lastModelRequest().lastUserText()).contains("the answer?");
        JsonNode turnStart = WIRE.sent().stream().filter(m -> m.path("method").asText().equals("turn/start"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(turnStart.path("params").path("effort").asText()).isEqualTo("low");
        assertThatThrownBy(() -> alice.responses().retrieve(r.id())).as("store: false keeps nothing").isInstanceOf(NotFoundException.class);
    }

    @Test
    void chatCompletionsAnswerStreamedAndNotAndAReSentHistoryGoesOnWithItsThread() {
        model.enqueue(ModelReply.message("Hi, I am codex."), ModelReply.message("Still codex, streaming."));
        ChatCompletion first = alice.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-5")
                .addSystemMessage("You are terse.").addUserMessage("remember the word heron").build());
        assertThat(first.choices()).hasSize(1);
        assertThat(first.choices().get(0).index()).isZero();
        assertThat(first.choices().get(0).finishReason().asString()).isEqualTo("stop");
        assertThat(first.choices().get(0).message().content()).contains("Hi, I am codex.");

        ChatCompletionCreateParams again = ChatCompletionCreateParams.builder().model("gpt-5").addSystemMessage("You are terse.")
                .addUserMessage("remember the word heron").addMessage(first.choices().get(0).message()).addUserMessage("which bird?")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = alice.chat().completions().createStreaming(again)) {
            chunks = stream.stream().collect(Collectors.toList());
        }
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertThat(usage.choices()).isEmpty();
        assertThat(usage.usage()).hasValueSatisfying(u -> assertThat(u.totalTokens()).isPositive());
        List<ChatCompletionChunk> answer = chunks.subList(0, chunks.size() - 1);
        answer.forEach(c -> assertThat(c.choices()).singleElement().satisfies(ch -> assertThat(ch.index()).isZero()));
        assertThat(answer.get(answer.size() - 1).choices().get(0).finishReason()).hasValueSatisfying(f -> assertThat(f.asString())
                .isEqualTo("stop"));
        String content = answer.stream().map(c -> c.choices().get(0).delta().content().orElse("")).collect(Collectors.joining());
        assertThat(content).isEqualTo("Still codex, streaming.");
        // the same codex thread, sent only what is new
        assertThat(lastModelRequest().lastUserText()).contains("which bird?");
        assertThat(lastModelRequest().lastUserText().orElseThrow()).doesNotContain("heron");
        assertThat(lastModelRequest().userTexts()).anySatisfy(t -> assertThat(t).contains("heron"));
    }

    /**
     * A second request on a conversation whose turn still runs is refused 429 with
     * {@code retry-after} (nothing run, so the SDK may send it again), and the running turn still
     * answers.
     */
    @Test
    void aRequestOnAConversationWhoseTurnRunsIsBusyAndMaySafelyBeSentAgain() throws Exception {
        model.enqueue(ModelReply.message("Ready."));
        Response first = alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("get ready").build());
        CountDownLatch release = new CountDownLatch(1);
        int before = model.responsesRequests().size();
        holdModelUntil(release, "Done at last.");
        OpenAIClient once = OpenAIOkHttpClient.builder().baseUrl(server.uri() + "v1").apiKey(ALICE).maxRetries(0).build();
        try {
            CompletableFuture<Response> running = alice.async().responses().create(ResponseCreateParams.builder().model("gpt-5")
                    .input("take your time").previousResponseId(first.id()).build());
            model.awaitResponsesRequests(before + 1, Duration.ofSeconds(60));
            assertThatThrownBy(() -> once.responses().create(ResponseCreateParams.builder().model("gpt-5").input("and now?")
                    .previousResponseId(first.id()).build()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.code()).contains("conversation_busy");
                        assertThat(e.headers().values("retry-after")).containsExactly("1");
                        assertThat(e.headers().values("x-should-retry")).containsExactly("true");
                    });
            release.countDown();
            assertThat(text(running.get(60, TimeUnit.SECONDS))).isEqualTo("Done at last.");
            assertThat(model.responsesRequests()).as("the refused request reached no model").hasSize(before + 1);
        } finally {
            release.countDown();
            model.respondWhenEmpty(null);
            once.close();
        }
    }

    /**
     * A door that stops refuses a new turn 503 with {@code retry-after} (nothing run: another
     * replica serves it) and answers the turn in flight before it closes. A door of its own on the
     * class's gateway and codex.
     */
    @Test
    void aStoppingDoorRefusesNewTurnsAndAnswersTheOneInFlight() throws Exception {
        OpenAiServer stopping = OpenAiServer.builder().gateway(gateway).authenticator(BearerTokens.of(Map.of(ALICE, "alice")))
                .drainTimeout(Duration.ofSeconds(60)).start();
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(stopping.uri() + "v1").apiKey(ALICE).maxRetries(0)
                .timeout(Duration.ofSeconds(120)).build();
        CountDownLatch release = new CountDownLatch(1);
        int before = model.responsesRequests().size();
        holdModelUntil(release, "Answered while stopping.");
        try {
            CompletableFuture<Response> inFlight = client.async().responses().create(ResponseCreateParams.builder().model("gpt-5")
                    .input("a long one").build());
            model.awaitResponsesRequests(before + 1, Duration.ofSeconds(60));
            CompletableFuture<Void> closing = CompletableFuture.runAsync(stopping::close);
            // until the door stops, a request naming no known response is 404 and runs nothing; then it is refused first
            OpenAIServiceException refused = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (refused == null && System.nanoTime() < deadline) {
                try {
                    client.responses().create(ResponseCreateParams.builder().model("gpt-5").input("one more")
                            .previousResponseId("resp_nobody").build());
                } catch (NotFoundException notYet) {
                    continue;
                } catch (OpenAIServiceException e) {
                    refused = e;
                }
            }
            assertThat(refused).as("refused once the door stops").isNotNull();
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.code()).contains("server_stopping");
            assertThat(refused.headers().values("retry-after")).containsExactly("1");
            assertThat(refused.headers().values("x-should-retry")).containsExactly("true");
            release.countDown();
            assertThat(text(inFlight.get(60, TimeUnit.SECONDS))).isEqualTo("Answered while stopping.");
            closing.get(60, TimeUnit.SECONDS);
            assertThat(model.responsesRequests()).as("nothing of the refused requests reached the model").hasSize(before + 1);
        } finally {
            release.countDown();
            model.respondWhenEmpty(null);
            client.close();
            stopping.close();
        }
    }

    @Test
    void theModelsAreCodexsAndAWrongKeyIsRefused() {
        List<String> codexIds = OpenAiModels.of(codex).ids();
        assertThat(codexIds).isNotEmpty();
        assertThat(alice.models().list().data()).extracting(m -> m.id()).containsExactlyElementsOf(codexIds);
        OpenAIClient mallory = client("wrong-key-0123456789abcdef");
        try {
            assertThatThrownBy(() -> mallory.models().list()).isInstanceOf(UnauthorizedException.class);
        } finally {
            mallory.close();
        }
    }

    /** The model answers {@code answer} to the next unscripted request once {@code release} opens: a turn that runs until then. */
    private static void holdModelUntil(CountDownLatch release, String answer) {
        model.respondWhenEmpty(request -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ModelReply.message(answer);
        });
    }

    private static int indexOf(List<ResponseStreamEvent> events, java.util.function.Predicate<ResponseStreamEvent> p) {
        for (int i = 0; i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such event");
    }

    private static String write(Object value) {
        try {
            return ObjectMappers.jsonMapper().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
