package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.protocol.ModelListParams;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transport.AuthenticationException;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.EndpointStatus;
import dev.codexbridge.transport.SignedBearerToken;
import dev.codexbridge.transport.TransportException;
import dev.codexbridge.transport.WebSocketAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.codexbridge.session.TurnLimits;

/**
 * The real pinned codex listening on a loopback WebSocket and on a unix socket, against the
 * scripted model server: turns through a session on a shared client, both auth modes, refusals,
 * probes, a dropped server, and no credential in anything codex or the library says.
 */
class RemoteAppServerLiveTest {
    private static final String TOKEN = "live-capability-token-7f3c9a1e5b";
    private static final String SECRET = "live-shared-secret-0123456789abcdef-0123456789";

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path home;
    private Path work;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    private final List<String> said = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        if (model != null) {
            model.close();
        }
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
        assertThat(said).as("nothing shown to a person carries a credential")
                .allSatisfy(text -> assertThat(text).doesNotContain(TOKEN).doesNotContain(SECRET));
    }

    private Path secretFile(String name, String content) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, content + "\n");
        return f;
    }

    private TurnResult turn(CodexClient client, String reply) {
        model.enqueue(ModelReply.message(reply));
        try (CodexSession s = CodexSession.builder().client(client).cwd(work)
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build()) {
            return s.runTurn(TurnInput.text("say it"));
        }
    }

    @Test
    void aTurnRunsOverAWebSocketWithACapabilityToken() throws Exception {
        Path token = secretFile("token", TOKEN);
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work,
                List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()))) {
            CodexEndpoint ep = server.endpoint().tokenFile(token);
            said.add(ep.toString());
            EndpointStatus ready = ep.readiness(Duration.ofSeconds(60));
            assertThat(ready.ok()).as(ready.detail()).isTrue();
            assertThat(ep.liveness(Duration.ofSeconds(60)).ok()).isTrue();
            try (CodexClient client = CodexClient.builder().wireTap(wire).connect(ep)) {
                assertThat(Path.of(client.serverInfo().codexHome()).toRealPath()).isEqualTo(home.toRealPath());
                TurnResult r = turn(client, "hello over a websocket");
                assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(r.finalText()).isEqualTo("hello over a websocket");
                // the connection outlives the session that used it
                assertThat(client.isOpen()).isTrue();
                assertThat(turn(client, "and again").finalText()).isEqualTo("and again");
            }
            said.addAll(server.stderr());
        }
    }

    @Test
    void aWrongOrMissingTokenIsRefusedWithAnAuthenticationError() throws Exception {
        Path token = secretFile("token", TOKEN);
        Path wrong = secretFile("wrong", "not-the-" + TOKEN);
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work,
                List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()))) {
            assertThatThrownBy(() -> CodexClient.builder().wireTap(wire).connect(server.endpoint().tokenFile(wrong)))
                    .isInstanceOfSatisfying(AuthenticationException.class, e -> {
                        said.add(e.getMessage());
                        assertThat(e.reason()).isEqualTo("invalid websocket bearer token");
                        assertThat(e.remediation()).contains("--ws-token-file");
                        assertThat(e.getMessage()).doesNotContain("not-the-");
                    });
            assertThatThrownBy(() -> CodexClient.builder().wireTap(wire).connect(server.endpoint()))
                    .isInstanceOfSatisfying(AuthenticationException.class, e -> {
                        said.add(e.getMessage());
                        assertThat(e.reason()).isEqualTo("missing websocket bearer token");
                    });
            // a token supplied by the host, not a file
            try (CodexClient client = CodexClient.builder().wireTap(wire)
                    .connect(server.endpoint().token(TOKEN::toCharArray))) {
                assertThat(client.modelList(new ModelListParams(null, null, null, null)).data()).isNotEmpty();
            }
            said.addAll(server.stderr());
        }
    }

    /**
     * {@code localhost} is resolved, checked and connected to as the loopback address it names (codex
     * takes the upgrade with that address as its Host), and a token with a control character is
     * refused before any header is built, its value nowhere in what is said.
     */
    @Test
    void aLocalhostEndpointReachesCodexAndATokenWithAControlCharacterIsRefusedUnsaid() throws Exception {
        Path token = secretFile("token", TOKEN);
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work,
                List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()))) {
            CodexEndpoint local = CodexEndpoint.parse("ws://localhost:" + server.endpoint().uri().getPort());
            try (CodexClient client = CodexClient.builder().wireTap(wire).connect(local.tokenFile(token))) {
                assertThat(client.modelList(new ModelListParams(null, null, null, null)).data()).isNotEmpty();
            }
            for (String bad : new String[] {TOKEN.substring(0, 12) + "\u0001" + TOKEN.substring(12),
                    TOKEN.substring(0, 12) + "\r" + TOKEN.substring(12)}) {
                assertThatThrownBy(() -> CodexClient.builder().wireTap(wire).connect(local.token(bad::toCharArray)))
                        .isInstanceOf(TransportException.class).satisfies(e -> {
                            for (Throwable t = e; t != null; t = t.getCause()) {
                                said.add(String.valueOf(t));
                                assertThat(String.valueOf(t)).doesNotContain(TOKEN.substring(0, 12));
                            }
                            assertThat(e.getMessage()).contains("printable ASCII");
                        });
            }
            said.addAll(server.stderr());
        }
    }

    @Test
    void aSignedBearerTokenIsAcceptedAndAWrongAudienceRefused() throws Exception {
        Path secret = secretFile("secret", SECRET);
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of("--ws-auth", "signed-bearer-token",
                "--ws-shared-secret-file", secret.toString(), "--ws-issuer", "codex-bridge-tests", "--ws-audience", "codex"))) {
            SignedBearerToken jwt = WebSocketAuth.signedBearer().sharedSecretFile(secret)
                    .issuer("codex-bridge-tests").audience("codex").build();
            said.add(jwt.toString());
            try (CodexClient client = CodexClient.builder().wireTap(wire).connect(server.endpoint().auth(jwt))) {
                assertThat(turn(client, "signed and delivered").finalText()).isEqualTo("signed and delivered");
            }
            SignedBearerToken otherAudience = WebSocketAuth.signedBearer().sharedSecretFile(secret)
                    .issuer("codex-bridge-tests").audience("someone-else").build();
            assertThatThrownBy(() -> CodexClient.builder().connect(server.endpoint().auth(otherAudience)))
                    .isInstanceOfSatisfying(AuthenticationException.class, e -> {
                        said.add(e.getMessage());
                        assertThat(e.reason()).isEqualTo("websocket jwt audience mismatch");
                        assertThat(e.remediation()).contains("--ws-audience");
                    });
            SignedBearerToken otherSecret = WebSocketAuth.signedBearer()
                    .sharedSecretChars(() -> ("x" + SECRET).toCharArray()).issuer("codex-bridge-tests").audience("codex").build();
            assertThatThrownBy(() -> CodexClient.builder().connect(server.endpoint().auth(otherSecret)))
                    .isInstanceOfSatisfying(AuthenticationException.class, e -> {
                        said.add(e.getMessage());
                        assertThat(e.reason()).isEqualTo("invalid websocket jwt");
                    });
            said.addAll(server.stderr());
        }
    }

    @Test
    void codexAnswersKeepAlivePingsSoAQuietConnectionStaysOpen() throws Exception {
        ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of());
        try (CodexClient client = CodexClient.builder().wireTap(wire).connect(server.endpoint().keepAlive(Duration.ofMillis(200)))) {
            Thread.sleep(2_000);    // ten intervals with nothing to say: only pings and pongs cross
            assertThat(client.closedFuture()).isNotDone();
            assertThat(client.modelList(new ModelListParams(null, null, null, null)).data()).isNotEmpty();
        } finally {
            server.close();
        }
    }

    @Test
    void aTurnRunsOverTheUnixSocket() throws Exception {
        Path socket = tmp.resolve("codex.sock");
        try (ListeningAppServer server = ListeningAppServer.unix(LiveCodex.binary(), home, work, socket)) {
            EndpointStatus ready = CodexEndpoint.parse("unix://" + socket).readiness(Duration.ofSeconds(60));
            assertThat(ready.ok()).as(ready.detail()).isTrue();
            try (CodexClient client = CodexClient.builder().wireTap(wire).connect(java.net.URI.create("unix://" + socket))) {
                TurnResult r = turn(client, "hello over a unix socket");
                assertThat(r.finalText()).isEqualTo("hello over a unix socket");
            }
        }
    }

    @Test
    void aKilledServerEndsTheConnectionAtOnceWithAnExplanation() throws Exception {
        ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of());
        // the keep-alive bounds the wait should the end of the TCP connection not arrive
        try (CodexClient client = CodexClient.builder().wireTap(wire).connect(server.endpoint().keepAlive(Duration.ofSeconds(2)))) {
            server.kill();
            ConnectionClosedException cause = client.closedFuture().get(30, TimeUnit.SECONDS);
            TransportException why = (TransportException) ClientPlumbing.of(client).explainClose("during the test", cause);
            assertThat(why.getMessage()).contains(server.uri().toString()).contains("during the test")
                    // whichever noticed first: the read side, or the keep-alive's ping written as the socket closed
                    .containsAnyOf("dropped", "closed the WebSocket", "answered nothing", "a WebSocket ping to codex app-server failed");
            assertThatThrownBy(() -> client.modelList(new ModelListParams(null, null, null, null)))
                    .isInstanceOf(dev.codexbridge.CodexException.class);
            EndpointStatus after = server.endpoint().readiness(Duration.ofSeconds(2));
            assertThat(after.ok()).isFalse();
            assertThat(after.httpStatus()).isZero();
        } finally {
            server.close();
        }
    }
}
