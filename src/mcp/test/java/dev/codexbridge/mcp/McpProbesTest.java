package dev.codexbridge.mcp;

import static dev.codexbridge.mcp.HttpProbe.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.callers.Readiness;
import dev.codexbridge.mcp.HttpProbe.Answer;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} and {@code /healthz} beside {@code /mcp}: no token, any Host (a probe names the
 * pod's address), one word; {@code /readyz} follows the store check (here a fake that hangs, as a
 * database behind a blackhole route does) and says {@code stopping} once the server closes.
 */
class McpProbesTest {
    private static final String ALICE = "alice-token-0123456789";

    private final CountDownLatch storeAnswers = new CountDownLatch(1);
    private CodexMcpServer server;
    private McpHttpServer http;

    @AfterEach
    void stop() {
        storeAnswers.countDown();
        if (http != null) {
            http.close();
        }
        server.close();
    }

    private URI start(Readiness readiness) {
        server = CodexMcpServer.builder().sessions(NoCodex.sessions()).build();
        http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(ALICE, "alice"))).readiness(readiness).start();
        return http.uri();
    }

    @Test
    void aStoreThatHangsTakesTheServerOutOfRotationWhileItLives() throws IOException {
        URI mcp = start(Readiness.checking(() -> {
            try {
                storeAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, Duration.ofMillis(100)));
        Map<String, String> podAddress = Map.of("Host", "10.0.0.7:8081");
        Answer ready = send(mcp.resolve("/readyz"), "GET", null, null, podAddress, null);
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body().strip()).isEqualTo("store: unavailable");
        Answer alive = send(mcp.resolve("/healthz"), "GET", null, null, podAddress, null);
        assertThat(alive.status()).isEqualTo(200);
        assertThat(alive.body().strip()).isEqualTo("alive");
        assertThat(send(mcp, "POST", null, null, Map.of(), HttpProbe.INITIALIZE).status())
                .as("the MCP endpoint itself still wants a token").isEqualTo(401);
    }

    @Test
    void aServerReadyUntilItCloses() throws IOException {
        Readiness readiness = Readiness.always();
        URI mcp = start(readiness);
        Answer ready = send(mcp.resolve("/readyz"), "GET", null, null, Map.of(), null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body().strip()).isEqualTo("ready");
        readiness.close();
        assertThat(send(mcp.resolve("/readyz"), "GET", null, null, Map.of(), null).body().strip()).isEqualTo("stopping");
    }
}
