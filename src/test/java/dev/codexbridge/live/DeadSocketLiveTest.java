package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.protocol.ModelListParams;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.FaultProxy;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a dead connection to the real app-server is noticed: a connection reset (RST) or ended
 * (FIN) in the middle of a turn by the waiting read itself, over a WebSocket through a proxy and
 * over the unix socket when codex dies (with the keep-alive off, so that nothing else could notice
 * it); a connection gone silent (the proxy stops forwarding, or codex is stopped with SIGSTOP) by
 * the default keep-alive, within its bound. Each time is printed; the keep-alive's bound leaves
 * twice the slack it had for a loaded machine and still fails the behaviour before the keep-alive
 * was tightened (silence given up after 20–25 s). The two silences run at once, each on a codex of
 * its own, so that the keep-alive's bound is waited once.
 */
class DeadSocketLiveTest {
    /** Default keep-alive: a ping after 1 s of silence, given up 10 s later; plus the check's granularity and load (under 20 s). */
    private static final Duration SILENT_BOUND = CodexEndpoint.DEFAULT_KEEP_ALIVE
            .plus(CodexEndpoint.DEFAULT_KEEP_ALIVE_TIMEOUT).plusSeconds(8);

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path home;
    private Path work;

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = lateModel();
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    /** A model whose every answer takes 6 s: the connection dies while codex waits for it. */
    private static ScriptedModelServer lateModel() {
        return ScriptedModelServer.start().respondWhenEmpty(r -> {
            try {
                Thread.sleep(6_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ModelReply.message("late answer");
        });
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
    }

    @Test
    void aResetOrEndedWebSocketIsNoticedAtOnceMidTurn() throws Exception {
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of())) {
            // with the keep-alive off only the waiting read can notice: noticed() fails if it never does
            midTurn(server, "reset", FaultProxy::reset);
            midTurn(server, "cut", FaultProxy::cut);
        }
    }

    /** A WebSocket gone silent and, at the same time on a codex of its own, an app-server stopped on its unix socket, later killed. */
    @Test
    void aSilentWebSocketOrAStoppedAppServerIsNoticedWithinTheKeepAliveBoundAndAKilledOneAtOnce() throws Exception {
        ExecutorService side = Executors.newSingleThreadExecutor();
        try (ScriptedModelServer unixModel = lateModel();
             ListeningAppServer websocket = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of());
             ListeningAppServer server = ListeningAppServer.unix(LiveCodex.binary(),
                     IsolatedCodexHome.builder(tmp.resolve("unix-home"), unixModel.baseUrl()).write(), work, tmp.resolve("codex.sock"))) {
            Future<Noticed> stalled = side.submit(() -> midTurn(websocket, "stall", FaultProxy::stall));
            Noticed stopped;
            try (CodexClient client = CodexClient.builder().connect(server.endpoint())) {
                startTurn(client);
                long t0 = System.nanoTime();
                signal(server, "STOP");
                try {
                    stopped = noticed(client, t0, "unix stopped", "answered nothing");
                } finally {
                    signal(server, "CONT");
                }
            }
            Noticed stall = stalled.get(120, TimeUnit.SECONDS);
            assertThat(stall.took()).as("a silent WebSocket is given up by the keep-alive").isLessThan(SILENT_BOUND);
            assertThat(stall.silence()).as("not before its timeout of silence").isGreaterThanOrEqualTo(CodexEndpoint.DEFAULT_KEEP_ALIVE_TIMEOUT);
            assertThat(stopped.took()).as("a stopped app-server is given up by the keep-alive").isLessThan(SILENT_BOUND);
            assertThat(stopped.silence()).as("not before its timeout of silence").isGreaterThanOrEqualTo(CodexEndpoint.DEFAULT_KEEP_ALIVE_TIMEOUT);

            // the keep-alive off: the end of a unix socket can only reach the client through its waiting read
            try (CodexClient client = CodexClient.builder().connect(server.endpoint().keepAlive(Duration.ZERO))) {
                startTurn(client);
                long t0 = System.nanoTime();
                ProcessHandle.of(server.process().pid()).ifPresent(ProcessHandle::destroyForcibly);
                noticed(client, t0, "unix killed", "dropped");
            }
        } finally {
            side.shutdownNow();
        }
    }

    @Test
    void codexAnswersKeepAlivePingsOnTheUnixSocketSoAQuietConnectionStaysOpen() throws Exception {
        Path socket = tmp.resolve("codex.sock");
        try (ListeningAppServer server = ListeningAppServer.unix(LiveCodex.binary(), home, work, socket);
             CodexClient client = CodexClient.builder().connect(server.endpoint()
                     .keepAlive(Duration.ofMillis(100)).keepAliveTimeout(Duration.ofSeconds(5)))) {
            // over a hundred intervals with nothing to say, twice the timeout: only pings and pongs cross,
            // and codex has 5 s, not a loaded machine's moment, to answer each
            Thread.sleep(11_000);
            assertThat(client.closedFuture()).isNotDone();
            assertThat(client.modelList(new ModelListParams(null, null, null, null)).data()).isNotEmpty();
        }
    }

    /** A client through a fresh proxy, a turn under way, then {@code event}: how long until the client knows. */
    private Noticed midTurn(ListeningAppServer server, String what, Consumer<FaultProxy> event) throws Exception {
        boolean stall = what.equals("stall");
        try (FaultProxy proxy = FaultProxy.tcp(server.uri().getHost(), server.uri().getPort());
             CodexClient client = CodexClient.builder().connect(CodexEndpoint.parse("ws://127.0.0.1:" + proxy.port())
                     .keepAlive(stall ? CodexEndpoint.DEFAULT_KEEP_ALIVE : Duration.ZERO))) {
            CompletableFuture<TurnResult> turn = startTurn(client);
            long t0 = System.nanoTime();
            event.accept(proxy);
            Noticed took = noticed(client, t0, "websocket " + what, stall ? "answered nothing" : "dropped");
            assertThat(turn.get(30, TimeUnit.SECONDS).turnId()).as("the turn ended with the connection").isNotNull();
            return took;
        }
    }

    /** Starts a turn whose model answer takes 6 s and returns 1.5 s into it. */
    private CompletableFuture<TurnResult> startTurn(CodexClient client) throws InterruptedException {
        CodexSession session = CodexSession.builder().client(client).cwd(work).build();
        session.start();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("take your time"), TurnOptions.DEFAULTS,
                TurnListener.NONE);
        turn.whenComplete((r, e) -> session.close());
        Thread.sleep(1_500);
        return turn;
    }

    /**
     * How long after the fault the client knew, and how long codex had been silent when it gave up, as
     * its message says (null when it does not say): the keep-alive counts from the last frame codex sent,
     * which can come a moment before the fault (a pong, a delta), so the time since the fault alone may
     * be a little under the timeout.
     */
    private record Noticed(Duration took, Duration silence) {
    }

    private static Noticed noticed(CodexClient client, long t0, String what, String said) throws Exception {
        ConnectionClosedException cause = client.closedFuture().get(60, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        String why = ClientPlumbing.of(client).explainClose("", cause).getMessage();
        System.out.printf("dead socket: %s noticed after %d ms: %s%n", what, took.toMillis(), why);
        assertThat(why).contains(said);
        java.util.regex.Matcher silence = java.util.regex.Pattern.compile("for (\\d+) ms").matcher(why);
        return new Noticed(took, silence.find() ? Duration.ofMillis(Long.parseLong(silence.group(1))) : null);
    }

    /** Sends {@code SIGname} to codex and every process it started. */
    private static void signal(ListeningAppServer server, String name) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill", "-" + name, Long.toString(server.process().pid())));
        ProcessHandle.of(server.process().pid()).ifPresent(p -> p.descendants()
                .forEach(d -> command.add(Long.toString(d.pid()))));
        Process kill = new ProcessBuilder(command).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
}
