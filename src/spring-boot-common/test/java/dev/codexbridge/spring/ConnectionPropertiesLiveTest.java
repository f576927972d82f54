package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.testkit.ModelReply;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Every way of reaching codex the properties offer, each against the real codex (offline, the
 * test kit's scripted model): own process, WebSocket with a token file or a JWT, unix socket, a
 * pool. What the auto-configuration builds besides (the application's own beans winning, parts
 * absent from the class path, telemetry, the migration) is {@link ConditionalBeansLiveTest}.
 */
class ConnectionPropertiesLiveTest extends OwnCodexContexts {
    private static final String TOKEN = "spring-starter-capability-token-7f3e";

    @Test
    void anOwnProcessWithTheApplicationsHandlerGovernorAndRules() {
        ApprovalHandler handler = request -> CompletableFuture.completedFuture(ApprovalDecision.deny("test"));
        RateLimitGovernor governor = RateLimitGovernor.builder().build();
        runner.withPropertyValues(ownProcess("codex-bridge.max-threads-per-connection=7", "codex-bridge.approval.deadline=42s"))
                .withBean(ApprovalHandler.class, () -> handler)
                .withBean(RateLimitGovernor.class, () -> governor)
                .withBean(CommandRules.class, () -> CommandRules.allowing("ls"))
                .run(c -> {
                    assertThat(c).hasNotFailed().hasSingleBean(CodexClient.class).doesNotHaveBean(CodexPool.class);
                    CodexClient client = c.getBean(CodexClient.class);
                    assertThat(client.isOpen()).isTrue();
                    assertThat(client.options().launch().codexHome()).isEqualTo(home);
                    assertThat(client.maxThreads()).isEqualTo(7);
                    assertThat(client.options().reconnect()).as("reconnect on by default").isNotNull();
                    assertThat(c.getBean(RateLimitGovernor.class)).isSameAs(governor);
                    ApprovalPolicy policy = c.getBean(ApprovalPolicy.class);
                    assertThat(policy.handler()).isSameAs(handler);
                    assertThat(policy.commandRules().programs()).containsExactly("ls");
                    assertThat(policy.deadline()).hasSeconds(42);

                    CodexSession session = c.getBean(CodexSessions.class).open();
                    assertThat(session.threadId()).isNotBlank();
                    assertThat(session.threadOptions().cwd()).isEqualTo(work);
                    assertThat(client.attachedThreads()).isEqualTo(1);

                    assertThat(Actuator.status(c, "codex")).isEqualTo("UP");
                    assertThat(Actuator.details(c, "codex")).containsEntry("codex", "own process").containsEntry("threads", 1)
                            .containsEntry("maxThreads", 7).containsEntry("generation", 1);
                    MeterRegistry meters = c.getBean(MeterRegistry.class);
                    assertThat(meters.get("codex.bridge.connection.up").tag("connection", "client").gauge().value()).isEqualTo(1.0);
                    assertThat(meters.get("codex.bridge.connection.threads").gauge().value()).isEqualTo(1.0);
                });
    }

    @Test
    void propertiesAloneMakeTheRulesAndAPolicyThatDeniesWithoutAHandler() {
        runner.withPropertyValues(ownProcess("codex-bridge.approval.allow-programs=ls,cat", "codex-bridge.approval.ask-handler-for-others=false",
                        "codex-bridge.reconnect.enabled=false", "codex-bridge.rate-limits.enabled=false"))
                .run(c -> {
                    assertThat(c).hasNotFailed().doesNotHaveBean(RateLimitGovernor.class);
                    assertThat(c.getBean(CodexClient.class).options().reconnect()).isNull();
                    ApprovalPolicy policy = c.getBean(ApprovalPolicy.class);
                    assertThat(policy.commandRules().programs()).containsExactlyInAnyOrder("ls", "cat");
                    assertThat(policy.commandRules().askHandlerForOthers()).isFalse();
                    assertThat(policy.handler()).as("no handler bean: fail closed").isNull();
                });
    }

    @Test
    void aWebSocketEndpointWithATokenFile() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), TOKEN + "\n");
        try (ListeningAppServer server = ListeningAppServer.websocket(OfflineCodex.binary(), home, work,
                List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()))) {
            runner.withPropertyValues("codex-bridge.endpoint.url=" + server.uri(), "codex-bridge.endpoint.token-file=" + token,
                            "codex-bridge.session.cwd=" + work)
                    .run(c -> {
                        assertThat(c).hasNotFailed();
                        CodexClient client = c.getBean(CodexClient.class);
                        assertThat(client.options().endpoint().uri()).isEqualTo(server.uri());
                        assertThat(c.getBean(CodexSessions.class).open().threadId()).isNotBlank();
                        assertThat(Actuator.status(c, "codex")).isEqualTo("UP");
                        assertThat(Actuator.details(c, "codex")).containsEntry("readyz", "ready");
                        // state, not where codex is or how the application authenticates to it
                        assertThat(Actuator.details(c, "codex")).containsEntry("codex", "app-server");
                        assertThat(Actuator.details(c, "codex").toString()).doesNotContain(TOKEN).doesNotContain(token.toString())
                                .doesNotContain(String.valueOf(server.uri().getPort())).doesNotContain("ws://");
                    });
        }
    }

    @Test
    void aWebSocketEndpointWithASignedJwt() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret"), "a-shared-secret-of-at-least-32-bytes-0123456789");
        try (ListeningAppServer server = ListeningAppServer.websocket(OfflineCodex.binary(), home, work, List.of("--ws-auth", "signed-bearer-token",
                "--ws-shared-secret-file", secret.toString(), "--ws-issuer", "spring-tests", "--ws-audience", "codex"))) {
            runner.withPropertyValues("codex-bridge.endpoint.url=" + server.uri(), "codex-bridge.endpoint.jwt.secret-file=" + secret,
                            "codex-bridge.endpoint.jwt.issuer=spring-tests", "codex-bridge.endpoint.jwt.audience=codex")
                    .run(c -> {
                        assertThat(c).hasNotFailed();
                        assertThat(c.getBean(CodexClient.class).isOpen()).isTrue();
                        assertThat(c.getBean(CodexSessions.class).open(b -> b.cwd(
                                work)).threadId()).isNotBlank();
                    });
            // the wrong audience is refused by codex: the start fails, saying so
            runner.withPropertyValues("codex-bridge.endpoint.url=" + server.uri(), "codex-bridge.endpoint.jwt.secret-file=" + secret,
                            "codex-bridge.endpoint.jwt.issuer=spring-tests", "codex-bridge.endpoint.jwt.audience=someone-else")
                    .run(c -> assertThat(c).getFailure().rootCause().isInstanceOf(dev.codexbridge.transport.AuthenticationException.class));
        }
    }

    @Test
    void aUnixSocketEndpoint() {
        Path socket = tmp.resolve("codex.sock");
        try (ListeningAppServer server = ListeningAppServer.unix(OfflineCodex.binary(), home, work, socket)) {
            runner.withPropertyValues("codex-bridge.endpoint.url=unix://" + socket, "codex-bridge.session.cwd=" + work)
                    .run(c -> {
                        assertThat(c).hasNotFailed();
                        assertThat(c.getBean(CodexClient.class).options().endpoint().socketPath()).isEqualTo(socket);
                        assertThat(c.getBean(CodexSessions.class).open().threadId()).isNotBlank();
                        assertThat(Actuator.status(c, "codex")).isEqualTo("UP");
                    });
        }
    }

    @Test
    void twoEndpointsMakeAPoolWithHealthPerEndpoint() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), TOKEN);
        List<String> auth = List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString());
        try (ListeningAppServer east = ListeningAppServer.websocket(OfflineCodex.binary(), home, work, auth);
             ListeningAppServer west = ListeningAppServer.websocket(OfflineCodex.binary(), home, work, auth)) {
            runner.withPropertyValues("codex-bridge.pool.endpoints.east.url=" + east.uri(),
                            "codex-bridge.pool.endpoints.east.token-file=" + token,
                            "codex-bridge.pool.endpoints.west.url=" + west.uri(),
                            "codex-bridge.pool.endpoints.west.token-file=" + token,
                            "codex-bridge.pool.endpoints.west.max-threads=3",
                            "codex-bridge.pool.shared-codex-home=true", "codex-bridge.session.cwd=" + work)
                    .run(c -> {
                        assertThat(c).hasNotFailed().hasSingleBean(CodexPool.class).doesNotHaveBean(CodexClient.class);
                        CodexPool pool = c.getBean(CodexPool.class);
                        pool.checkNow();
                        model.enqueue(ModelReply.message("from the pool"));
                        try (CodexSession session = c.getBean(CodexSessions.class).open()) {
                            assertThat(session.runTurn(TurnInput.text("hi")).finalText()).isEqualTo("from the pool");
                        }
                        assertThat(pool.endpoints()).extracting(e -> e.name() + "=" + e.maxThreads())
                                .containsExactlyInAnyOrder("east=500", "west=3");
                        assertThat(Actuator.status(c, "codex")).isEqualTo("UP");
                        assertThat(Actuator.parts(c, "codex")).isEqualTo(Map.of("east", "UP", "west", "UP"));
                        assertThat(Actuator.status(c, "codex", "west")).isEqualTo("UP");
                        assertThat(Actuator.details(c, "codex", "west")).containsEntry("maxThreads", 3).doesNotContainKey("uri");
                        // state only: an anonymous caller of the health endpoint learns no address
                        assertThat(Actuator.details(c, "codex", "west").toString()).doesNotContain(west.uri().toString())
                                .doesNotContain("ws://");
                        MeterRegistry meters = c.getBean(MeterRegistry.class);
                        assertThat(meters.get("codex.bridge.connection.threads.max").tag("connection", "west").gauge().value()).isEqualTo(3.0);
                        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(
                                meters.get("codex.bridge.turns.completed").tag("status", "completed").counter().count()).isEqualTo(1.0));
                    });
        }
    }
}
