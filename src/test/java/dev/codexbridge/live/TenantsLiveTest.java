package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.CodexThread;
import dev.codexbridge.protocol.ThreadListParams;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantCapacityException;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.tenant.TenantLimit;
import dev.codexbridge.tenant.TenantListener;
import dev.codexbridge.tenant.TenantStop;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transcript.TranscriptMessage;
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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenants against the real codex and the scripted model: isolation of threads, environment and
 * homes; idle stop and resume with history; capacity refusals; fairness; a governor per tenant.
 */
class TenantsLiveTest {
    /** Under target/: a homes root under /tmp (where @TempDir is) is refused. */
    private final Path tmp = TestDirs.create("tenants");
    private ScriptedModelServer model;
    private Path work;
    private CodexTenants tenants;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (tenants != null) {
            tenants.close();
        }
        if (model != null) {
            model.close();
            assertThat(WireSchema.pinned().validateConversation(wire)).isEmpty();
        }
        TestDirs.delete(tmp);
    }

    private CodexTenants.Builder tenants() {
        Map<String, String> host = new HashMap<>(System.getenv());
        host.put("HOST_ONLY_SETTING", "host-visible-7c1");
        String toml = IsolatedCodexHome.builder(tmp.resolve("unused"), model.baseUrl()).askForApproval("on-request").configToml();
        return CodexTenants.builder()
                .homesRoot(tmp.resolve("tenants"))
                .launch(CodexLaunch.appServer(LiveCodex.binary()).build())
                .homeSetup(TenantHomeSetup.configToml(toml))
                .hostEnvironment(host)
                .inheritEnvironment(List.of("HOST_ONLY_SETTING_NOT_LISTED"))
                .tenantEnvironment(id -> Map.of("TENANT_MARK_" + id.toUpperCase(), "mark-of-" + id))
                .client(c -> c.wireTap(wire))
                .listener(new TenantListener() {
                    @Override
                    public void processStopped(String tenantId, TenantStop why) {
                        events.add(tenantId + " " + why);
                    }
                });
    }

    private Consumer<CodexSession.Builder> inWork() {
        ApprovalPolicy once = ApprovalPolicy.builder()
                .handler(r -> CompletableFuture.completedFuture(new ApprovalDecision(ApprovalChoice.ONCE, null, null)))
                .build();
        // no cwd: each tenant's thread runs in the tenant's own workspace
        return b -> b.approvals(once).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO));
    }

    /** Remote tenants: their app-servers' own folders, the shared test workspace. */
    private Consumer<CodexSession.Builder> inRemoteWork() {
        return inWork().andThen(b -> b.cwd(work));
    }

    private static String toolOutput(TurnResult r) {
        return r.messages().stream().filter(m -> m.role() == TranscriptMessage.Role.TOOL).findFirst().orElseThrow().content();
    }

    @Test
    void aTenantSeesNoneOfAnotherTenantsThreadsVariablesOrFilesAndHomesAreOwnerOnly() throws Exception {
        tenants = tenants().build();
        model.enqueue(ModelReply.message("hello alice"), ModelReply.message("hello bob"));
        CodexSession alice = tenants.newSession("alice", inWork());
        assertThat(alice.runTurn(TurnInput.text("hi")).status()).isEqualTo(TurnOutcome.COMPLETED);
        CodexSession bob = tenants.newSession("bob", inWork());
        assertThat(bob.runTurn(TurnInput.text("hi")).status()).isEqualTo(TurnOutcome.COMPLETED);
        String aliceThread = alice.threadId();
        String bobThread = bob.threadId();
        Files.writeString(tenants.tenantDirectory("bob").resolve("home/bob-private.txt"), "bob's file");

        // threads: alice's app-server lists and has loaded only alice's thread
        List<String> listed = alice.client().threadList(ThreadListParams.builder().build()).data().stream()
                .map(CodexThread::id).toList();
        List<String> loaded = alice.client().threadLoadedList(new ThreadLoadedListParams(null, null)).data();
        assertThat(listed).contains(aliceThread).doesNotContain(bobThread);
        assertThat(loaded).contains(aliceThread).doesNotContain(bobThread);
        assertThat(bob.client().threadList(ThreadListParams.builder().build()).data().stream().map(CodexThread::id))
                .contains(bobThread).doesNotContain(aliceThread);
        // alice cannot resume bob's thread id: the tenants' own scoping refuses it (no host rule was given), and her codex has no such thread
        assertThatThrownBy(() -> tenants.resumeSession("alice", bobThread, inWork()))
                .isInstanceOfSatisfying(ThreadAccessDeniedException.class, e -> {
                    assertThat(e.refusedBy()).contains("tenants' own scoping");
                    assertThat(e.getMessage()).contains("another tenant started this thread").doesNotContain("host's ThreadAccess rule");
                });

        // environment and files: what a command alice's codex runs sees
        model.enqueue(ModelReply.builder().execCommandEscalated("call-env", "env; ls -a \"$HOME\"", "Show the environment").build(),
                ModelReply.message("done"));
        String out = toolOutput(alice.runTurn(TurnInput.text("show me the environment")));
        Path aliceDir = tenants.tenantDirectory("alice");
        assertThat(out).contains("TENANT_MARK_ALICE=mark-of-alice")
                .contains("HOME=" + aliceDir.resolve("home"))
                .contains("CODEX_HOME=" + aliceDir.resolve("codex-home"))
                .doesNotContain("TENANT_MARK_BOB").doesNotContain("mark-of-bob")
                .doesNotContain("HOST_ONLY_SETTING").doesNotContain("bob-private.txt")
                .doesNotContain(tenants.tenantDirectory("bob").toString());
        for (String tenant : List.of("alice", "bob")) {
            Path dir = tenants.tenantDirectory(tenant);
            for (Path p : List.of(dir, dir.resolve("codex-home"), dir.resolve("home"))) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rwx------");
            }
        }
        alice.close();
        bob.close();
    }

    @Test
    void anIdleTenantsCodexIsStoppedAndItsNextSessionResumesTheThreadWithItsHistory() {
        tenants = tenants().idleTimeout(Duration.ofMillis(300)).build();
        model.enqueue(ModelReply.message("noted: 42"), ModelReply.message("you said 42"));
        String thread;
        try (CodexSession s = tenants.newSession("alice", inWork())) {
            assertThat(s.runTurn(TurnInput.text("remember the number 42")).finalText()).isEqualTo("noted: 42");
            thread = s.threadId();
        }
        waitFor(() -> events.contains("alice IDLE"));
        assertThat(tenants.processes()).isZero();

        try (CodexSession again = tenants.resumeSession("alice", thread, inWork())) {
            assertThat(again.threadId()).isEqualTo(thread);
            assertThat(again.runTurn(TurnInput.text("which number?")).finalText()).isEqualTo("you said 42");
        }
        List<RecordedRequest> requests = model.responsesRequests();
        assertThat(requests.get(requests.size() - 1).userTexts()).contains("remember the number 42", "which number?");
    }

    /**
     * Past the tenants' bound (issue 80) a thread is forgotten by the scoping and the placement,
     * not by its tenant: its owner resumes it with its history, another tenant is answered as for
     * an id nobody used (its own codex has no such thread), never with the owner's conversation.
     */
    @Test
    void aThreadTheTenantsForgotIsStillItsOwnersAndUnknownToAnotherTenant() {
        tenants = tenants().threadsRemembered(1).build();
        model.enqueue(ModelReply.message("noted: quokka"), ModelReply.message("hello"), ModelReply.message("you said quokka"));
        String forgotten;
        try (CodexSession s = tenants.newSession("alice", inWork())) {
            assertThat(s.runTurn(TurnInput.text("remember the word quokka")).finalText()).isEqualTo("noted: quokka");
            forgotten = s.threadId();
        }
        try (CodexSession s = tenants.newSession("alice", inWork())) {
            assertThat(s.runTurn(TurnInput.text("hi")).finalText()).isEqualTo("hello");   // the bound of 1: the first forgotten
        }

        FailureKind nobodys = kindOfRefusal(() -> tenants.resumeSession("bob", java.util.UUID.randomUUID().toString(), inWork()));
        assertThat(nobodys).isEqualTo(FailureKind.UNKNOWN_THREAD);
        assertThatThrownBy(() -> tenants.resumeSession("bob", forgotten, inWork()))
                .isInstanceOfSatisfying(CodexException.class, e -> {
                    assertThat(e.kind()).as("as for an id nobody used").isEqualTo(nobodys);
                    assertThat(e).hasMessageNotContaining("quokka");   // not a word a thread id (hex) can hold
                });
        try (CodexSession again = tenants.resumeSession("alice", forgotten, inWork())) {
            assertThat(again.runTurn(TurnInput.text("which number?")).finalText()).isEqualTo("you said quokka");
        }
        List<RecordedRequest> requests = model.responsesRequests();
        assertThat(requests.get(requests.size() - 1).userTexts()).contains("remember the word quokka", "which number?");
    }

    private static FailureKind kindOfRefusal(Runnable resume) {
        try {
            resume.run();
        } catch (CodexException e) {
            return e.kind();
        }
        throw new AssertionError("the resume was not refused");
    }

    @Test
    void atCapacityANewTenantIsRefusedAtOnceAndNoTenantTakesEveryProcess() {
        tenants = tenants().maxProcesses(3).maxProcessesPerTenant(2).maxThreadsPerProcess(1).maxThreadsPerTenant(5)
                .retryAfter(Duration.ofSeconds(2)).build();
        CodexSession a1 = tenants.newSession("alice", inWork());
        CodexSession a2 = tenants.newSession("alice", inWork());
        assertThat(tenants.usage("alice").processes()).isEqualTo(2);
        // fairness: alice's share is full, the last process is left for others
        assertThatThrownBy(() -> tenants.newSession("alice", inWork()))
                .isInstanceOfSatisfying(TenantCapacityException.class,
                        e -> assertThat(e.limit()).isEqualTo(TenantLimit.PROCESSES_PER_TENANT));
        CodexSession b = tenants.newSession("bob", inWork());
        // every process is busy: carol is refused at once, with when to retry
        assertThatThrownBy(() -> tenants.newSession("carol", inWork()))
                .isInstanceOfSatisfying(TenantCapacityException.class, e -> {
                    assertThat(e.limit()).isEqualTo(TenantLimit.PROCESSES);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
                });
        // bob closes: his idle process is evicted for carol, whose turn runs
        b.close();
        model.enqueue(ModelReply.message("hello carol"));
        try (CodexSession c = tenants.newSession("carol", inWork())) {
            assertThat(c.runTurn(TurnInput.text("hi")).finalText()).isEqualTo("hello carol");
        }
        waitFor(() -> events.contains("bob EVICTED"));
        assertThat(tenants.processes()).isEqualTo(3);
        a1.close();
        a2.close();
    }

    @Test
    void eachTenantWaitsOnItsOwnRateLimitsOnly() throws Exception {
        Map<String, RateLimitGovernor> governors = new HashMap<>();
        tenants = tenants().rateLimits(id -> {
            RateLimitGovernor g = RateLimitGovernor.builder().maxAttempts(2).maxWait(Duration.ofSeconds(20))
                    .backoff(Duration.ofSeconds(4), Duration.ofSeconds(6)).build();
            synchronized (governors) {
                governors.put(id, g);
            }
            return g;
        }).build();
        CodexSession alice = tenants.newSession("alice", inWork());
        CodexSession bob = tenants.newSession("bob", inWork());
        // each tenant's replies by its words, not by the order the requests arrive in: alice's retry may
        // come before or after bob's turn, however long it took to start
        java.util.concurrent.atomic.AtomicInteger aliceAsked = new java.util.concurrent.atomic.AtomicInteger();
        model.respondWhenEmpty(r -> r.lastUserText().orElse("").contains("bob") ? ModelReply.message("bob is served")
                : aliceAsked.getAndIncrement() == 0 ? ModelReply.tooManyRequests(Duration.ofSeconds(4)) : ModelReply.message("alice recovered"));
        java.util.concurrent.CountDownLatch aliceWaits = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<TurnResult> aliceTurn = alice.runTurnAsync(TurnInput.text("hi from alice"), TurnOptions.DEFAULTS, new TurnListener() {
            @Override
            public void onRateLimitWait(dev.codexbridge.session.RateLimitWait wait) {
                aliceWaits.countDown();
            }
        });
        assertThat(aliceWaits.await(60, TimeUnit.SECONDS)).as("alice's turn waits on her rate limit").isTrue();
        assertThat(governors.get("bob").blockedFor()).isZero();
        TurnResult bobs = bob.runTurn(TurnInput.text("hi from bob"));
        assertThat(bobs.finalText()).isEqualTo("bob is served");
        assertThat(bobs.rateLimitWaitMs()).isZero();
        assertThat(bobs.attempts()).isEqualTo(1);
        TurnResult alices = aliceTurn.get(60, TimeUnit.SECONDS);
        assertThat(alices.finalText()).isEqualTo("alice recovered");
        assertThat(alices.attempts()).isEqualTo(2);
        assertThat(alices.rateLimitWaitMs()).isGreaterThan(0);
        alice.close();
        bob.close();
    }

    /**
     * Issue 41 item 4: the tenants' template reaches an existing tenant on its codex's next start
     * (here: a new model address), the tenant's own lines outside the block untouched; a model that
     * cannot be reached fails the turn within the session's idle limit, naming codex's reason.
     */
    @Test
    void aChangedTemplateReachesAnExistingTenantOnItsCodexsNextStart() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> template = new java.util.concurrent.atomic.AtomicReference<>(
                IsolatedCodexHome.builder(tmp.resolve("unused"), model.baseUrl()).configToml());
        tenants = CodexTenants.builder().homesRoot(tmp.resolve("tenants")).launch(CodexLaunch.appServer(LiveCodex.binary()).build())
                .template(id -> template.get()).idleTimeout(Duration.ofMillis(300)).client(c -> c.wireTap(wire)).build();
        model.enqueue(ModelReply.message("from the first model"));
        try (CodexSession s = tenants.newSession("alice", inWork())) {
            assertThat(s.runTurn(TurnInput.text("one")).finalText()).isEqualTo("from the first model");
        }
        Path config = tenants.tenantDirectory("alice").resolve("codex-home/config.toml");
        String own = "# alice's own note, kept\n";
        Files.writeString(config, own + Files.readString(config) + "# and her last line\n");
        String outsideBefore = outsideBlock(Files.readString(config));
        awaitStopped("alice");
        try (ScriptedModelServer second = ScriptedModelServer.start()) {
            template.set(IsolatedCodexHome.builder(tmp.resolve("unused"), second.baseUrl()).configToml());
            second.enqueue(ModelReply.message("from the second model"));
            int firstServed = model.responsesRequests().size();
            try (CodexSession s = tenants.newSession("alice", inWork())) {
                assertThat(s.runTurn(TurnInput.text("two")).finalText()).isEqualTo("from the second model");
            }
            assertThat(model.responsesRequests()).hasSize(firstServed);
            String text = Files.readString(config);
            assertThat(text).startsWith(own).endsWith("# and her last line\n").contains(second.baseUrl().toString()).doesNotContain(model.baseUrl().toString());
            assertThat(outsideBlock(text)).isEqualTo(outsideBefore);
        }
        // the model's address is dead now: the turn fails within the idle limit with codex's reason
        awaitStopped("alice");
        ScriptedModelServer dead = ScriptedModelServer.start();
        java.net.URI deadUrl = dead.baseUrl();
        dead.close();
        template.set(IsolatedCodexHome.builder(tmp.resolve("unused"), deadUrl).configToml());
        try (CodexSession s = tenants.newSession("alice", b -> b.limits(TurnLimits.of(Duration.ofMinutes(10), Duration.ofSeconds(5))))) {
            long t0 = System.nanoTime();
            TurnResult r = s.runTurn(TurnInput.text("three"));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            System.out.println("dead model: " + took + " " + r.status() + " " + r.error() + "\nstderr:\n"
                    + String.join("\n", s.client().stderrTail(40)));
            // the idle limit (5 s) ends it, long before the 10-minute wall clock, with codex's own reason
            assertThat(r.status()).isEqualTo(TurnOutcome.TIMED_OUT);
            assertThat(took).as("half the wall clock: the idle limit ended it").isLessThan(Duration.ofMinutes(5));
            assertThat(r.error().message()).contains("turn inactive for 5 s").contains("codex's last")
                    .contains("Connection failed: error sending request");
        }
    }

    private static String outsideBlock(String text) {
        int a = text.indexOf("# >>> codex-bridge tenants template");
        int z = text.indexOf("# <<< end of codex-bridge tenants template");
        return text.substring(0, a) + text.substring(text.indexOf('\n', z) + 1);
    }

    private void awaitStopped(String tenant) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (tenants.usage(tenant).processes() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(tenants.usage(tenant).processes()).isZero();
    }

    /**
     * Issue 41 item 9: the turn running when a tenant's codex is killed is reported with the
     * tenants' remedy; the same session's next turn starts the tenant's codex again and resumes the
     * thread with its history (issue 42: a session placed again, not only one reopened by the host).
     */
    @Test
    void aKilledTenantCodexGivesTheTenantsRemedyAndTheSameSessionGoesOnOnANewProcess() throws Exception {
        Supplier<List<ProcessHandle>> appServers = LiveCodex.appServersFromNow();
        tenants = tenants().build();
        model.enqueue(ModelReply.message("first answer"));
        try (CodexSession alice = tenants.newSession("alice", inWork())) {
            assertThat(alice.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
            String thread = alice.threadId();
            model.enqueue(ModelReply.builder().execCommand("call-sleep", "sleep 30").build());
            CompletableFuture<TurnResult> running = alice.runTurnAsync(TurnInput.text("two"), TurnOptions.DEFAULTS, TurnListener.NONE);
            waitFor(() -> model.responsesRequests().size() >= 2);
            ProcessHandle codex = appServers.get().get(0);
            codex.destroyForcibly();
            codex.onExit().get(60, TimeUnit.SECONDS);
            TurnResult killed = running.get(60, TimeUnit.SECONDS);
            assertThat(killed.status()).isIn(TurnOutcome.FAILED, TurnOutcome.UNKNOWN);
            System.out.println("killed: " + killed.error());
            assertThat(killed.error().remediation()).contains("tenants.resumeSession(tenantId, threadId").doesNotContain("open a new CodexClient");

            model.enqueue(ModelReply.message("back again"));
            TurnResult next = alice.runTurn(TurnInput.text("three"));
            assertThat(next.finalText()).isEqualTo("back again");
            assertThat(alice.threadId()).isEqualTo(thread);
            assertThat(appServers.get()).hasSize(1).doesNotContain(codex);
            assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).body().toString()).contains("first answer");
        }
    }

    /**
     * Issue 42: a tenant session that sleeps gives back its thread place, so the tenant's codex
     * falls idle and is stopped; the same session's next turn starts it again and resumes the
     * thread with its history.
     */
    @Test
    void aSleepingTenantsCodexIsStoppedAndTheSameSessionWakesOnANewOne() {
        Supplier<List<ProcessHandle>> appServers = LiveCodex.appServersFromNow();
        tenants = tenants().idleTimeout(Duration.ofMillis(300)).build();
        model.enqueue(ModelReply.message("noted: 7"), ModelReply.message("you said 7"));
        try (CodexSession s = tenants.newSession("alice", inWork().andThen(b -> b.hibernateAfter(Duration.ofSeconds(1))))) {
            assertThat(s.runTurn(TurnInput.text("remember the number 7")).finalText()).isEqualTo("noted: 7");
            String thread = s.threadId();
            waitFor(() -> events.contains("alice IDLE"));
            assertThat(s.isHibernated()).isTrue();
            assertThat(tenants.processes()).isZero();
            assertThat(appServers.get()).isEmpty();

            assertThat(s.runTurn(TurnInput.text("which number?")).finalText()).isEqualTo("you said 7");
            assertThat(s.threadId()).isEqualTo(thread);
            assertThat(tenants.usage("alice").processes()).isEqualTo(1);
            assertThat(tenants.usage("alice").threads()).isEqualTo(1);
        }
        List<RecordedRequest> requests = model.responsesRequests();
        assertThat(requests.get(requests.size() - 1).userTexts()).contains("remember the number 7", "which number?");
    }

    @Test
    void remoteTenantsEachReachTheirOwnAppServerAndSeeOnlyTheirThreads() throws Exception {
        Path token = tmp.resolve("token");
        Files.writeString(token, "tenants-live-token-51b0\n");
        List<String> auth = List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString());
        Path aliceHome = IsolatedCodexHome.builder(tmp.resolve("remote/alice"), model.baseUrl()).write();
        Path bobHome = IsolatedCodexHome.builder(tmp.resolve("remote/bob"), model.baseUrl()).write();
        try (ListeningAppServer aliceServer = ListeningAppServer.websocket(LiveCodex.binary(), aliceHome, work, auth);
             ListeningAppServer bobServer = ListeningAppServer.websocket(LiveCodex.binary(), bobHome, work, auth)) {
            Map<String, CodexEndpoint> endpoints = Map.of("alice", aliceServer.endpoint().tokenFile(token),
                    "bob", bobServer.endpoint().tokenFile(token));
            tenants = CodexTenants.builder().remote(endpoints::get).idleTimeout(Duration.ofMillis(300))
                    .client(c -> c.wireTap(wire)).listener(new TenantListener() {
                        @Override
                        public void processStopped(String tenantId, TenantStop why) {
                            events.add(tenantId + " " + why);
                        }
                    }).build();
            model.enqueue(ModelReply.message("remote alice"), ModelReply.message("remote bob"), ModelReply.message("alice again"));
            String aliceThread;
            try (CodexSession alice = tenants.newSession("alice", inRemoteWork())) {
                assertThat(alice.runTurn(TurnInput.text("hi")).finalText()).isEqualTo("remote alice");
                aliceThread = alice.threadId();
            }
            try (CodexSession bob = tenants.newSession("bob", inRemoteWork())) {
                assertThat(bob.runTurn(TurnInput.text("hi")).finalText()).isEqualTo("remote bob");
                assertThat(bob.client().threadList(ThreadListParams.builder().build()).data().stream().map(CodexThread::id))
                        .doesNotContain(aliceThread);
            }
            assertThatThrownBy(() -> tenants.resumeSession("bob", aliceThread, inRemoteWork())).isInstanceOf(CodexException.class);
            // the idle connection is closed, the app-server keeps running, and alice resumes there
            waitFor(() -> events.contains("alice IDLE"));
            assertThat(aliceServer.process().isAlive()).isTrue();
            try (CodexSession again = tenants.resumeSession("alice", aliceThread, inRemoteWork())) {
                assertThat(again.runTurn(TurnInput.text("again")).finalText()).isEqualTo("alice again");
            }
            tenants.close();
            tenants = null;
        }
    }

    private static void waitFor(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 60 s");
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
