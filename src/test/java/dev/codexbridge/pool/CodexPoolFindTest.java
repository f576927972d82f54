package dev.codexbridge.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How a pool finds a thread it has no endpoint for (a host that restarted, a thread another host
 * placed): the endpoint that has it loaded gets it, a shared home lets any endpoint take it, an
 * "active writer" refusal goes to the owner or fails clearly, an endpoint that does not answer
 * holds nothing up past the probe timeout, and a thread replaced after a crash is known under its
 * new id. In-memory app-servers; nothing here runs codex.
 */
class CodexPoolFindTest {
    private final Map<String, FakeAppServer> servers = new LinkedHashMap<>();
    private final List<CodexPool> pools = new ArrayList<>();
    private final List<CodexSession> sessions = new ArrayList<>();

    @AfterEach
    void tearDown() {
        servers.values().forEach(s -> s.connectGate.countDown());
        sessions.forEach(CodexSession::close);
        pools.forEach(CodexPool::close);
        servers.values().forEach(s -> WireSchema.pinned().assertRequestsAndNotificationsValid(s.received()));
    }

    private FakeAppServer server(String name) {
        FakeAppServer s = new FakeAppServer(name);
        servers.put(name, s);
        return s;
    }

    private CodexPool pool(boolean sharedHome, Consumer<CodexPool.Builder> more) {
        CodexPool.Builder b = CodexPool.builder().sharedCodexHome(sharedHome).link(FakeAppServer.link(servers))
                .healthInterval(Duration.ofMinutes(10));
        for (String name : servers.keySet()) {
            b.endpoint(name, CodexEndpoint.parse("ws://127.0.0.1:1"));
        }
        more.accept(b);
        CodexPool pool = b.build();
        pools.add(pool);
        return pool;
    }

    private CodexSession resume(CodexPool pool, String thread) {
        CodexSession s = pool.resumeSession(thread, b -> b.cwd(Path.of("/w")));
        sessions.add(s);
        return s;
    }

    private CodexSession fresh(CodexPool pool) {
        CodexSession s = pool.newSession(b -> b.cwd(Path.of("/w")));
        sessions.add(s);
        return s;
    }

    @Test
    void aThreadThePoolDoesNotKnowGoesToTheEndpointThatHasItLoaded() {
        server("a").loaded.addAll(List.of("x-1", "x-2"));
        FakeAppServer b = server("b");
        b.loaded.addAll(List.of("y-1", "y-2", "y-3", "y-4", "y-5", "thread-9"));
        b.stored.add("thread-9");
        b.pageSize = 2;
        server("c");
        CodexPool pool = pool(false, x -> { });
        assertThat(pool.endpointOf("thread-9")).isEmpty();

        CodexSession s = resume(pool, "thread-9");

        assertThat(s.threadId()).isEqualTo("thread-9");
        assertThat(pool.endpointOf("thread-9")).as("learnt").contains("b");
        assertThat(b.asked("thread/loaded/list")).as("every page, up to the one that has it").isEqualTo(3);
        assertThat(b.asked("thread/resume")).isEqualTo(1);
        for (String other : List.of("a", "c")) {
            assertThat(servers.get(other).asked("thread/loaded/list")).as("%s asked", other).isEqualTo(1);
            assertThat(servers.get(other).asked("thread/resume")).as("no resume on %s", other).isZero();
        }
        assertThat(servers.values()).allSatisfy(x -> assertThat(x.asked("thread/read")).as("loaded is enough").isZero());

        // learnt: the next resume asks nobody
        s.close();
        sessions.remove(s);
        resume(pool, "thread-9");
        assertThat(servers.values()).allSatisfy(x -> assertThat(x.asked("thread/loaded/list")).isLessThanOrEqualTo(3));
        assertThat(servers.get("a").asked("thread/loaded/list")).isEqualTo(1);
        assertThat(b.asked("thread/resume")).isEqualTo(2);
    }

    /** Past its bound (issue 80) the pool forgets the least recently used thread's endpoint, and finds it again when asked. */
    @Test
    void aThreadWhoseEndpointThePoolForgotIsFoundWhereItIsLoaded() {
        server("a");
        FakeAppServer b = server("b");
        b.loaded.add("thread-1");
        b.stored.add("thread-1");
        CodexPool pool = pool(false, x -> x.threadsRemembered(2));
        pool.assign("thread-1", "b");
        pool.assign("thread-2", "a");
        assertThat(pool.endpointOf("thread-1")).as("asked: used").contains("b");
        pool.assign("thread-3", "a");
        assertThat(pool.endpointOf("thread-2")).as("the least recently used").isEmpty();
        pool.assign("thread-4", "a");
        assertThat(pool.endpointOf("thread-1")).as("forgotten in turn").isEmpty();

        CodexSession s = resume(pool, "thread-1");

        assertThat(s.threadId()).isEqualTo("thread-1");
        assertThat(pool.endpointOf("thread-1")).as("learnt again").contains("b");
        assertThat(b.asked("thread/resume")).isEqualTo(1);
        assertThat(servers.get("a").asked("thread/resume")).isZero();
        assertThatThrownBy(() -> CodexPool.builder().threadsRemembered(0)).hasMessageContaining("threadsRemembered");
    }

    @Test
    void onSeparateHomesAThreadNobodyHasLoadedGoesToTheEndpointThatHasItStored() {
        server("a");
        FakeAppServer b = server("b");
        b.stored.add("thread-7");
        CodexPool pool = pool(false, x -> { });

        resume(pool, "thread-7");

        assertThat(pool.endpointOf("thread-7")).contains("b");
        assertThat(servers.get("a").asked("thread/read")).isEqualTo(1);
        assertThat(servers.get("a").asked("thread/resume")).isZero();
        assertThat(b.received()).filteredOn(m -> m.path("method").asText().equals("thread/read"))
                .allSatisfy(m -> assertThat(m.path("params").path("includeTurns").asBoolean(true)).as("without turns").isFalse());

        assertThatThrownBy(() -> resume(pool, "thread-unknown")).isInstanceOf(PoolException.class)
                .hasMessageContaining("thread thread-unknown is on no endpoint of this pool that answered")
                .hasMessageContaining("a, b have it neither loaded nor stored")
                .hasMessageContaining("do not share CODEX_HOME");
        assertThat(pool.endpointOf("thread-unknown")).isEmpty();
    }

    @Test
    void onASharedHomeAThreadNobodyHasLoadedGoesToTheLeastLoadedEndpoint() {
        FakeAppServer a = server("a");
        FakeAppServer b = server("b");
        b.stored.add("thread-5");   // the shared home: every app-server reads the same files
        a.stored.add("thread-5");
        CodexPool pool = pool(true, x -> { });
        fresh(pool);                // a (listed first) now carries one thread, b none
        assertThat(pool.endpoints()).extracting(EndpointState::threads).containsExactly(1, 0);

        resume(pool, "thread-5");

        assertThat(pool.endpointOf("thread-5")).contains("b");
        assertThat(a.asked("thread/loaded/list")).isEqualTo(1);
        assertThat(b.asked("thread/loaded/list")).isEqualTo(1);
        assertThat(a.asked("thread/read") + b.asked("thread/read")).as("stored or not, the shared home has it").isZero();
        assertThat(b.loaded).contains("thread-5");
    }

    @Test
    void anActiveWriterRefusalGoesToTheEndpointThatHasTheThreadLoaded() {
        FakeAppServer a = server("a");
        FakeAppServer b = server("b");
        a.stored.add("thread-3");
        b.stored.add("thread-3");
        b.loaded.add("thread-3");
        a.resumeRefusal = id -> new RpcError(RpcError.INVALID_REQUEST, FakeAppServer.ACTIVE_WRITER.formatted(id));
        CodexPool pool = pool(true, x -> { });
        pool.assign("thread-3", "a");       // a host's saved map, out of date: b holds the thread now

        CodexSession s = resume(pool, "thread-3");

        assertThat(s.threadId()).isEqualTo("thread-3");
        assertThat(pool.endpointOf("thread-3")).contains("b");
        assertThat(a.asked("thread/resume")).isEqualTo(1);
        assertThat(b.asked("thread/resume")).isEqualTo(1);
        assertThat(pool.endpoints()).extracting(EndpointState::threads).as("the refused session let its place go").containsExactly(0, 1);
    }

    @Test
    void anActiveWriterNoEndpointHasLoadedFailsSayingWhatToDo() {
        FakeAppServer a = server("a");
        FakeAppServer b = server("b");
        for (FakeAppServer s : List.of(a, b)) {
            s.stored.add("thread-4");
            // an app-server outside the pool writes the thread
            s.resumeRefusal = id -> new RpcError(RpcError.INVALID_REQUEST, FakeAppServer.ACTIVE_WRITER.formatted(id));
        }
        CodexPool pool = pool(true, x -> { });

        assertThatThrownBy(() -> resume(pool, "thread-4")).isInstanceOf(PoolException.class)
                .hasMessageContaining("thread thread-4 has a writer the pool cannot reach")
                .hasMessageContaining("already has an active writer")
                .hasMessageContaining("Resume it there, or try again once that app-server lets it go");
        assertThat(a.asked("thread/resume") + b.asked("thread/resume")).as("one try, then the endpoints are asked again").isEqualTo(1);
        assertThat(pool.endpointOf("thread-4")).isEmpty();
        assertThat(pool.endpoints()).extracting(EndpointState::threads).containsExactly(0, 0);
    }

    @Test
    void anyOtherRefusalOfTheResumeIsCodexsOwnAnswer() {
        FakeAppServer a = server("a");
        a.loaded.add("thread-6");
        a.stored.add("thread-6");
        a.resumeRefusal = id -> new RpcError(RpcError.INVALID_REQUEST, "thread " + id + " is archived");
        CodexPool pool = pool(true, x -> { });

        assertThatThrownBy(() -> resume(pool, "thread-6")).isNotInstanceOf(PoolException.class)
                .hasMessageContaining("is archived");
        assertThat(a.asked("thread/resume")).isEqualTo(1);
        assertThat(a.asked("thread/loaded/list")).as("not routed: asked once, before the resume").isEqualTo(1);
    }

    @Test
    void endpointsThatDoNotAnswerHoldTheLookupUpOnlyUntilTheProbeTimeout() throws Exception {
        FakeAppServer hangs = server("hangs");
        hangs.connectGate = new CountDownLatch(1);     // its connect never returns until the test ends
        server("silent").silent = true;                // connected, never answers the question
        FakeAppServer owner = server("owner");
        owner.loaded.add("thread-8");
        owner.stored.add("thread-8");
        // were the lookup to wait for a request's own deadline, it would wait ten minutes; the probe's
        // 3 s are far longer than an answering endpoint needs, even on a machine other work holds
        CodexPool pool = pool(false, x -> x.probeTimeout(Duration.ofSeconds(3))
                .clientConfigurer(c -> c.requestTimeout(Duration.ofMinutes(10))));
        servers.get("silent").connectGate.countDown();

        CompletableFuture<CodexSession> resumed = CompletableFuture.supplyAsync(() -> resume(pool, "thread-8"));
        CodexSession s = resumed.get(60, TimeUnit.SECONDS);

        assertThat(s.threadId()).isEqualTo("thread-8");
        assertThat(pool.endpointOf("thread-8")).contains("owner");
        assertThat(servers.get("silent").asked("thread/loaded/list")).isEqualTo(1);

        // nobody answering, and no shared home: the message names who did not answer
        assertThatThrownBy(() -> resume(pool, "thread-elsewhere")).isInstanceOf(PoolException.class)
                .hasMessageContaining("hangs did not answer")
                .hasMessageContaining("silent did not answer within 3000 ms")
                .hasMessageContaining("owner has it neither loaded nor stored")
                .hasMessageContaining("try again once it is back");
    }

    @Test
    void aThreadReplacedAfterACrashIsKnownUnderItsNewId() {
        FakeAppServer a = server("a");
        CodexPool pool = pool(false, x -> x.clientConfigurer(c -> c.reconnect(
                new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4))));
        List<Optional<String>> seenByHost = new CopyOnWriteArrayList<>();
        List<ThreadReplacement> told = new CopyOnWriteArrayList<>();
        CodexSession s = pool.newSession(b -> b.cwd(Path.of("/w")).onThreadReplaced(r -> {
            seenByHost.add(pool.endpointOf(r.threadId()));
            told.add(r);
        }));
        sessions.add(s);
        String before = s.threadId();
        assertThat(pool.endpointOf(before)).contains("a");

        // codex dies before it wrote the thread down: the reconnected client finds no rollout
        a.stored.remove(before);
        a.loaded.remove(before);
        a.die();
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> told.size() == 1);

        String after = told.get(0).threadId();
        assertThat(told.get(0).previousThreadId()).isEqualTo(before);
        assertThat(s.threadId()).isEqualTo(after);
        assertThat(pool.endpointOf(after)).contains("a");
        assertThat(pool.endpointOf(before)).isEmpty();
        assertThat(seenByHost).as("the pool learnt it before the host's callback ran").containsExactly(Optional.of("a"));

        // and a later resume of the new id goes straight there
        s.close();
        sessions.remove(s);
        int lookups = a.asked("thread/loaded/list");
        assertThat(resume(pool, after).threadId()).isEqualTo(after);
        assertThat(a.asked("thread/loaded/list")).isEqualTo(lookups);
    }

    @Test
    void aHealthCheckLeavesAReconnectingConnectionAndItsThreadsAlone() {
        FakeAppServer a = server("a");
        CodexPool pool = pool(false, x -> x.clientConfigurer(c -> c.reconnect(
                new ReconnectPolicy(1_000, Duration.ofMillis(20), Duration.ofMillis(50), 4))));
        CodexSession s = pool.newSession(b -> b.cwd(Path.of("/w")));
        sessions.add(s);
        String thread = s.threadId();

        // the app-server drops the connection and refuses new ones for a while; its readiness probe still answers
        a.refusing = true;
        a.die();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !pool.endpoints().get(0).connected());
        pool.checkNow();
        pool.checkNow();
        a.refusing = false;

        // the reconnect (not a new client the pool opened in its place) resumes the thread: the session never learns of a close
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> a.asked("thread/resume") >= 1);
        assertThat(s.threadId()).isEqualTo(thread);
        assertThat(a.asked("initialize")).as("the first connection and its reconnect").isEqualTo(2);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> pool.endpoints().get(0).healthy());
    }

    private static final String AWAKE_ON_B = "0199a213-81c0-7800-8aa1-bbab2a035a53";

    /** The store's record of {@link #AWAKE_ON_B} as a host leaves it that stored it after a turn on b and stopped without a sleep. */
    private static void storedAwakeOnB(dev.codexbridge.store.ConversationStore store) {
        storedWith(store, "{\"awakeOn\":\"ws://127.0.0.1:2/\"}");
    }

    /** A first record of {@link #AWAKE_ON_B} (one rollout) with {@code settings}. */
    private static void storedWith(dev.codexbridge.store.ConversationStore store, String settings) {
        dev.codexbridge.store.ConversationLease lease = store.lease(AWAKE_ON_B, "earlier-host", Duration.ofMinutes(1));
        store.put(lease, dev.codexbridge.store.StoredConversation.builder(AWAKE_ON_B, List.of(dev.codexbridge.store.RolloutFile.of(
                "2026/11/25/rollout-2026-11-25T03-05-19-" + AWAKE_ON_B + ".jsonl", ("{\"type\":\"session_meta\",\"payload\":{\"id\":\""
                        + AWAKE_ON_B + "\"}}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                .settings(settings).build());
        store.release(lease);
    }

    private CodexPool poolOfAAndBWith(dev.codexbridge.store.ConversationStore store) {
        CodexPool pool = CodexPool.builder().link(FakeAppServer.link(servers)).healthInterval(Duration.ofMinutes(10))
                .endpoint("a", CodexEndpoint.parse("ws://127.0.0.1:1/")).endpoint("b", CodexEndpoint.parse("ws://127.0.0.1:2/"))
                .storage(dev.codexbridge.session.ConversationStorage.builder(store, "next-host").build()).build();
        pools.add(pool);
        return pool;
    }

    @Test
    void aConversationItsHostLeftAwakeWakesOnTheEndpointThatHasItsNewestCopy(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String thread = AWAKE_ON_B;
        FakeAppServer a = server("a");
        FakeAppServer b = server("b");
        b.stored.add(thread);
        try (dev.codexbridge.store.DiskConversationStore store = dev.codexbridge.store.DiskConversationStore.open(tmp.resolve("store"))) {
            storedAwakeOnB(store);
            CodexPool pool = poolOfAAndBWith(store);
            CodexSession s = resume(pool, thread);
            assertThat(s.threadId()).isEqualTo(thread);
            assertThat(pool.endpointOf(thread)).as("not a, the least loaded: b has the newest copy").contains("b");
            assertThat(b.asked("fs/writeFile")).as("nothing imported over it").isZero();
            assertThat(a.asked("thread/resume") + a.asked("fs/writeFile")).isZero();
        }
    }

    @Test
    void aConversationItsHostLeftAwakeOnAnEndpointThatIsDownWaitsForItOrItsRemoval(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        FakeAppServer a = server("a");
        FakeAppServer b = server("b");
        b.stored.add(AWAKE_ON_B);
        try (dev.codexbridge.store.DiskConversationStore store = dev.codexbridge.store.DiskConversationStore.open(tmp.resolve("store"))) {
            storedAwakeOnB(store);
            b.ready = false;
            CodexPool pool = poolOfAAndBWith(store);
            pool.checkNow();
            // b may still have it loaded, with turns the store lacks: not woken on a from the store's older copy
            assertThatThrownBy(() -> resume(pool, AWAKE_ON_B)).isInstanceOf(PoolException.class)
                    .satisfies(e -> assertThat(((PoolException) e).kind()).isEqualTo(dev.codexbridge.FailureKind.CODEX_UNAVAILABLE))
                    .hasMessageContaining("endpoint b").hasMessageContaining("removeEndpoint");
            assertThat(a.asked("thread/resume") + a.asked("fs/writeFile")).isZero();

            b.ready = true;
            pool.checkNow();
            assertThat(resume(pool, AWAKE_ON_B).threadId()).isEqualTo(AWAKE_ON_B);
            assertThat(pool.endpointOf(AWAKE_ON_B)).contains("b");
        }
    }

    @Test
    void aConversationItsHostLeftAwakeOnARemovedEndpointWakesElsewhereFromTheStore(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        FakeAppServer a = server("a");
        server("b");
        try (dev.codexbridge.store.DiskConversationStore store = dev.codexbridge.store.DiskConversationStore.open(tmp.resolve("store"))) {
            storedAwakeOnB(store);
            CodexPool pool = poolOfAAndBWith(store);
            pool.removeEndpoint("b").get(60, TimeUnit.SECONDS);
            assertThat(resume(pool, AWAKE_ON_B).threadId()).isEqualTo(AWAKE_ON_B);
            assertThat(pool.endpointOf(AWAKE_ON_B)).contains("a");
            assertThat(a.asked("fs/writeFile")).as("the store's copy written there").isPositive();
        }
    }

    @Test
    void aConversationWokenFromTheStoreIsRecordedAwakeWhereItWokeBeforeCodexThereResumesIt(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        FakeAppServer a = server("a");
        FakeAppServer b = server("b");
        try (dev.codexbridge.store.DiskConversationStore store = dev.codexbridge.store.DiskConversationStore.open(tmp.resolve("store"))) {
            // a sleep's record: it names no app-server
            dev.codexbridge.store.ConversationLease lease = store.lease(AWAKE_ON_B, "earlier-host", Duration.ofMinutes(1));
            store.put(lease, dev.codexbridge.store.StoredConversation.builder(AWAKE_ON_B, List.of(dev.codexbridge.store.RolloutFile.of(
                    "2026/11/25/rollout-2026-11-25T03-05-19-" + AWAKE_ON_B + ".jsonl", ("{\"type\":\"session_meta\",\"payload\":{\"id\":\""
                        + AWAKE_ON_B + "\"}}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                    .build());
            store.release(lease);
            CodexPool pool = poolOfAAndBWith(store);
            assertThat(resume(pool, AWAKE_ON_B).threadId()).isEqualTo(AWAKE_ON_B);
            String endpoint = pool.endpointOf(AWAKE_ON_B).orElseThrow();
            FakeAppServer woken = endpoint.equals("a") ? a : b;
            assertThat(woken.asked("fs/writeFile")).as("imported there").isPositive();
            // should this host die now, the next one must find it there, not import the store's copy elsewhere
            assertThat(dev.codexbridge.session.ConversationStorage.lastAwakeOn(store.get(AWAKE_ON_B).orElseThrow()))
                    .contains(java.net.URI.create(endpoint.equals("a") ? "ws://127.0.0.1:1/" : "ws://127.0.0.1:2/"));
        }
    }

    /** A sleep's record of {@link #AWAKE_ON_B} that says it slept on b (decision 0074). */
    private static void storedAsleepOnB(dev.codexbridge.store.ConversationStore store) {
        storedWith(store, "{\"sleptOn\":{\"at\":\"ws://127.0.0.1:2/\",\"version\":1,\"modified\":[1]}}");
    }

    @Test
    void aConversationThatSleptOnAnEndpointWakesThereWhenItHasRoomElseAnywhere(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        FakeAppServer a = server("a");
        server("b");
        try (dev.codexbridge.store.DiskConversationStore store = dev.codexbridge.store.DiskConversationStore.open(tmp.resolve("store"))) {
            storedAsleepOnB(store);
            assertThat(dev.codexbridge.session.ConversationStorage.lastSleptOn(store.get(AWAKE_ON_B).orElseThrow()))
                    .contains("ws://127.0.0.1:2/");
            CodexPool pool = poolOfAAndBWith(store);
            CodexSession s = resume(pool, AWAKE_ON_B);
            assertThat(pool.endpointOf(AWAKE_ON_B)).as("not a, the first of two equally loaded: b kept its copy").contains("b");
            assertThat(a.asked("thread/resume")).isZero();
            sessions.remove(s);
            s.closeGracefully().exceptionally(e -> null).get(60, TimeUnit.SECONDS);     // the lease back

            // drained, b takes no wake: any other endpoint does, from the store's copy
            storedAsleepOnBAgain(store);
            pool.drain("b");
            resume(pool, AWAKE_ON_B);
            assertThat(pool.endpointOf(AWAKE_ON_B)).contains("a");
            assertThat(a.asked("fs/writeFile")).as("the store's copy written there").isPositive();
        }
    }

    @ParameterizedTest(name = "still loaded on b: {0}")
    @ValueSource(booleans = {true, false})
    void aConversationWokenAwayFromWhereItSleptIsFirstDroppedThereWhenItIsStillLoadedThere(boolean stillLoaded,
                                                                                         @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        FakeAppServer a = server("a");
        FakeAppServer b = server("b");
        b.stored.add(AWAKE_ON_B);
        if (stillLoaded) {
            // its host died while its sleep waited for codex on b to unload it: the lease went with the host's database session
            b.loaded.add(AWAKE_ON_B);
        }
        java.util.concurrent.atomic.AtomicReference<Boolean> loadedOnBAtTheResume = new java.util.concurrent.atomic.AtomicReference<>();
        a.resumeRefusal = id -> {
            loadedOnBAtTheResume.set(b.loaded.contains(id));
            return null;
        };
        try (dev.codexbridge.store.DiskConversationStore store = dev.codexbridge.store.DiskConversationStore.open(tmp.resolve("store"))) {
            storedAsleepOnB(store);
            CodexPool pool = poolOfAAndBWith(store);
            pool.drain("b");
            assertThat(resume(pool, AWAKE_ON_B).threadId()).isEqualTo(AWAKE_ON_B);
            assertThat(pool.endpointOf(AWAKE_ON_B)).contains("a");
            assertThat(loadedOnBAtTheResume.get()).as("loaded on b when a resumed it").isFalse();
            assertThat(b.asked("thread/delete")).as("dropped on b only where it was loaded").isEqualTo(stillLoaded ? 1 : 0);
            assertThat(b.asked("thread/resume")).isZero();
        }
    }

    /** {@link #storedAsleepOnB} over whatever version the store holds now. */
    private static void storedAsleepOnBAgain(dev.codexbridge.store.ConversationStore store) {
        dev.codexbridge.store.ConversationLease lease = store.lease(AWAKE_ON_B, "earlier-host", Duration.ofMinutes(1));
        dev.codexbridge.store.StoredConversation now = store.get(AWAKE_ON_B).orElseThrow();
        store.put(lease, now.toBuilder().settings("{\"sleptOn\":{\"at\":\"ws://127.0.0.1:2/\",\"version\":" + (now.version() + 1)
                + ",\"modified\":[1]}}").build());
        store.release(lease);
    }
}
