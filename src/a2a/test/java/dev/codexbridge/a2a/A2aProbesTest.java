package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.callers.Readiness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A replica cut from its database, without a database: a context store whose pool times out
 * (HikariCP's {@link SQLTransientConnectionException}) and a readiness check that hangs. The call
 * is answered retryable ("the store did not answer … send again"), never "internal error", and
 * {@code /readyz} takes the replica out of rotation while {@code /healthz} still says it lives.
 */
class A2aProbesTest {
    private static final String ALICE = "alice-token-0123456789";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final CountDownLatch storeAnswers = new CountDownLatch(1);
    private A2aServer server;

    @AfterEach
    void stop() {
        storeAnswers.countDown();
        if (server != null) {
            server.close();
        }
    }

    private void start(ContextStore contexts, Readiness readiness) {
        server = A2aServer.builder().tokens(BearerTokens.of(Map.of(ALICE, "alice"))).contexts(contexts).readiness(readiness)
                .sessions((principal, context, approvals) -> {
                    throw new IllegalStateException("no codex in this test");
                }).start();
    }

    @Test
    void aCallWhoseStoreDidNotAnswerIsToldToSendAgainOnBothBindings() throws Exception {
        start(new UnreachableStore(), Readiness.always());
        HttpResponse<String> rpc = send("POST", "/", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"GetTask\",\"params\":{\"id\":\"t-1\"}}", ALICE);
        JsonNode error = A2aWire.JSON.readTree(rpc.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(A2aError.UNSUPPORTED);
        assertThat(error.path("message").asText()).startsWith("the store did not answer: nothing was done; send again in 2 s")
                .doesNotContain("internal error").doesNotContain("HikariPool").doesNotContain("Exception");
        assertThat(A2aWire.JSON.readTree(rpc.body()).path("id").asInt()).isEqualTo(7);
        HttpResponse<String> rest = send("GET", "/tasks/t-1", null, ALICE);
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(rest.body()).contains("the store did not answer").contains("\"retryAfterSeconds\":\"2\"").doesNotContain("HikariPool");
    }

    @Test
    void theProbesNeedNoTokenAndReadyzFollowsTheStore() throws Exception {
        start(ContextStore.inMemory(10), Readiness.checking(() -> {
            try {
                storeAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, Duration.ofMillis(100)));
        HttpResponse<String> ready = send("GET", "/readyz", null, null);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body().strip()).isEqualTo("store: unavailable");
        HttpResponse<String> alive = send("GET", "/healthz", null, null);
        assertThat(alive.statusCode()).isEqualTo(200);
        assertThat(alive.body().strip()).isEqualTo("alive");
        assertThat(send("POST", "/readyz", "{}", null).statusCode()).isEqualTo(405);
    }

    @Test
    void aServerThatAnswersIsReadyUntilItStops() throws Exception {
        Readiness readiness = Readiness.always();
        start(ContextStore.inMemory(10), readiness);
        HttpResponse<String> ready = send("GET", "/readyz", null, null);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body().strip()).isEqualTo("ready");
        readiness.close();
        assertThat(send("GET", "/readyz", null, null).body().strip()).isEqualTo("stopping");
    }

    private HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri().toString()).resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The shared context store's database gone: every read fails as {@code Sql} reports a pool that timed out. */
    private static final class UnreachableStore implements ContextStore {
        private static CodexException timedOut() {
            return new CodexException("the A2A context store failed reading a task: codex-bridge-a2a-contexts - Connection is not "
                    + "available, request timed out after 3000ms.",
                    new SQLTransientConnectionException("HikariPool-1 - Connection is not available, request timed out after 3000ms.", "08001"));
        }

        @Override
        public Optional<StoredContext> context(String contextId) {
            throw timedOut();
        }

        @Override
        public Optional<StoredContext> contextOfTask(String taskId) {
            throw timedOut();
        }

        @Override
        public Optional<String> ownerOfThread(String threadId) {
            throw timedOut();
        }

        @Override
        public void save(StoredContext context) {
            throw timedOut();
        }
    }
}
