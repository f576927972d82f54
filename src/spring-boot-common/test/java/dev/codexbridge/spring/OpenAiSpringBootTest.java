package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import dev.codexbridge.openai.OpenAiServlet;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code codex-bridge.openai.enabled=true} in a Spring Boot web application: the door is a servlet
 * on the application's own web server (Tomcat here) at {@code codex-bridge.openai.path}, and
 * openai-java pointed at the application's address runs turns on the real codex (scripted model):
 * a response, a stream, the models, a wrong key refused; nothing answers once the application
 * closed. In a reactive application the door is a WebFlux handler on its server (Netty on Boot 3.5,
 * Tomcat's reactive server on Boot 4).
 * Without a web server there is no door; a path that cannot be a mapping fails the start.
 * (Off by default: {@code SpringBootTest}s of the module run without the property, and
 * {@code A2aAbsentSpringBootTest} shows the starter's doors absent then.)
 */
class OpenAiSpringBootTest {
    private static final String TOKEN = "spring-openai-token-7a1c33";
    private static ScriptedModelServer model;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        model = ScriptedModelServer.start();
        dir = Files.createTempDirectory("spring-openai");
    }

    @AfterAll
    static void stop() {
        if (model != null) {
            model.close();
        }
    }

    private static SpringApplicationBuilder app(WebApplicationType web, String... more) throws Exception {
        Path run = Files.createTempDirectory(dir, "run");
        Path home = OfflineCodex.home(run.resolve("home"), model, "on-request");
        Path work = Files.createDirectories(run.resolve("work"));
        Path tokens = OfflineCodex.tokensFile("alice", TOKEN);
        return new SpringApplicationBuilder(HostApplication.class).web(web)
                .properties("codex-bridge.process.binary=" + OfflineCodex.binary(), "codex-bridge.process.codex-home=" + home,
                        "codex-bridge.session.cwd=" + work, "codex-bridge.session.turn-timeout=90s", "server.port=0",
                        "server.address=127.0.0.1", "codex-bridge.openai.shared-codex=true",
                        "codex-bridge.openai.tokens-file=" + tokens)
                .properties(more);
    }

    private static String text(Response r) {
        return r.output().stream().filter(ResponseOutputItem::isMessage).flatMap(i -> i.asMessage().content().stream())
                .filter(c -> c.isOutputText()).map(c -> c.asOutputText().text()).collect(Collectors.joining());
    }

    /** openai-java at {@code base}: a response answered {@code answer}, and one continuing it streamed as {@code deltas}. */
    private static void answersAndStreams(String base, String answer, List<String> deltas) {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(base).apiKey(TOKEN).maxRetries(0).timeout(Duration.ofSeconds(90))
                .build();
        try {
            model.enqueue(ModelReply.message(answer), ModelReply.builder().streamedMessage(deltas).build());
            Response first = client.responses().create(ResponseCreateParams.builder().model("codex").input("say hello").build());
            assertThat(text(first)).isEqualTo(answer);
            List<ResponseStreamEvent> events;
            try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
                    .model("codex").input("stream it").previousResponseId(first.id()).build())) {
                events = stream.stream().collect(Collectors.toList());
            }
            assertThat(events.get(events.size() - 1).isCompleted()).isTrue();
            assertThat(events.stream().filter(ResponseStreamEvent::isOutputTextDelta).map(e -> e.asOutputTextDelta().delta())
                    .collect(Collectors.joining())).isEqualTo(String.join("", deltas));
            assertThat(client.models().list().data()).as("codex's models").isNotEmpty();
        } finally {
            client.close();
        }
    }

    @Test
    void openAisSdkRunsTurnsThroughTheApplicationsOwnWebServer() throws Exception {
        URI models;
        try (ConfigurableApplicationContext app = app(WebApplicationType.SERVLET, "codex-bridge.openai.enabled=true",
                "codex-bridge.openai.path=/api/openai/v1", "codex-bridge.openai.conversations-per-principal=7").run()) {
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + "/api/openai/v1";
            models = URI.create(base + "/models");
            answersAndStreams(base, "Hello from codex in Spring.", List.of("Streamed ", "from Spring."));
            OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(base).apiKey("wrong-token-0123456789abcdef").maxRetries(0).build();
            try {
                assertThatThrownBy(() -> wrong.models().list()).isInstanceOf(UnauthorizedException.class);
            } finally {
                wrong.close();
            }
            assertThat(app.getBean(OpenAiServlet.class)).isNotNull();
        }
        HttpClient http = HttpClient.newHttpClient();
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(models).build(), HttpResponse.BodyHandlers.ofString()))
                .as("nothing answers once the application closed").isInstanceOf(ConnectException.class);
    }

    @Test
    void inAReactiveApplicationTheDoorIsAWebFluxHandlerOnItsOwnServer() throws Exception {
        URI models;
        try (ConfigurableApplicationContext app = app(WebApplicationType.REACTIVE, "codex-bridge.openai.enabled=true",
                "codex-bridge.openai.path=/api/openai/v1").run()) {
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + "/api/openai/v1";
            models = URI.create(base + "/models");
            answersAndStreams(base, "Hello from reactive Spring.", List.of("Streamed ", "reactively."));
            assertThat(app.getBean(dev.codexbridge.openai.OpenAiWebFluxHandler.class)).isNotNull();
            assertThat(app.getBeanNamesForType(OpenAiServlet.class)).as("no servlet in a reactive application").isEmpty();
        }
        HttpClient http = HttpClient.newHttpClient();
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(models).build(), HttpResponse.BodyHandlers.ofString()))
                .as("nothing answers once the application closed").isInstanceOf(ConnectException.class);
    }

    @Test
    void withoutAWebServerThereIsNoDoorAndAPathThatCannotBeAMappingFailsTheStart() throws Exception {
        try (ConfigurableApplicationContext app = app(WebApplicationType.NONE, "codex-bridge.openai.enabled=true").run()) {
            assertThat(app.getBeanNamesForType(OpenAiServlet.class)).as("no servlet web server to serve it").isEmpty();
        }
        assertThatThrownBy(() -> app(WebApplicationType.SERVLET, "codex-bridge.openai.enabled=true", "codex-bridge.openai.path=/v1/")
                .run().close())
                .hasStackTraceContaining("codex-bridge.openai.path must start with / and end without one");
    }
}
