package dev.codexbridge.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** CodexTenants against in-memory codex peers: placement, caps, eviction, homes and environments. */
class CodexTenantsTest {
    /** Under target/: a homes root under /tmp (where @TempDir is) is refused. */
    private final Path tmp = TestDirs.create("tenants");

    /** Every process started: its launch options, and the fake codex behind it. */
    private final List<ClientOptions> started = Collections.synchronizedList(new ArrayList<>());
    private final List<FakeCodex> fakes = Collections.synchronizedList(new ArrayList<>());
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final List<CodexTenants> opened = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException {
        opened.forEach(CodexTenants::close);
        fakes.forEach(FakeCodex::shutdown);
        TestDirs.delete(tmp);
    }

    private CodexTenants.Builder tenants() {
        CodexTenants.Builder b = CodexTenants.builder()
                .homesRoot(tmp.resolve("tenants"))
                .launch(CodexLaunch.appServer(Path.of("/usr/bin/codex-not-run")).build())
                .mountNamespace(Path.of("/usr/bin/bwrap"))   // named, not run: the fakes start no process
                .hostEnvironment(Map.of("PATH", "/usr/bin:/bin", "LANG", "C.UTF-8", "HOST_SECRET", "host-only",
                        "HOME", "/root", "OTHER", "x"))
                .listener(new TenantListener() {
                    @Override
                    public void processStarted(String tenantId, Duration took) {
                        events.add("started " + tenantId);
                    }

                    @Override
                    public void processStopped(String tenantId, TenantStop why) {
                        events.add("stopped " + tenantId + " " + why);
                    }
                });
        b.connector = this::connectFake;
        return b;
    }

    private CodexTenants build(CodexTenants.Builder b) {
        CodexTenants t = b.build();
        opened.add(t);
        return t;
    }

    private CodexClient connectFake(ClientOptions options) {
        started.add(options);
        FakeCodex fake = new FakeCodex();
        fake.distinctThreads = true;
        fakes.add(fake);
        return CodexClient.builder().transport(fake.factory()).maxThreads(options.maxThreads()).connect();
    }

    private static Map<String, String> environmentOf(ClientOptions options) {
        Map<String, String> env = new HashMap<>(Map.of("INHERITED_BY_PROCESS_BUILDER", "y"));
        options.launch().applyEnvironment(env);
        return env;
    }

    private CodexSession open(CodexTenants tenants, String tenant) {
        return tenants.newSession(tenant, inWork());
    }

    /** No cwd: the tenants give the thread the tenant's own workspace. */
    private Consumer<CodexSession.Builder> inWork() {
        return b -> { };
    }

    @Test
    void aTenantsCodexGetsOnlyTheAllowListItsOwnVariablesAndItsOwnHomes() {
        CodexTenants tenants = build(tenants().tenantEnvironment(id -> Map.of("TENANT_VAR", "of-" + id)));
        open(tenants, "alice").close();
        open(tenants, "bob").close();

        assertThat(started).hasSize(2);
        Map<String, String> alice = environmentOf(started.get(0));
        Map<String, String> bob = environmentOf(started.get(1));
        Path aliceDir = tenants.tenantDirectory("alice");
        assertThat(alice).containsEntry("TENANT_VAR", "of-alice").containsEntry("PATH", "/usr/bin:/bin")
                .containsEntry("LANG", "C.UTF-8")
                .containsEntry("CODEX_HOME", aliceDir.resolve("codex-home").toString())
                .containsEntry("HOME", aliceDir.resolve("home").toString())
                .doesNotContainKeys("HOST_SECRET", "OTHER", "INHERITED_BY_PROCESS_BUILDER");
        assertThat(alice.values()).doesNotContain("of-bob", "host-only", "/root");
        assertThat(bob).containsEntry("TENANT_VAR", "of-bob")
                .containsEntry("CODEX_HOME", tenants.tenantDirectory("bob").resolve("codex-home").toString());
        assertThat(started.get(0).launch().arguments()).containsSequence("-c", "features.shell_snapshot=false")
                .containsSequence("-c", "features.plugins=false").containsSequence("-c", "features.apps=false");
        // codex runs in the tenant's workspace (a thread given no cwd runs there), never a folder tenants share
        assertThat(started.get(0).launch().workingDirectory()).isEqualTo(aliceDir.resolve("workspace"));
        assertThat(started.get(0).maxThreads()).isEqualTo(100);
    }

    @Test
    void homesAreOwnerOnlyAndPreparedOncePerTenantAcrossRestarts() throws Exception {
        AtomicInteger prepared = new AtomicInteger();
        TenantHomeSetup setup = TenantHomeSetup.configToml(id -> "model = \"m-" + id + "\"\n")
                .andThen(home -> prepared.incrementAndGet());
        CodexTenants first = build(tenants().homeSetup(setup));
        open(first, "alice").close();
        open(first, "alice").close();
        first.close();
        CodexTenants again = build(tenants().homeSetup(setup));
        open(again, "alice").close();

        assertThat(prepared).hasValue(1);
        Path dir = again.tenantDirectory("alice");
        for (Path p : List.of(tmp.resolve("tenants"), dir, dir.resolve("codex-home"), dir.resolve("home"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rwx------");
        }
        Path config = dir.resolve("codex-home/config.toml");
        assertThat(Files.readString(config)).isEqualTo("model = \"m-alice\"\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
    }

    @Test
    void aFailedSetupLeavesTheHomeUnpreparedAndTheNextSessionTriesAgain() {
        AtomicInteger calls = new AtomicInteger();
        CodexTenants tenants = build(tenants().homeSetup(home -> {
            if (calls.incrementAndGet() == 1) {
                throw new IOException("template unreadable");
            }
        }));
        assertThatThrownBy(() -> open(tenants, "alice")).hasMessageContaining("template unreadable")
                .hasMessageContaining("tenant alice");
        assertThat(started).isEmpty();
        open(tenants, "alice").close();
        assertThat(calls).hasValue(2);
    }

    /** The chaos run with replicas deleted a principal's codex home under a running host: every later start failed. */
    @Test
    void aHomeLostUnderARunningHostIsPreparedAgainAtTheNextStart() throws IOException {
        AtomicInteger prepared = new AtomicInteger();
        CodexTenants tenants = build(tenants().template("model = \"m\"\n").homeSetup(home -> prepared.incrementAndGet())
                .idleTimeout(Duration.ofMillis(200)));
        open(tenants, "alice").close();
        waitFor(() -> tenants.processes() == 0);
        Path codexHome = tenants.tenantDirectory("alice").resolve("codex-home");
        TestDirs.delete(codexHome);

        open(tenants, "alice").close();
        assertThat(Files.readString(codexHome.resolve("config.toml"))).contains("model = \"m\"");
        assertThat(prepared).as("the setup runs again for the new home").hasValue(2);
        assertThat(started).hasSize(2);
    }

    /**
     * The chaos run with replicas, again: the principal's codex was started anew before its home was deleted, and
     * codex made the folder again as it wrote; the home looked prepared, and every later resume there was refused,
     * "model provider … is no longer configured", and with the config back, "no such table: threads" (its state database
     * went with the home).
     */
    @Test
    void aHomeLostUnderItsRunningCodexIsPreparedAgainThoughCodexMadeTheFolderAgain() throws IOException {
        AtomicInteger prepared = new AtomicInteger();
        CodexTenants tenants = build(tenants().template("model_provider = \"mock\"\n").homeSetup(home -> prepared.incrementAndGet()));
        CodexSession running = open(tenants, "alice");
        Path codexHome = tenants.tenantDirectory("alice").resolve("codex-home");
        TestDirs.delete(codexHome);
        Files.createDirectories(codexHome.resolve("sessions"));        // codex writing a rollout into the lost home

        open(tenants, "alice").close();

        assertThat(started).as("the codex running on nothing is stopped, and one starts on the home prepared again").hasSize(2);
        assertThat(Files.readString(codexHome.resolve("config.toml"))).contains("model_provider = \"mock\"");
        assertThat(prepared).as("the setup runs again for the new home").hasValue(2);
        open(tenants, "alice").close();
        assertThat(prepared).as("and only once").hasValue(2);
        running.close();
    }

    @Test
    void idsThatAreNotPlainNamesGetAHashedFolderInsideTheRoot() {
        assertThat(CodexTenants.folderName("alice-2")).isEqualTo("alice-2");
        assertThat(CodexTenants.folderName("../../etc")).startsWith("_").hasSize(33);
        assertThat(CodexTenants.folderName("Alice@example.com")).startsWith("_")
                .isNotEqualTo(CodexTenants.folderName("alice@example.com"));
        CodexTenants tenants = build(tenants());
        assertThat(tenants.tenantDirectory("../../etc").getParent()).isEqualTo(tmp.resolve("tenants").toAbsolutePath());
    }

    @Test
    void aTenantsSessionsShareItsProcessUpToTheThreadCapThenRefuseAtOnce() {
        CodexTenants tenants = build(tenants().maxThreadsPerTenant(2));
        CodexSession one = open(tenants, "alice");
        CodexSession two = open(tenants, "alice");
        assertThat(started).hasSize(1);
        assertThat(tenants.usage("alice")).isEqualTo(new TenantUsage("alice", 1, 2));

        assertThatThrownBy(() -> open(tenants, "alice"))
                .isInstanceOfSatisfying(TenantCapacityException.class, e -> {
                    assertThat(e.limit()).isEqualTo(TenantLimit.THREADS_PER_TENANT);
                    assertThat(e.tenantId()).isEqualTo("alice");
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(5));
                })
                .hasMessageContaining("maxThreadsPerTenant 2");
        // another tenant is not affected by alice's cap
        open(tenants, "bob").close();
        one.close();
        open(tenants, "alice").close();
        two.close();
        assertThat(started).hasSize(2);
    }

    @Test
    void atTheProcessCapTheLeastRecentlyUsedIdleProcessIsEvicted() {
        CodexTenants tenants = build(tenants().maxProcesses(2));
        open(tenants, "alice").close();
        open(tenants, "bob").close();
        open(tenants, "alice").close();          // alice used after bob: bob is the least recently used
        CodexSession carol = open(tenants, "carol");

        assertThat(tenants.processes()).isEqualTo(2);
        assertThat(tenants.usage("bob").processes()).isZero();
        assertThat(tenants.usage("alice").processes()).isEqualTo(1);
        waitFor(() -> events.contains("stopped bob EVICTED"));
        assertThat(fakes.get(1).opens).hasValue(1);
        carol.close();
    }

    @Test
    void whenEveryProcessIsBusyANewTenantIsRefusedAtOnceWithWhenToRetry() {
        List<TenantCapacityException> refused = Collections.synchronizedList(new ArrayList<>());
        CodexTenants tenants = build(tenants().maxProcesses(2).retryAfter(Duration.ofSeconds(3)).listener(new TenantListener() {
            @Override
            public void refused(TenantCapacityException refusal) {
                refused.add(refusal);
            }
        }));
        CodexSession a = open(tenants, "alice");
        CodexSession b = open(tenants, "bob");
        assertThatThrownBy(() -> open(tenants, "carol"))
                .isInstanceOfSatisfying(TenantCapacityException.class, e -> {
                    assertThat(e.limit()).isEqualTo(TenantLimit.PROCESSES);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3));
                })
                .hasMessageContaining("all 2 codex processes");
        assertThat(refused).hasSize(1);
        assertThat(started).hasSize(2);
        b.close();
        CodexSession c = open(tenants, "carol");   // bob's process is idle now, and evicted for carol
        assertThat(tenants.usage("bob").processes()).isZero();
        a.close();
        c.close();
    }

    @Test
    void noTenantCanTakeEveryProcess() {
        assertThatThrownBy(() -> tenants().maxProcesses(4).maxProcessesPerTenant(4).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no tenant can take every process");
        CodexTenants tenants = build(tenants().maxProcesses(3).maxProcessesPerTenant(2).maxThreadsPerProcess(1)
                .maxThreadsPerTenant(10));
        CodexSession a1 = open(tenants, "alice");
        CodexSession a2 = open(tenants, "alice");
        assertThat(tenants.usage("alice")).isEqualTo(new TenantUsage("alice", 2, 2));
        assertThatThrownBy(() -> open(tenants, "alice"))
                .isInstanceOfSatisfying(TenantCapacityException.class,
                        e -> assertThat(e.limit()).isEqualTo(TenantLimit.PROCESSES_PER_TENANT));
        CodexSession b = open(tenants, "bob");     // the process alice could not take is bob's
        assertThat(tenants.processes()).isEqualTo(3);
        a1.close();
        a2.close();
        b.close();
    }

    @Test
    void anIdleProcessIsStoppedAfterTheTimeoutAndTheNextSessionStartsAnotherThatResumes() {
        CodexTenants tenants = build(tenants().idleTimeout(Duration.ofMillis(200)));
        CodexSession s = open(tenants, "alice");
        String thread = s.threadId();
        s.close();
        waitFor(() -> tenants.processes() == 0);
        waitFor(() -> events.contains("stopped alice IDLE"));

        CodexSession again = tenants.resumeSession("alice", thread, inWork());
        assertThat(again.threadId()).isEqualTo(thread);
        assertThat(started).hasSize(2);
        assertThat(fakes.get(1).received()).anySatisfy(m -> {
            assertThat(m.path("method").asText()).isEqualTo("thread/resume");
            assertThat(m.path("params").path("threadId").asText()).isEqualTo(thread);
        });
        again.close();
    }

    @Test
    void aProcessWithAnOpenSessionIsNeverStoppedForIdleness() throws Exception {
        CodexTenants tenants = build(tenants().idleTimeout(Duration.ofMillis(100)));
        CodexSession s = open(tenants, "alice");
        Thread.sleep(600);
        assertThat(tenants.processes()).isEqualTo(1);
        assertThat(events).doesNotContain("stopped alice IDLE");
        s.close();
        waitFor(() -> tenants.processes() == 0);
    }

    @Test
    void eachTenantHasOneGovernorForAllItsSessions() {
        Map<String, RateLimitGovernor> made = new ConcurrentHashMap<>();
        AtomicInteger calls = new AtomicInteger();
        CodexTenants tenants = build(tenants().maxThreadsPerProcess(1).maxProcessesPerTenant(2).maxProcesses(3)
                .rateLimits(id -> {
                    calls.incrementAndGet();
                    return made.computeIfAbsent(id, x -> RateLimitGovernor.builder().build());
                }));
        CodexSession a1 = open(tenants, "alice");
        CodexSession a2 = open(tenants, "alice");   // on alice's second process
        open(tenants, "bob").close();
        assertThat(calls).hasValue(2);
        assertThat(made).containsOnlyKeys("alice", "bob");
        a1.close();
        a2.close();
    }

    @Test
    void aDeadProcessIsReplacedOnTheNextSession() {
        CodexTenants tenants = build(tenants());
        open(tenants, "alice").close();
        fakes.get(0).die();
        waitFor(() -> events.contains("stopped alice DIED"));
        assertThat(tenants.processes()).isZero();
        open(tenants, "alice").close();
        assertThat(started).hasSize(2);
    }

    /** A client starting codex again under its reconnect policy is not dead: the sweep keeps it, and it serves on. */
    @Test
    void aProcessWhoseClientIsReconnectingIsNotTakenForDead() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CodexTenants.Builder b = tenants().idleTimeout(Duration.ofMillis(200));   // a sweep every 50 ms
        b.connector = options -> {
            started.add(options);
            FakeCodex fake = new FakeCodex();
            fake.distinctThreads = true;
            fakes.add(fake);
            AtomicInteger opens = new AtomicInteger();
            return CodexClient.builder().reconnect(ReconnectPolicy.DEFAULT).maxThreads(options.maxThreads()).transport(sink -> {
                if (opens.incrementAndGet() > 1) {                          // the reconnect waits until released
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return fake.factory().open(sink);
            }).connect();
        };
        CodexTenants tenants = build(b);
        CodexSession s = open(tenants, "alice");
        fakes.get(0).die();
        Thread.sleep(600);                                                   // a dozen sweeps while it reconnects
        assertThat(events).doesNotContain("stopped alice DIED");
        assertThat(tenants.processes()).isEqualTo(1);
        release.countDown();
        waitFor(() -> fakes.get(0).opens.get() == 2);
        s.close();
        open(tenants, "alice").close();
        assertThat(started).as("the same process served on").hasSize(1);
        assertThat(events).doesNotContain("stopped alice DIED");
    }

    @Test
    void closingStopsEveryProcessAndRefusesNewSessions() {
        CodexTenants tenants = build(tenants());
        CodexSession a = open(tenants, "alice");
        open(tenants, "bob").close();
        tenants.close();
        assertThat(tenants.processes()).isZero();
        assertThat(events).contains("stopped alice CLOSED", "stopped bob CLOSED");
        assertThat(a.client().isOpen()).isFalse();
        assertThatThrownBy(() -> open(tenants, "alice")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void manyFirstSessionsOfATenantAtOnceStartOneProcessAndPrepareTheHomeOnce() throws Exception {
        AtomicInteger prepared = new AtomicInteger();
        CodexTenants.Builder b = tenants().maxThreadsPerProcess(20).homeSetup(home -> prepared.incrementAndGet());
        CountDownLatch release = new CountDownLatch(1);
        b.connector = options -> {
            try {
                release.await(20, TimeUnit.SECONDS);       // a slow codex start: the others find it starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return connectFake(options);
        };
        CodexTenants tenants = build(b);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<CodexSession>> sessions = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                sessions.add(CompletableFuture.supplyAsync(() -> open(tenants, "alice"), callers));
            }
            Thread.sleep(300);
            release.countDown();
            for (CompletableFuture<CodexSession> s : sessions) {
                s.get(20, TimeUnit.SECONDS).close();
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(started).hasSize(1);
        assertThat(prepared).hasValue(1);
    }

    @Test
    void remoteTenantsConnectToTheirOwnAppServerAndPrepareNothingHere() {
        CodexTenants.Builder b = CodexTenants.builder()
                .remote(id -> CodexEndpoint.parse("ws://127.0.0.1:" + (id.equals("alice") ? 4501 : 4502)))
                .homeSetup(home -> {
                    throw new AssertionError("no home is prepared for a remote tenant");
                });
        b.connector = this::connectFake;
        CodexTenants tenants = build(b);
        open(tenants, "alice").close();
        open(tenants, "bob").close();
        assertThat(started).extracting(o -> o.endpoint().uri().toString())
                .containsExactly("ws://127.0.0.1:4501/", "ws://127.0.0.1:4502/");
        assertThat(started).allSatisfy(o -> assertThat(o.launch()).isNull());
        assertThat(tmp.resolve("tenants")).doesNotExist();
        assertThatThrownBy(() -> tenants.tenantDirectory("alice")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aProcessStillStartingWhenTheTenantsCloseIsStoppedOnceItHasStarted() {
        CountDownLatch release = new CountDownLatch(1);
        List<CodexClient> made = Collections.synchronizedList(new ArrayList<>());
        CodexTenants.Builder b = tenants();
        b.connector = options -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            CodexClient c = connectFake(options);
            made.add(c);
            return c;
        };
        CodexTenants tenants = build(b);
        CompletableFuture<CodexSession> opening = CompletableFuture.supplyAsync(() -> open(tenants, "alice"));
        waitFor(() -> tenants.processes() == 1);
        tenants.close();
        release.countDown();
        waitFor(opening::isDone);
        assertThat(opening).isCompletedExceptionally();
        waitFor(() -> !made.isEmpty() && !made.get(0).isOpen());
    }

    private static void waitFor(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
