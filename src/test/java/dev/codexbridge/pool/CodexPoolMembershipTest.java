package dev.codexbridge.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Endpoints that join and leave a running pool, as a Deployment's pods do: a new one takes
 * sessions once probed, a removed one is never placed on or probed again and its connection
 * closes once no session holds a thread there, a pool whose threads live only on an endpoint's
 * disk refuses to strand them, and nothing is left open. In-memory app-servers; nothing here runs codex.
 */
class CodexPoolMembershipTest {
    private final Map<String, FakeAppServer> servers = new ConcurrentHashMap<>();
    private final List<CodexPool> pools = new ArrayList<>();
    private final List<CodexSession> sessions = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        sessions.forEach(CodexSession::close);
        pools.forEach(CodexPool::close);
        assertThat(servers.values()).as("every connection closed").allSatisfy(s -> assertThat(s.openConnections).hasValue(0));
        servers.values().forEach(s -> WireSchema.pinned().assertRequestsAndNotificationsValid(s.received()));
    }

    private static CodexEndpoint somewhere() {
        return CodexEndpoint.parse("ws://127.0.0.1:1");
    }

    private FakeAppServer server(String name) {
        FakeAppServer s = new FakeAppServer(name);
        servers.put(name, s);
        return s;
    }

    private CodexPool pool(Consumer<CodexPool.Builder> more, String... names) {
        CodexPool.Builder b = CodexPool.builder().link(FakeAppServer.link(servers)).healthInterval(Duration.ofMinutes(10));
        for (String name : names) {
            server(name);
            b.endpoint(name, somewhere());
        }
        more.accept(b);
        CodexPool pool = b.build();
        pools.add(pool);
        return pool;
    }

    private CodexSession fresh(CodexPool pool) {
        CodexSession s = pool.newSession(b -> b.cwd(Path.of("/w")));
        sessions.add(s);
        return s;
    }

    private void close(CodexSession s) {
        s.close();
        sessions.remove(s);
    }

    @Test
    void anEndpointAddedWhileSessionsRunTakesTheNextOnesOnceProbed() {
        CodexPool pool = pool(b -> { }, "a");
        CodexSession onA = fresh(pool);
        FakeAppServer b = server("b");

        pool.addEndpoint("b", somewhere(), 3);

        assertThat(b.probes).as("probed before addEndpoint returns").hasValue(1);
        assertThat(pool.endpoints()).extracting(EndpointState::name).containsExactly("a", "b");
        assertThat(pool.endpoints().get(1)).satisfies(e -> {
            assertThat(e.healthy()).isTrue();
            assertThat(e.maxThreads()).isEqualTo(3);
        });
        CodexSession next = fresh(pool);
        assertThat(pool.endpointOf(next.threadId())).as("the least loaded").contains("b");
        assertThat(pool.endpointOf(onA.threadId())).contains("a");
        assertThat(servers.get("a").openConnections).as("the running session kept its connection").hasValue(1);
        assertThatThrownBy(() -> pool.addEndpoint("a", somewhere())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("endpoint named a already");
        server("c");
        pool.addEndpoint("c", somewhere());
        assertThat(pool.endpoints().get(2).maxThreads()).as("the pool's default").isEqualTo(CodexClient.Builder.DEFAULT_MAX_THREADS);
    }

    @Test
    void anEndpointAddedNotReadyTakesNothingUntilAProbeAnswersReady() {
        CodexPool pool = pool(b -> { }, "a");
        fresh(pool);
        server("b").ready = false;
        pool.addEndpoint("b", somewhere());
        assertThat(pool.endpoints().get(1).healthy()).isFalse();
        assertThat(pool.endpointOf(fresh(pool).threadId())).contains("a");

        servers.get("b").ready = true;
        pool.checkNow();
        assertThat(pool.endpointOf(fresh(pool).threadId())).contains("b");
    }

    @Test
    void aRemovedEndpointIsNeverPlacedOnNorProbedAndItsConnectionClosesOnceItsThreadsAreGone() throws Exception {
        CodexPool pool = pool(b -> b.sharedCodexHome(true).maxThreadsPerEndpoint(2), "a", "b");
        CodexSession onA = fresh(pool);
        pool.drain("a");

        CompletableFuture<Void> gone = pool.removeEndpoint("a");

        assertThat(gone).as("a session still holds its thread on a").isNotDone();
        assertThat(servers.get("a").openConnections).hasValue(1);
        assertThat(pool.endpoints()).extracting(EndpointState::name).containsExactly("b");
        int probes = servers.get("a").probes.get();
        pool.checkNow();
        assertThat(servers.get("a").probes).as("not probed once removed").hasValue(probes);
        assertThat(pool.endpointOf(fresh(pool).threadId())).contains("b");
        assertThat(pool.endpointOf(fresh(pool).threadId())).contains("b");
        assertThatThrownBy(() -> fresh(pool)).as("b is full; a is not a member").isInstanceOf(PoolException.class)
                .hasMessageEndingWith("no healthy endpoint has room for a session: b 2/2 threads");
        assertThatThrownBy(() -> pool.drain("a")).isInstanceOf(IllegalArgumentException.class);

        close(onA);
        pool.checkNow();
        gone.get(60, TimeUnit.SECONDS);
        assertThat(servers.get("a").openConnections).as("closed once no session held a thread there").hasValue(0);
        assertThat(pool.endpointOf(onA.threadId())).as("forgotten: the shared home has the thread").isEmpty();
    }

    @Test
    void onASharedHomeAThreadOfARemovedEndpointIsResumedOnAMember() {
        CodexPool pool = pool(b -> b.sharedCodexHome(true), "a", "b");
        CodexSession onA = fresh(pool);
        String thread = onA.threadId();
        close(onA);
        servers.get("a").loaded.remove(thread);
        servers.get("b").stored.add(thread);   // the shared home: b finds it
        assertThat(pool.removeEndpoint("a")).isDone();

        CodexSession again = pool.resumeSession(thread, b -> b.cwd(Path.of("/w")));
        sessions.add(again);

        assertThat(pool.endpointOf(thread)).contains("b");
        assertThat(servers.get("a").asked("thread/resume")).isZero();
    }

    @Test
    void withoutAStoreOrASharedHomeRemovingAnEndpointThatHoldsThreadsIsRefused() {
        CodexPool pool = pool(b -> { }, "a", "b");
        CodexSession onA = fresh(pool);
        String thread = onA.threadId();

        assertThatThrownBy(() -> pool.removeEndpoint("a")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("endpoint a holds 1 thread(s)").hasMessageContaining("live only on a's disk")
                .hasMessageContaining("Builder.storage");
        assertThat(pool.endpoints()).as("nothing changed").extracting(EndpointState::name).containsExactly("a", "b");
        assertThat(pool.endpoints().get(0).draining()).isFalse();

        close(onA);
        assertThat(pool.removeEndpoint("a")).as("no thread held: closed at once").isDone();
        assertThat(servers.get("a").openConnections).hasValue(0);
        assertThatThrownBy(() -> pool.resumeSession(thread, b -> b.cwd(Path.of("/w")))).isInstanceOf(PoolException.class)
                .hasMessageContaining("lives on endpoint a").hasMessageContaining("was removed from the pool")
                .hasMessageContaining("back in the pool (addEndpoint)");

        // the app-server comes back under the same name: its disk has the thread
        pool.addEndpoint("a", somewhere());
        sessions.add(pool.resumeSession(thread, b -> b.cwd(Path.of("/w"))));
        assertThat(servers.get("a").asked("thread/resume")).isEqualTo(1);
    }

    @Test
    void anEndpointWhoseAppServerDiedCanBeRemovedWithoutAStore() {
        CodexPool pool = pool(b -> { }, "a", "b");
        fresh(pool);
        servers.get("a").die();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !pool.endpoints().get(0).connected());
        assertThat(pool.removeEndpoint("a")).as("its threads are held nowhere now").isDone();
        assertThat(pool.endpoints()).extracting(EndpointState::name).containsExactly("b");
    }

    @Test
    void closingThePoolClosesARemovedEndpointsConnectionAndStopsItsChecks() {
        CodexPool pool = pool(b -> b.sharedCodexHome(true).healthInterval(Duration.ofMillis(50)), "a", "b");
        fresh(pool);
        CompletableFuture<Void> gone = pool.removeEndpoint("a");
        assertThat(gone).isNotDone();

        pool.close();

        assertThat(gone).isDone();
        assertThat(servers.get("a").openConnections).hasValue(0);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive() && t.getName().startsWith("codex-bridge-pool-health"));
        assertThatThrownBy(() -> pool.addEndpoint("c", somewhere())).isInstanceOf(PoolException.class).hasMessageContaining("closed");
    }

    @Test
    void endpointsComeAndGoWhileSessionsAreOpenedAndNoneLandsOnARemovedOne() throws Exception {
        CodexPool pool = pool(b -> b.sharedCodexHome(true), "a");
        Set<String> removed = ConcurrentHashMap.newKeySet();
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> opening = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                opening.add(callers.submit(() -> {
                    for (int n = 0; n < 20; n++) {
                        Set<String> removedBefore = Set.copyOf(removed);
                        CodexSession s = fresh(pool);
                        assertThat(pool.endpointOf(s.threadId()).orElseThrow()).isNotIn(removedBefore);
                        close(s);
                    }
                    return null;
                }));
            }
            List<CompletableFuture<Void>> removals = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                server("pod-" + i);
                pool.addEndpoint("pod-" + i, somewhere());
                if (i > 0) {
                    removals.add(pool.removeEndpoint("pod-" + (i - 1)));
                    removed.add("pod-" + (i - 1));
                }
            }
            for (Future<?> f : opening) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.checkNow();
            CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
        }
        assertThat(pool.endpoints()).extracting(EndpointState::name).containsExactly("a", "pod-9");
        for (int i = 0; i < 9; i++) {
            assertThat(servers.get("pod-" + i).openConnections).as("pod-%d let go", i).hasValue(0);
        }
        CodexSession last = fresh(pool);
        assertThat(pool.endpointOf(last.threadId()).orElseThrow()).isIn("a", "pod-9");
    }
}
