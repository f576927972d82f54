package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.testkit.ModelReply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunctions;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The door as a handler of a reactive WebFlux application (on Reactor Netty, under a prefix of
 * its own), driven by openai-java against the real pinned codex on the scripted model: a response,
 * a stream whose first events reach the client while codex's model has not answered yet (each event
 * flushed as it comes, the event loop never blocked), Chat Completions streamed, a body past the
 * bound 413, a wrong key 401; after {@code close()}, a new turn refused "send again".
 */
class OpenAiWebFluxLiveTest {
    private static final String KEY = OpenAiJavaSdkLiveTest.ALICE;

    @Test
    void theDoorServesOpenAisApiAsAHandlerOfAReactiveApplication() throws Exception {
        try (LiveCodex live = LiveCodex.start("openai-webflux")) {
            OpenAiWebFluxHandler handler = OpenAiServer.builder().gateway(live.gateway()).models(OpenAiModels.of(live.codex()))
                    .authenticator(BearerTokens.of(Map.of(KEY, "alice"))).drainTimeout(Duration.ofSeconds(10)).maxRequestBytes(64 << 10)
                    .webFlux("/api/codex/v1");
            DisposableServer server = HttpServer.create().host("127.0.0.1").port(0).handle(new ReactorHttpHandlerAdapter(
                    RouterFunctions.toHttpHandler(RouterFunctions.route(RequestPredicates.path("/api/codex/v1/**"), handler)))).bindNow();
            String base = "http://127.0.0.1:" + server.port() + "/api/codex/v1";
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(base).apiKey(KEY).maxRetries(0).timeout(Duration.ofSeconds(90))
                    .build();
            try {
                live.model().enqueue(ModelReply.message("Served on WebFlux."));
                Response first = client.responses().create(ResponseCreateParams.builder().model("codex").input("hello").build());
                assertThat(OpenAiJavaSdkLiveTest.text(first)).isEqualTo("Served on WebFlux.");

                // the model holds its answer: the stream's first events must reach the client before it does
                CountDownLatch answer = new CountDownLatch(1);
                live.model().respondWhenEmpty(request -> {
                    try {
                        answer.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ModelReply.builder().streamedMessage(List.of("Streamed ", "on WebFlux.")).build();
                });
                StringBuilder deltas = new StringBuilder();
                try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
                        .model("codex").input("stream it").previousResponseId(first.id()).build())) {
                    Iterator<ResponseStreamEvent> events = stream.stream().iterator();
                    assertThat(events.next().isCreated()).as("before the model answered").isTrue();
                    assertThat(events.next().isInProgress()).isTrue();
                    answer.countDown();
                    ResponseStreamEvent last = null;
                    while (events.hasNext()) {
                        last = events.next();
                        last.outputTextDelta().ifPresent(d -> deltas.append(d.delta()));
                    }
                    assertThat(last).isNotNull();
                    assertThat(last.isCompleted()).isTrue();
                }
                live.model().respondWhenEmpty(null);
                assertThat(deltas).hasToString("Streamed on WebFlux.");

                live.model().enqueue(ModelReply.builder().streamedMessage(List.of("Chat ", "chunks.")).build());
                String chunks;
                try (StreamResponse<ChatCompletionChunk> chat = client.chat().completions().createStreaming(ChatCompletionCreateParams
                        .builder().model("codex").addUserMessage("chat").build())) {
                    chunks = chat.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
                            .collect(Collectors.joining());
                }
                assertThat(chunks).isEqualTo("Chat chunks.");

                HttpResponse<String> tooLarge = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/responses"))
                        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"" + "x".repeat(70_000) + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(tooLarge.statusCode()).isEqualTo(413);
                assertThat(tooLarge.body()).contains("request_too_large");

                DoorCarrierChecks.refusesAWrongKeyThenStopsAtItsClose(base, client, handler::conversationsHeld, 2, handler::close, live.model(), 3);
            } finally {
                client.close();
                handler.close();
                server.disposeNow();
            }
        }
    }
}
