package dev.codexbridge.mcp;

import static dev.codexbridge.mcp.HttpProbe.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.json.Json;
import dev.codexbridge.mcp.HttpProbe.Answer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How long an MCP session lives over Streamable HTTP: a client that keeps no GET stream open (the
 * specification lets it) is served for the server's idle timeout after its last request, however
 * often the SDK's keep-alive runs and idle sessions are looked for; then its next request is a
 * JSON-RPC 404, the SDK has forgotten the session and its place is free. A call or a GET stream
 * longer than the lifetime does not end it. A lifetime of 2 s and timers of 100 ms stand for a
 * running server's 30 minutes, its minute between looks and the SDK's 30 s keep-alive (which,
 * with the SDK's own sweep at that interval, ended such a session after one or two quiet intervals).
 */
class McpSessionLifetimeTest {
    private static final String ALICE = "alice-token-0123456789";
    private static final Duration LIFETIME = Duration.ofSeconds(2);
    private static final Duration SHORT = Duration.ofMillis(100);
    private static final String LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

    private final CountDownLatch callMayEnd = new CountDownLatch(1);
    private CodexMcpServer server;
    private McpHttpServer http;

    private void start(Duration keepAlive) {
        // a call's conversation is refused (no codex) when the test lets it: a call as long as the test wants
        server = CodexMcpServer.builder().sessions(NoCodex.refusingAfter(callMayEnd)).limits(McpLimits.DEFAULTS.withSessionsPerPrincipal(1))
                .build();
        http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(ALICE, "alice"))).sessionIdleTimeout(LIFETIME)
                .timers(SHORT, keepAlive).start();
    }

    @AfterEach
    void stop() {
        callMayEnd.countDown();
        http.close();
        server.close();
    }

    @Test
    void aSessionWithoutAGetStreamIsServedForItsLifetimeThenEndsAndGivesItsPlaceBack() throws Exception {
        start(SHORT);
        String session = open();
        for (int i = 0; i < 2; i++) {
            // a lifetime minus a second of quiet: ten looks for idle sessions and keep-alives meanwhile
            Thread.sleep(LIFETIME.minusSeconds(1).toMillis());
            assertThat(send(http.uri(), "POST", ALICE, session, Map.of(), LIST).status()).isEqualTo(200);
        }
        assertThat(send(http.uri(), "POST", ALICE, null, Map.of(), HttpProbe.INITIALIZE).status()).as("one session per principal here")
                .isEqualTo(429);

        Thread.sleep(LIFETIME.plusSeconds(1).toMillis());
        Answer gone = send(http.uri(), "POST", ALICE, session, Map.of(), LIST);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(McpErrorBodiesTest.notAJsonRpcError(gone)).as(gone.body()).isNull();
        assertThat(Json.parse(gone.body()).at("/error/message").asText()).isEqualTo("session not found");
        // ended in the SDK too: once the server no longer holds it, the SDK itself does not know it
        await().atMost(Duration.ofSeconds(60)).until(() -> http.sessionsHeld() == 0);
        assertThat(send(http.uri(), "POST", ALICE, session, Map.of(), LIST).status()).isEqualTo(404);
        assertThat(open()).as("its place is free").isNotBlank();
    }

    @Test
    void aCallLongerThanTheLifetimeKeepsItsSessionWhichLivesOnFromTheCallsEnd() throws Exception {
        start(SHORT);
        String session = open();
        String call = Json.write(Map.of("jsonrpc", "2.0", "id", 3, "method", "tools/call",
                "params", Map.of("name", "codex", "arguments", Map.of("prompt", "take your time"))));
        CompletableFuture<Answer> result = CompletableFuture.supplyAsync(() -> {
            try {
                return send(http.uri(), "POST", ALICE, session, Map.of(), call);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Thread.sleep(LIFETIME.plusSeconds(1).toMillis());
        callMayEnd.countDown();
        Answer answered = result.get(30, TimeUnit.SECONDS);
        assertThat(answered.status()).isEqualTo(200);
        assertThat(Json.parse(answered.body()).at("/result/isError").asBoolean()).as(answered.body()).isTrue();
        Thread.sleep(LIFETIME.minusSeconds(1).toMillis());
        assertThat(send(http.uri(), "POST", ALICE, session, Map.of(), LIST).status()).isEqualTo(200);
    }

    @Test
    void aGetStreamOpenLongerThanTheLifetimeKeepsItsSession() throws Exception {
        // no keep-alive pings here: the stream alone holds the session
        start(Duration.ofHours(1));
        String session = open();
        try (Socket get = new Socket(http.uri().getHost(), http.uri().getPort())) {
            get.getOutputStream().write(("GET /mcp HTTP/1.1\r\nHost: " + http.uri().getHost() + ":" + http.uri().getPort()
                    + "\r\nAuthorization: Bearer " + ALICE + "\r\nMcp-Session-Id: " + session
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            // the SDK answers a GET stream's head with its first event: the request held open is what counts
            Thread.sleep(LIFETIME.plusSeconds(1).toMillis());
            assertThat(send(http.uri(), "POST", ALICE, session, Map.of(), LIST).status()).isEqualTo(200);
        }
    }

    private String open() throws IOException {
        return HttpProbe.openSession(http.uri(), ALICE);
    }
}
