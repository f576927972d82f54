package dev.codexbridge.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexVersionProbe;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RequestHandler;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexPeer;
import dev.codexbridge.support.HostileText;
import dev.codexbridge.support.LogCapture;
import dev.codexbridge.support.Scripts;
import dev.codexbridge.testkit.MemoryPipe;
import dev.codexbridge.transport.CodexTransport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A property over seeded hostile strings ({@link HostileText}: terminal escapes, CR/LF, C0/DEL/C1,
 * bidi overrides, secret-shaped values) put by a fake codex into every field it controls —
 * malformed lines, method names, ids, error messages and data, results, thread ids, stderr,
 * {@code --version} output — while every log line is captured at every level: nothing raw and
 * nothing secret reaches the host's log or an exception the library throws (message, causes and
 * all, as {@code printStackTrace} shows them). WebSocket close reasons and HTTP refusals are
 * {@code HostileServerTextTest}'s.
 */
class HostileCodexTextTest {
    private static final int ROUNDS = 30;

    @TempDir
    Path tmp;

    /** A result type a hostile value does not fit: Jackson quotes the value in its complaint. */
    record Count(long count) {
    }

    private static String json(String text) {
        return Json.write(Json.nodes().textNode(text));
    }

    @Test
    void whatCodexSendsToAPeerIsLoggedAndThrownSafely() {
        for (int round = 0; round < ROUNDS; round++) {
            HostileText h = new HostileText(round);
            String handlerFailure = h.next();
            String listenerFailure = h.next();
            AtomicInteger notified = new AtomicInteger();
            Throwable refused;
            Throwable misfit;
            String logged;
            try (LogCapture log = LogCapture.start()) {
                try (FakeCodexPeer codex = new FakeCodexPeer(b -> b
                        .handler("hang", r -> new CompletableFuture<>())
                        .handler("boom", r -> {
                            throw new IllegalStateException(handlerFailure);
                        })
                        .onNotification(n -> {
                            notified.incrementAndGet();
                            throw new IllegalArgumentException(listenerFailure);
                        }))) {
                    // the client's requests get ids 1 and 2, answered below
                    CompletableFuture<JsonNode> a = codex.peer().request("a", Json.object(), Duration.ofSeconds(10));
                    CompletableFuture<Count> b = codex.peer().request("b", Json.object(), Duration.ofSeconds(10), Count.class);

                    // malformed messages: raw text, an unquoted token, an unfinished object, a secret across the preview's cut
                    codex.sendLine(h.next());
                    codex.sendLine("{\"method\": " + h.secret() + " " + h.next() + "}");
                    codex.sendLine("{\"id\":1,\"result\":" + h.next());
                    codex.sendLine("{\"x\":\"" + "x".repeat(185) + " " + h.secret() + " " + h.next());
                    // answers nobody asked for
                    codex.sendLine("{\"id\":null,\"error\":{\"code\":-1,\"message\":" + json(h.next()) + "}}");
                    codex.sendLine("{\"id\":" + json(h.name()) + ",\"result\":{}}");
                    codex.sendLine("{\"id\":" + json(h.name()) + ",\"error\":{\"code\":-2,\"message\":" + json(h.next()) + "}}");
                    // requests: a duplicate id, a failing handler, an unknown method; a notification whose listener fails
                    String dup = json(h.name());
                    codex.sendLine("{\"id\":" + dup + ",\"method\":\"hang\",\"params\":{}}");
                    codex.sendLine("{\"id\":" + dup + ",\"method\":\"hang\",\"params\":{}}");
                    codex.sendLine("{\"id\":" + json(h.name()) + ",\"method\":\"boom\",\"params\":{}}");
                    codex.sendLine("{\"id\":" + json(h.name()) + ",\"method\":" + json(h.name()) + ",\"params\":{}}");
                    codex.sendLine("{\"method\":" + json(h.name()) + ",\"params\":{}}");
                    // the client's requests: an error with hostile message and data, a result that does not fit
                    ObjectNode error = Json.object().put("code", -32000).put("message", h.next());
                    error.putObject("data").put("detail", h.next());
                    codex.sendLine("{\"id\":1,\"error\":" + Json.write(error) + "}");
                    codex.sendLine("{\"id\":2,\"result\":{\"count\":" + json(h.next()) + "}}");

                    refused = catchThrowable(a::join);
                    misfit = catchThrowable(b::join);
                    await().atMost(90, TimeUnit.SECONDS).until(() -> notified.get() > 0
                            && codex.peer().stats().malformedMessages() >= 4
                            && log.text().contains("handler for") && log.text().contains("notification listener failed"));
                }
                logged = log.text();
            }
            h.assertSafe("log of round " + round, logged);
            h.assertSafe("error answer of round " + round, refused);
            h.assertSafe("misfit result of round " + round, misfit);
            assertThat(logged).contains("skipped malformed message", "error response without id",
                    "response for unknown or expired request id", "duplicate inbound request id");
        }
    }

    @Test
    void whatCodexSendsToAClientIsLoggedAndThrownSafely() {
        for (int round = 0; round < ROUNDS; round++) {
            HostileText h = new HostileText(1000 + round);
            String fallbackFailure = h.next();
            String listenerFailure = h.next();
            String misfitValue = h.next();
            Throwable misfit;
            Throwable unanswered;
            String logged;
            try (LogCapture log = LogCapture.start()) {
                JsonRpcPeer[] server = new JsonRpcPeer[1];
                CodexTransport.Factory factory = sink -> {
                    MemoryPipe down = new MemoryPipe();
                    MemoryPipe up = new MemoryPipe();
                    JsonRpcPeer client = JsonRpcPeer.builder(down.input(), up.output()).name("client").inbound(sink).build().start();
                    server[0] = JsonRpcPeer.builder(up.input(), down.output()).name("hostile-codex")
                            .handler("initialize", RequestHandler.sync(p -> Json.object().put("userAgent", "fake/0.169.0")
                                    .put("codexHome", "/tmp")))
                            .handler("misfit", RequestHandler.sync(p -> Json.object().put("count", misfitValue)))
                            .build().start();
                    return CodexTransport.inMemory(client, "the hostile codex", () -> {
                        client.close();
                        server[0].close();
                    });
                };
                try (CodexClient client = CodexClient.builder().transport(factory)
                        .serverRequests(r -> {
                            throw new IllegalStateException(fallbackFailure);
                        }).connect()) {
                    AtomicInteger seen = new AtomicInteger();
                    client.subscribe(e -> {
                        seen.incrementAndGet();
                        throw new IllegalStateException(listenerFailure);
                    });
                    misfit = catchThrowable(() -> client.request("misfit", Json.object(), Count.class));
                    server[0].notify(h.name(), Json.object().put("threadId", h.name()));
                    unanswered = catchThrowable(() -> server[0].request(h.name(), Json.object().put("threadId", h.name()),
                            Duration.ofSeconds(10)).join());
                    await().atMost(90, TimeUnit.SECONDS).until(() -> seen.get() >= 2
                            && log.text().contains("server request handler failed") && log.text().contains("event listener failed"));
                }
                logged = log.text();
            }
            h.assertSafe("log of round " + round, logged);
            h.assertSafe("misfit result of round " + round, misfit);
            h.assertSafe("codex's side of round " + round, unanswered);
            assertThat(misfit).hasMessageContaining("does not fit");
        }
    }

    @Test
    void codexsThreadIdsAndTurnErrorsReachSessionsLogsAndExceptionsSafely() {
        for (int round = 0; round < ROUNDS / 3; round++) {
            HostileText h = new HostileText(2000 + round);
            FakeCodex codex = new FakeCodex();
            codex.threadId = h.name();
            String turnError = Json.write(Json.object().put("message", h.next()));
            codex.onTurnStart = (f, t) -> f.completeTurn(t, "failed", turnError);
            Throwable taken;
            String logged;
            try (LogCapture log = LogCapture.start();
                 CodexClient shared = CodexClient.builder().transport(codex.factory()).connect();
                 CodexSession a = CodexSession.builder().client(shared).cwd(tmp)
                         .limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO)).build()) {
                a.runTurn(TurnInput.text(h.next()));
                try (CodexSession b = CodexSession.builder().client(shared).cwd(tmp)
                        .resumeThread(a.threadId()).build()) {
                    taken = catchThrowable(b::start);
                }
                logged = log.text();
            } finally {
                codex.shutdown();
            }
            h.assertSafe("log of round " + round, logged);
            assertThat(taken).hasMessageContaining("already open in another session");
            h.assertSafe("second session of round " + round, taken);
        }
    }

    @Test
    void codexsStderrAndExitReachLogsAndExceptionsSafely() throws Exception {
        for (int round = 0; round < 3; round++) {
            HostileText h = new HostileText(3000 + round);
            Path dir = Files.createDirectories(tmp.resolve("exit-" + round));
            Files.writeString(dir.resolve("stderr"), h.next() + "\n" + h.next() + "\nError: " + h.next() + "\n",
                    StandardCharsets.UTF_8);
            Path script = Scripts.write(dir, "codex", "cat '" + dir.resolve("stderr") + "' >&2\nexit 1");
            Throwable failed;
            String logged;
            try (LogCapture log = LogCapture.start()) {
                failed = catchThrowable(() -> CodexClient.builder().process(CodexLaunch.command(script).build())
                        .requestTimeout(Duration.ofSeconds(10)).connect().close());
                logged = log.text();
            }
            assertThat(failed).hasMessageContaining("exited with code 1").hasMessageContaining("Error: ");
            h.assertSafe("exception of round " + round, failed);
            h.assertSafe("log of round " + round, logged);
        }
    }

    @Test
    void codexsWordsWhileReconnectingReachLogsAndTheFinalCauseSafely() throws Exception {
        for (int round = 0; round < 2; round++) {
            HostileText h = new HostileText(4000 + round);
            Path dir = Files.createDirectories(tmp.resolve("reconnect-" + round));
            Files.writeString(dir.resolve("stderr"), h.next() + "\nError: " + h.next() + "\n", StandardCharsets.UTF_8);
            // the first start answers initialize and then dies; every later one dies before answering
            Path script = Scripts.write(dir, "codex", String.join("\n",
                    "cd '" + dir + "'",
                    "if [ ! -e started ]; then",
                    "  touch started",
                    "  IFS= read -r line",
                    "  id=$(printf '%s' \"$line\" | sed -n 's/.*\"id\":\\([0-9]*\\).*/\\1/p')",
                    "  printf '{\"id\":%s,\"result\":{\"userAgent\":\"fake/0.169.0\",\"codexHome\":\"/tmp\"}}\\n' \"$id\"",
                    "  sleep 0.3",
                    "fi",
                    "cat stderr >&2",
                    "exit 3"));
            ReconnectPolicy policy = new ReconnectPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20), 1);
            Throwable gaveUp;
            String logged;
            try (LogCapture log = LogCapture.start()) {
                CodexClient client = CodexClient.builder().process(CodexLaunch.command(script).build())
                        .requestTimeout(Duration.ofSeconds(10)).reconnect(policy).connect();
                try {
                    gaveUp = client.closedFuture().get(30, TimeUnit.SECONDS);
                } finally {
                    client.close();
                }
                await().atMost(90, TimeUnit.SECONDS).until(() -> log.text().contains("could not be reopened"));
                logged = log.text();
            }
            assertThat(logged).contains("lost (", "reconnect attempt 1 failed");
            h.assertSafe("log of round " + round, logged);
            h.assertSafe("final cause of round " + round, gaveUp);
        }
    }

    @Test
    void aVersionProbeShowsWhatTheBinaryPrintedSafely() throws Exception {
        for (int round = 0; round < 3; round++) {
            HostileText h = new HostileText(5000 + round);
            Path dir = Files.createDirectories(tmp.resolve("version-" + round));
            Files.writeString(dir.resolve("out"), h.next() + "\n" + h.next() + "\n", StandardCharsets.UTF_8);
            for (int exit : new int[] {0, 2}) {
                Path script = Scripts.write(dir, "codex-" + exit, "cat '" + dir.resolve("out") + "'\nexit " + exit);
                Throwable failed = catchThrowable(() -> CodexVersionProbe.probe(script, Duration.ofSeconds(10)));
                assertThat(failed).isNotNull();
                h.assertSafe("version probe exiting " + exit + " in round " + round, failed);
            }
        }
    }
}
