package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.testkit.ModelReply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/**
 * The door as a servlet in a servlet container of the application's (Jetty's, here, under a
 * context path and a prefix of its own), driven by openai-java against the real pinned codex on
 * the scripted model: a response, a stream, a background response and its cancel, Chat
 * Completions streamed, a wrong key; after {@code close()}, a new turn refused "send again".
 */
class OpenAiServletLiveTest {
    private static final String KEY = OpenAiJavaSdkLiveTest.ALICE;

    @Test
    void theDoorServesOpenAisApiAsAServletOfTheApplicationsContainer() throws Exception {
        try (LiveCodex live = LiveCodex.start("openai-servlet")) {
            OpenAiServlet servlet = OpenAiServer.builder().gateway(live.gateway()).models(OpenAiModels.of(live.codex()))
                    .authenticator(BearerTokens.of(Map.of(KEY, "alice"))).drainTimeout(Duration.ofSeconds(10)).servlet();
            Server container = new Server();
            ServerConnector connector = new ServerConnector(container);
            connector.setHost("127.0.0.1");
            container.addConnector(connector);
            ServletContextHandler app = new ServletContextHandler("/app");
            app.addServlet(new ServletHolder(servlet), "/codex/v1/*");
            container.setHandler(app);
            container.start();
            String base = "http://127.0.0.1:" + connector.getLocalPort() + "/app/codex/v1";
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(base).apiKey(KEY).maxRetries(0).timeout(Duration.ofSeconds(90))
                    .build();
            try {
                live.model().enqueue(ModelReply.message("Served by a servlet."),
                        ModelReply.builder().streamedMessage(List.of("Streamed ", "by a servlet.")).build(),
                        ModelReply.builder().streamedMessage(List.of("Chat ", "chunks.")).build(),
                        ModelReply.message("In the background."));
                Response first = client.responses().create(ResponseCreateParams.builder().model("codex").input("hello").build());
                assertThat(text(first)).isEqualTo("Served by a servlet.");

                List<ResponseStreamEvent> events;
                try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
                        .model("codex").input("stream it").previousResponseId(first.id()).build())) {
                    events = stream.stream().collect(Collectors.toList());
                }
                assertThat(events.get(0).isCreated()).isTrue();
                assertThat(events.get(events.size() - 1).isCompleted()).isTrue();
                assertThat(events.stream().filter(ResponseStreamEvent::isOutputTextDelta).map(e -> e.asOutputTextDelta().delta())
                        .collect(Collectors.joining())).isEqualTo("Streamed by a servlet.");

                String chunks;
                try (StreamResponse<ChatCompletionChunk> chat = client.chat().completions().createStreaming(ChatCompletionCreateParams
                        .builder().model("codex").addUserMessage("chat").build())) {
                    chunks = chat.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
                            .collect(Collectors.joining());
                }
                assertThat(chunks).isEqualTo("Chat chunks.");

                Response background = client.responses().create(ResponseCreateParams.builder().model("codex").input("later")
                        .background(true).build());
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                Response polled = client.responses().retrieve(background.id());
                while (polled.status().filter(s -> s.equals(ResponseStatus.QUEUED) || s.equals(ResponseStatus.IN_PROGRESS)).isPresent()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    polled = client.responses().retrieve(background.id());
                }
                assertThat(text(polled)).isEqualTo("In the background.");

                DoorCarrierChecks.refusesAWrongKeyThenStopsAtItsClose(base, client, servlet::conversationsHeld, 3, servlet::close, live.model(), 4);
            } finally {
                client.close();
                servlet.close();
                container.stop();
            }
        }
    }

    private static String text(Response r) {
        return r.output().stream().filter(ResponseOutputItem::isMessage).flatMap(i -> i.asMessage().content().stream())
                .filter(c -> c.isOutputText()).map(c -> c.asOutputText().text()).collect(Collectors.joining());
    }
}
