package dev.codexbridge.a2a;

import dev.codexbridge.callers.JwtAuthenticator;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.codexbridge.testkit.ModelReply;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JWT bearer authentication in front of the real codex: keys from a JWKS URL, principals from
 * {@code sub}; a valid token is served, expired, wrong-audience, forged and unsigned tokens get
 * 401 with the reason, and two principals from JWTs see nothing of each other's.
 */
class A2aJwtLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;
    private HttpServer jwksServer;

    @AfterEach
    void tearDown() {
        if (jwksServer != null) {
            jwksServer.stop(0);
        }
        if (live != null) {
            live.close();
        }
    }

    @Test
    void jwtsAuthenticateAndSeparatePrincipals() throws Exception {
        Jwts keys = new Jwts();
        jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwksServer.createContext("/jwks.json", ex -> {
            byte[] body = keys.jwks().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (ex) {
                ex.getResponseBody().write(body);
            }
        });
        jwksServer.start();
        JwtAuthenticator jwt = JwtAuthenticator.builder()
                .jwks(URI.create("http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks.json"))
                .issuer(Jwts.ISSUER).audience(Jwts.AUDIENCE).build();
        live = new LiveA2a(tmp);
        live.serverSettings = b -> b.authenticator(jwt);
        live.boot(h -> { }, A2aLimits.DEFAULTS);
        live.model.enqueue(ModelReply.message("Hello, token holder."));
        RawA2a raw = new RawA2a(live.server.uri());
        String alice = keys.rs256(Jwts.claims("alice@example.org", b -> b));
        String bob = keys.es256(Jwts.claims("bob@example.org", b -> b));

        JsonNode sent = raw.rpc(alice, "SendMessage", RawA2a.send("hello", null, null, false));
        assertThat(sent.at("/result/task/status/state").asText()).as(sent.toString()).isEqualTo("TASK_STATE_COMPLETED");
        String taskId = sent.at("/result/task/id").asText();
        assertThat(raw.get("/tasks/" + taskId, alice).statusCode()).isEqualTo(200);
        assertThat(raw.rpc(bob, "GetTask", A2aWire.object().put("id", taskId)).at("/error/code").asInt()).isEqualTo(A2aError.TASK_NOT_FOUND);
        HttpResponse<String> bobsRest = raw.get("/tasks/" + taskId, bob);
        assertThat(bobsRest.statusCode()).isEqualTo(404);
        assertThat(bobsRest.body()).contains("TASK_NOT_FOUND");
        assertThat(A2aWire.JSON.readTree(raw.get("/tasks", bob).body()).path("totalSize").asInt()).isZero();
        assertThat(A2aWire.JSON.readTree(raw.get("/tasks", alice).body()).path("totalSize").asInt()).isEqualTo(1);

        Date past = Date.from(Instant.now().minusSeconds(120));
        String good = keys.rs256(Jwts.claims("alice@example.org", b -> b));
        List<List<String>> refused = List.of(
                List.of(keys.rs256(Jwts.claims("alice@example.org", b -> b.expirationTime(past))), "Expired"),
                List.of(keys.rs256(Jwts.claims("alice@example.org", b -> b.audience("another-agent"))), "aud"),
                List.of(new Jwts().rs256(Jwts.claims("alice@example.org", b -> b)), "refused"),
                List.of(good.substring(0, good.lastIndexOf('.')) + ".c2lnbmF0dXJl", "refused"),
                List.of(Jwts.unsigned(Jwts.claims("alice@example.org", b -> b)), "nsecured"));
        for (List<String> r : refused) {
            HttpResponse<String> rpc = raw.post(live.server.uri(), r.get(0), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTask\",\"params\":{\"id\":\""
                    + taskId + "\"}}");
            assertThat(rpc.statusCode()).as(r.get(1)).isEqualTo(401);
            assertThat(rpc.body()).as(r.get(1)).contains("a valid bearer token is required", r.get(1));
            assertThat(rpc.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
            assertThat(raw.get("/tasks/" + taskId, r.get(0)).statusCode()).as(r.get(1)).isEqualTo(401);
        }

        JsonNode card = A2aWire.JSON.readTree(live.server.agentCardJson(true));
        assertThat(card.at("/securitySchemes/bearer/httpAuthSecurityScheme/bearerFormat").asText()).isEqualTo("JWT");
        assertThat(A2aWire.JSON.readTree(live.server.agentCardJson()).at("/securitySchemes/bearer/bearerFormat").asText()).isEqualTo("JWT");
    }
}
