package dev.codexbridge.mcp;

import static dev.codexbridge.mcp.HttpProbe.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.mcp.HttpProbe.Answer;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Streamable HTTP transport as an attacker with a valid token, or a page on another origin,
 * meets it (no codex needed: nothing here reaches a session): {@code Host} and {@code Origin}
 * checked for everyone, sessions bound to the principal that opened them and capped, an invalid
 * protocol version refused, every refusal a JSON-RPC error without a trace of Java.
 */
class McpTransportSecurityTest {
    private static final String ALICE = "alice-token-0123456789";
    private static final String BOB = "bob-token-9876543210xx";

    private CodexMcpServer server;
    private McpHttpServer http;
    private McpHttpServer anonymous;

    @BeforeEach
    void start() {
        server = CodexMcpServer.builder().sessions(NoCodex.sessions()).limits(McpLimits.DEFAULTS.withSessionsPerPrincipal(3)).build();
        http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob")))
                .allowedOrigins(List.of("https://app.example")).start();
        anonymous = McpHttpServer.builder(server).anonymous("local").start();
    }

    @AfterEach
    void stop() {
        http.close();
        anonymous.close();
        server.close();
    }

    @Test
    void aForeignOriginOrHostIsRefusedForTokensAndAnonymousCallersAlike() throws IOException {
        for (McpHttpServer s : List.of(http, anonymous)) {
            String token = s == http ? ALICE : null;
            Answer foreign = send(s.uri(), "POST", token, null, Map.of("Origin", "http://evil.example"), HttpProbe.INITIALIZE);
            Answer nullOrigin = send(s.uri(), "POST", token, null, Map.of("Origin", "null"), HttpProbe.INITIALIZE);
            Answer rebound = send(s.uri(), "POST", token, null, Map.of("Host", "rebind.example:" + s.uri().getPort()), HttpProbe.INITIALIZE);
            for (Answer a : List.of(foreign, nullOrigin, rebound)) {
                assertThat(a.status()).isEqualTo(403);
                assertThat(a.headers()).doesNotContainKey("mcp-session-id");
                assertJsonRpcError(a);
            }
            assertThat(server.conversationsHeld()).isZero();
        }
        // the server's own origin, an allowed one, and no Origin at all (not a browser) are served
        String self = "http://127.0.0.1:" + http.uri().getPort();
        assertThat(send(http.uri(), "POST", ALICE, null, Map.of("Origin", self), HttpProbe.INITIALIZE).status()).isEqualTo(200);
        assertThat(send(http.uri(), "POST", ALICE, null, Map.of("Origin", "https://app.example"), HttpProbe.INITIALIZE).status()).isEqualTo(200);
        assertThat(send(http.uri(), "POST", ALICE, null, Map.of("Host", "localhost:" + http.uri().getPort()), HttpProbe.INITIALIZE).status())
                .isEqualTo(200);
    }

    @Test
    void aSessionIsItsPrincipalsAlone() throws IOException {
        String alices = open(ALICE);
        String list = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
        assertThat(send(http.uri(), "POST", ALICE, alices, Map.of(), list).status()).isEqualTo(200);
        Answer bobPost = send(http.uri(), "POST", BOB, alices, Map.of(), list);
        Answer bobGet = send(http.uri(), "GET", BOB, alices, Map.of("Accept", "text/event-stream"), null);
        Answer bobDelete = send(http.uri(), "DELETE", BOB, alices, Map.of(), null);
        Answer bobAnswers = send(http.uri(), "POST", BOB, alices, Map.of(),
                "{\"jsonrpc\":\"2.0\",\"id\":\"" + alices + "-1\",\"result\":{\"action\":\"accept\",\"content\":{}}}");
        for (Answer a : List.of(bobPost, bobGet, bobDelete, bobAnswers)) {
            assertThat(a.status()).isEqualTo(404);
            assertJsonRpcError(a);
        }
        // as for a session that never existed: same status, same words
        Answer unknown = send(http.uri(), "POST", BOB, "no-such-session", Map.of(), list);
        assertThat(unknown.status()).isEqualTo(404);
        // alice's session still works after all of that
        assertThat(send(http.uri(), "POST", ALICE, alices, Map.of(), list).status()).isEqualTo(200);
    }

    @Test
    void sessionsPerPrincipalAreCappedAndAnEndedOneGivesItsPlaceBack() throws IOException {
        String first = open(ALICE);
        open(ALICE);
        open(ALICE);
        Answer fourth = send(http.uri(), "POST", ALICE, null, Map.of(), HttpProbe.INITIALIZE);
        assertThat(fourth.status()).isEqualTo(429);
        assertJsonRpcError(fourth);
        assertThat(open(BOB)).as("another principal is not held back").isNotBlank();
        assertThat(send(http.uri(), "DELETE", ALICE, first, Map.of(), null).status()).isLessThan(300);
        assertThat(open(ALICE)).isNotBlank();
    }

    @Test
    void anInvalidProtocolVersionIsABadRequestAndNoErrorShowsJava() throws IOException {
        String session = open(ALICE);
        Answer bad = send(http.uri(), "POST", ALICE, session, Map.of("MCP-Protocol-Version", "1999-01-01"),
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertJsonRpcError(bad);
        assertThat(send(http.uri(), "POST", ALICE, session, Map.of("MCP-Protocol-Version", "2025-06-18"),
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}").status()).isEqualTo(200);
        // what the SDK and the container refuse on their own: no token, a body that is no JSON, a wrong method, another path
        List<Answer> others = List.of(send(http.uri(), "POST", null, null, Map.of(), HttpProbe.INITIALIZE),
                send(http.uri(), "POST", ALICE, session, Map.of(), "{not json"),
                send(http.uri(), "PUT", ALICE, session, Map.of(), "{}"),
                send(http.uri().resolve("/elsewhere"), "GET", ALICE, null, Map.of(), null));
        for (Answer a : others) {
            assertThat(a.status()).as(a.body()).isGreaterThanOrEqualTo(400);
            assertThat(a.body()).as("status %d", a.status()).doesNotContain("Exception").doesNotContain("at dev.").doesNotContain("at io.")
                    .doesNotContain("<html");
        }
    }

    private static void assertJsonRpcError(Answer a) {
        JsonNode body = Json.parse(a.body());
        assertThat(body.path("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(body.path("error").path("message").asText()).isNotBlank();
        assertThat(a.body()).doesNotContain("Exception").doesNotContain("at dev.");
    }

    private String open(String token) throws IOException {
        return HttpProbe.openSession(http.uri(), token);
    }
}
