package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.pool.EndpointState;
import dev.codexbridge.pool.PoolException;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.readme.PoolHost;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real app-servers on loopback WebSocket ports as the nodes of a {@link CodexPool}:
 * placement by load, affinity on resume, a killed node failing its sessions at once, resuming
 * elsewhere only on a shared CODEX_HOME, and nothing left behind.
 */
class CodexPoolLiveTest {
    private static final String TOKEN = "pool-node-token-c4a91e";

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path work;
    private Path token;
    private final List<ListeningAppServer> servers = new ArrayList<>();
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    private Set<String> threadsBefore;
    private long childrenBefore;
    private long socketsBefore;

    /**
     * One pool round before any baseline is taken: the first round in a JVM creates the JVM-wide
     * HTTP client behind the WebSocket connections and the health checks, and the JDK's client
     * holds one socket for its selector for as long as it lives (a one-time resource: later
     * rounds never add to it, which is what each test's leak check then verifies).
     */
    @BeforeAll
    static void warmUp(@TempDir Path dir) throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer m = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(dir.resolve("home"), m.baseUrl()).write();
            try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, Files.createDirectories(dir.resolve("w")), List.of());
                 CodexPool pool = CodexPool.builder().endpoint("warm-up", server.endpoint()).build();
                 CodexSession s = pool.newSession(b -> b.cwd(dir))) {
                assertThat(s.threadId()).isNotBlank();
            }
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        threadsBefore = bridgeThreads();
        childrenBefore = ProcessHandle.current().children().filter(ProcessHandle::isAlive).count();
        socketsBefore = openSockets();
        model = ScriptedModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
        token = tmp.resolve("token");
        Files.writeString(token, TOKEN + "\n");
    }

    @AfterEach
    void tearDown() {
        servers.forEach(ListeningAppServer::close);
        if (model != null) {
            model.close();
        }
        assertThat(WireSchema.pinned().validateConversation(wire)).isEmpty();
        // every reader and health thread ends, and every codex this test started is gone
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(bridgeThreads()).as("threads left behind").isSubsetOf(threadsBefore);
            assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isEqualTo(childrenBefore);
            assertThat(openSockets()).as("open sockets of this JVM").isLessThanOrEqualTo(socketsBefore);
        });
    }

    /** Sockets among this JVM's file descriptors (Linux); connections the pool leaked would stay. */
    private static long openSockets() {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(fds)) {
            return s.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reader and pool threads: one per connection and one per pool, so a leak shows as a name. */
    private static Set<String> bridgeThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("codex-bridge-reader-") || n.startsWith("codex-bridge-pool"))
                .collect(Collectors.toCollection(HashSet::new));
    }

    private List<ListeningAppServer> nodes(boolean sharedHome) {
        Path shared = IsolatedCodexHome.builder(tmp.resolve("home-shared"), model.baseUrl()).write();
        for (int i = 0; i < 3; i++) {
            Path home = sharedHome ? shared : IsolatedCodexHome.builder(tmp.resolve("home-" + i), model.baseUrl()).write();
            servers.add(ListeningAppServer.websocket(LiveCodex.binary(), home, work,
                    List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString())));
        }
        return servers;
    }

    private CodexPool pool(boolean sharedHome, int maxThreads) {
        CodexPool.Builder b = CodexPool.builder().maxThreadsPerEndpoint(maxThreads).sharedCodexHome(sharedHome)
                .healthInterval(Duration.ofMillis(500)).clientConfigurer(c -> c.wireTap(wire));
        for (int i = 0; i < servers.size(); i++) {
            b.endpoint("node-" + i, servers.get(i).endpoint().tokenFile(token));
        }
        return b.build();
    }

    private CodexSession session(CodexPool pool) {
        return pool.newSession(b -> b.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO)));
    }

    private int node(String name) {
        return Integer.parseInt(name.substring("node-".length()));
    }

    @Test
    void sessionsGoToTheLeastLoadedEndpointAndAResumedThreadReturnsToItsEndpoint() {
        nodes(false);
        try (CodexPool pool = pool(false, 2)) {
            assertThat(pool.endpoints()).allSatisfy(e -> assertThat(e.healthy()).isTrue());
            List<CodexSession> sessions = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sessions.add(session(pool));
            }
            assertThat(sessions.stream().map(s -> pool.endpointOf(s.threadId()).orElseThrow()).collect(Collectors.toSet()))
                    .as("one new thread per endpoint").containsExactlyInAnyOrder("node-0", "node-1", "node-2");
            for (int i = 0; i < 3; i++) {
                sessions.add(session(pool));
            }
            assertThat(pool.endpoints()).extracting(EndpointState::threads).containsExactly(2, 2, 2);
            assertThatThrownBy(() -> session(pool)).isInstanceOf(PoolException.class)
                    .hasMessageContaining("no healthy endpoint has room").hasMessageContaining("node-1 2/2 threads")
                    .hasMessageNotContaining(TOKEN);

            CodexSession first = sessions.get(0);
            String firstNode = pool.endpointOf(first.threadId()).orElseThrow();
            model.enqueue(ModelReply.message("first answer"));
            assertThat(first.runTurn(TurnInput.text("hi")).finalText()).isEqualTo("first answer");
            String thread = first.threadId();
            first.close();
            assertThat(pool.endpoints().get(node(firstNode)).threads()).isEqualTo(1);

            try (CodexSession resumed = pool.resumeSession(thread, b -> b.cwd(work))) {
                assertThat(resumed.threadId()).isEqualTo(thread);
                assertThat(pool.endpointOf(thread)).contains(firstNode);
                model.enqueue(ModelReply.message("second answer"));
                assertThat(resumed.runTurn(TurnInput.text("again")).finalText()).isEqualTo("second answer");
            }
            sessions.forEach(CodexSession::close);
        }
    }

    @Test
    void aKilledEndpointFailsItsSessionAtOnceAndItsThreadStaysWhenHomesAreSeparate() throws Exception {
        nodes(false);
        try (CodexPool pool = pool(false, 4)) {
            CodexSession s = session(pool);
            String lost = pool.endpointOf(s.threadId()).orElseThrow();
            model.enqueue(ModelReply.builder().execCommand("call-sleep", "sleep 60").build());
            CountDownLatch running = new CountDownLatch(1);
            var turn = s.runTurnAsync(TurnInput.text("wait"), TurnOptions.DEFAULTS, new TurnListener() {
                @Override
                public void onItemStarted(ThreadItem item) {
                    if (item instanceof ThreadItem.CommandExecution) {
                        running.countDown();
                    }
                }
            });
            assertThat(running.await(60, TimeUnit.SECONDS)).as("the command started").isTrue();
            servers.get(node(lost)).kill();

            TurnResult r = turn.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).as("failed, not timed out: nothing waited for a deadline").isEqualTo(TurnOutcome.FAILED);
            assertThat(r.error().message()).contains(servers.get(node(lost)).uri().toString());
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> !pool.endpoints().get(node(lost)).healthy());

            assertThatThrownBy(() -> pool.resumeSession(s.threadId(), b -> b.cwd(work)))
                    .isInstanceOf(PoolException.class).hasMessageContaining(lost).hasMessageContaining("is down")
                    .hasMessageContaining("do not share CODEX_HOME");
            s.close();
            // new sessions go to the endpoints that are left
            try (CodexSession next = session(pool)) {
                assertThat(pool.endpointOf(next.threadId()).orElseThrow()).isNotEqualTo(lost);
                model.enqueue(ModelReply.message("still served"));
                assertThat(next.runTurn(TurnInput.text("hi")).finalText()).isEqualTo("still served");
            }
        }
    }

    @Test
    void onASharedCodexHomeTheThreadOfAKilledEndpointResumesOnAnother() throws Exception {
        nodes(true);
        try (CodexPool pool = pool(true, 4)) {
            CodexSession s = session(pool);
            String thread = s.threadId();
            String lost = pool.endpointOf(thread).orElseThrow();
            model.enqueue(ModelReply.message("The secret is 42."));
            assertThat(s.runTurn(TurnInput.text("remember 42")).finalText()).isEqualTo("The secret is 42.");
            servers.get(node(lost)).kill();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !pool.endpoints().get(node(lost)).healthy());

            TurnResult dead = s.runTurn(TurnInput.text("are you there?"));
            assertThat(dead.status()).isEqualTo(TurnOutcome.FAILED);
            s.close();

            try (CodexSession moved = pool.resumeSession(thread, b -> b.cwd(work))) {
                String now = pool.endpointOf(thread).orElseThrow();
                assertThat(now).isNotEqualTo(lost);
                assertThat(moved.threadId()).isEqualTo(thread);
                model.enqueue(ModelReply.message("Still 42."));
                assertThat(moved.runTurn(TurnInput.text("what was it?")).finalText()).isEqualTo("Still 42.");
                // the resumed thread's history came from the shared home: the model saw the first turn
                assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).body().toString())
                        .contains("remember 42");
            }
        }
    }

    @Test
    void theDeployGuidesPoolExampleServesATurnAndStoresTheConversation() {
        nodes(false);
        // the pods' addresses as discovery gives them: "IP:port"
        List<String> addresses = servers.stream().map(s -> s.uri().getAuthority()).toList();
        String thread;
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            try (CodexPool pool = PoolHost.connect(addresses, token, store, "host-0")) {
                assertThat(pool.endpoints()).extracting(EndpointState::name).containsExactlyElementsOf(addresses);
                try (CodexSession s = pool.newSession(PoolHost.conversation(work))) {
                    model.enqueue(ModelReply.message("from the pool example"));
                    assertThat(s.runTurn(TurnInput.text("hi")).finalText()).isEqualTo("from the pool example");
                    thread = s.threadId();
                }
            }
            assertThat(store.get(thread)).as("closed: the conversation is in the store").isPresent();
        }
    }
}
