package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.ResponseCreateParams;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.tool.DynamicTool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The door's refusals, with no codex behind it, read by the official openai-java SDK where it can
 * send the request (its exceptions carry OpenAI's error body: status, type, param, code) and by
 * plain HTTP where it cannot (a malformed or oversized body). Nothing refused reaches the session
 * source.
 */
class OpenAiErrorsTest {
    static final String ALICE = "alice-key-0123456789abcdef";
    private static final AtomicInteger OPENED = new AtomicInteger();
    private static OpenAiServer server;
    private static OpenAIClient alice;

    @BeforeAll
    static void start() {
        OpenAiSessions none = new OpenAiSessions() {
            @Override
            public CodexSession open(String principal, List<DynamicTool> tools, ApprovalHandler caller) {
                OPENED.incrementAndGet();
                throw new IllegalStateException("no codex in this test");
            }

            @Override
            public CodexSession resume(String principal, String threadId, List<DynamicTool> tools, ApprovalHandler caller) {
                OPENED.incrementAndGet();
                throw new IllegalStateException("no codex in this test");
            }
        };
        server = OpenAiServer.builder().sessions(none).models(() -> List.of("gpt-test", "gpt-other"))
                .authenticator(BearerTokens.of(Map.of(ALICE, "alice"))).maxRequestBytes(4096).start();
        alice = client(ALICE);
    }

    @AfterAll
    static void stop() {
        alice.close();
        server.close();
    }

    static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(server.uri() + "v1").apiKey(key).maxRetries(0).build();
    }

    @Test
    void aWrongKeyIs401InOpenAisShape() {
        int opened = OPENED.get();
        OpenAIClient mallory = client("not-a-key-of-anyone-here");
        try {
            assertThatThrownBy(() -> mallory.responses().create(ResponseCreateParams.builder().model("gpt-test").input("hi").build()))
                    .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(401);
                        assertThat(e.code()).contains("invalid_api_key");
                    });
        } finally {
            mallory.close();
        }
        assertThat(OPENED).as("nothing reached the session source").hasValue(opened);
    }

    @Test
    void anUnknownResponseIdIs404AndAnUnsupportedParameterIs400NamingIt() {
        int opened = OPENED.get();
        assertThatThrownBy(() -> alice.responses().retrieve("resp_nobody"))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.getMessage()).contains("resp_nobody"));
        assertThatThrownBy(() -> alice.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-test")
                .addUserMessage("hi").n(2).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.param()).contains("n");
                    assertThat(e.type()).contains("invalid_request_error");
                });
        assertThatThrownBy(() -> alice.responses().create(ResponseCreateParams.builder().model("gpt-test").input("hi")
                .previousResponseId("resp_nobody").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.param()).contains("previous_response_id"));
        assertThat(OPENED).as("nothing reached the session source").hasValue(opened);
    }

    @Test
    void aConversationThatCannotBeOpenedIsSentAgainLaterNothingRun() {
        assertThatThrownBy(() -> alice.responses().create(ResponseCreateParams.builder().model("gpt-test").input("hi").build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.headers().values("retry-after")).containsExactly("2");
                    assertThat(e.headers().values("x-should-retry")).containsExactly("true");
                });
    }

    @Test
    void theModelsListIsServedAndAnUnknownModelIs404() {
        assertThat(alice.models().list().data()).extracting(m -> m.id()).containsExactly("gpt-test", "gpt-other");
        assertThat(alice.models().retrieve("gpt-other").ownedBy()).isEqualTo("codex");
        assertThatThrownBy(() -> alice.models().retrieve("gpt-nothing")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aMalformedOrOversizedBodyIsAClearErrorAndNothingRuns() throws Exception {
        int opened = OPENED.get();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> malformed = http.send(post("{\"input\": \"hi\""), HttpResponse.BodyHandlers.ofString());
        assertThat(malformed.statusCode()).isEqualTo(400);
        JsonNode error = Json.parse(malformed.body()).path("error");
        assertThat(error.path("message").asText()).startsWith("We could not parse the JSON body of your request");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();

        HttpResponse<String> oversized = http.send(post("{\"input\":\"" + "x".repeat(5000) + "\"}"), HttpResponse.BodyHandlers.ofString());
        assertThat(oversized.statusCode()).isEqualTo(413);
        assertThat(Json.parse(oversized.body()).path("error").path("code").asText()).isEqualTo("request_too_large");
        assertThat(OPENED).as("nothing reached the session source").hasValue(opened);
    }

    private static HttpRequest post(String body) {
        return HttpRequest.newBuilder(URI.create(server.uri() + "v1/responses")).header("Authorization", "Bearer " + ALICE)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
