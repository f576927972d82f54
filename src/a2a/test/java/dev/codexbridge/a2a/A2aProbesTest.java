package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.callers.Readiness;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.LeaseLostException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A replica cut from its database, without a database: a context store whose pool times out
 * (HikariCP's {@link SQLTransientConnectionException}) and a readiness check that hangs. The call
 * is answered retryable ("the store did not answer … send again"), never "internal error", and
 * {@code /readyz} takes the replica out of rotation while {@code /healthz} still says it lives. A
 * call that met a conversation's lease (lost here, or held by another host) is answered the same
 * way, with when to send again (decision 0094).
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

    @Test
    void aCallThatMetAConversationsLeaseIsToldToSendAgainAndWhenNotInternalError() throws Exception {
        ConversationLease lease = new ConversationLease("0199a213-81c0-7800-8aa1-000000000001", "replica-a", "l-1", Instant.now());
        start(new UnreachableStore(() -> new CodexException("the context could not be opened", new LeaseLostException(lease,
                "it could not be renewed before it ran out (the store did not answer)"))), Readiness.always());
        JsonNode lost = A2aWire.JSON.readTree(send("POST", "/", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"GetTask\",\"params\":{\"id\":\"t-1\"}}",
                ALICE).body()).path("error");
        assertThat(lost.path("code").asInt()).isEqualTo(A2aError.UNSUPPORTED);
        assertThat(lost.path("message").asText()).startsWith("this replica lost the conversation's lease").contains("send again in 2 s")
                .doesNotContain("internal error").doesNotContain("Exception").doesNotContain("replica-a");
        assertThat(lost.toString()).contains("\"retryAfterSeconds\":\"2\"").contains("\"leaseLost\":\"true\"");
        server.close();

        start(new UnreachableStore(() -> new ConversationLeasedException(lease.threadId(), "replica-a", Instant.now().plusSeconds(5))),
                Readiness.always());
        HttpResponse<String> rest = send("GET", "/tasks/t-1", null, ALICE);
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(rest.body()).contains("held by another host of this agent").contains("\"conversationHeld\":\"true\"")
                .containsPattern("\"retryAfterSeconds\":\"[56]\"").doesNotContain("replica-a");
    }

    /** The shared context store's database gone: every read fails as {@code Sql} reports a pool that timed out (or as told). */
    private static final class UnreachableStore implements ContextStore {
        private final Supplier<RuntimeException> failure;

        UnreachableStore() {
            this(UnreachableStore::timedOut);
        }

        UnreachableStore(Supplier<RuntimeException> failure) {
            this.failure = failure;
        }

        private static CodexException timedOut() {
            return new CodexException("the A2A context store failed reading a task: codex-bridge-a2a-contexts - Connection is not "
                    + "available, request timed out after 3000ms.",
                    new SQLTransientConnectionException("HikariPool-1 - Connection is not available, request timed out after 3000ms.", "08001"));
        }

        @Override
        public Optional<StoredContext> context(String principal, String contextId) {
            throw failure.get();
        }

        @Override
        public Optional<StoredContext> contextOfTask(String taskId) {
            throw failure.get();
        }

        @Override
        public Optional<String> ownerOfThread(String threadId) {
            throw failure.get();
        }

        @Override
        public void save(StoredContext context) {
            throw failure.get();
        }
    }
}
