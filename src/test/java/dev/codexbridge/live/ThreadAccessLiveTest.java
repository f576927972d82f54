package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.ThreadOperation;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One app-server shared by users X and Y (codex lets any connection open any thread): Y's turn
 * waits on an approval; X's host, given only Y's thread id, may not resume, read, follow or answer
 * it through a session, the pool or the tenants once the host's {@link ThreadAccess} rule says so,
 * and Y's command never runs on X's say.
 */
class ThreadAccessLiveTest {
    private Path dir;
    private ScriptedModelServer model;
    private ListeningAppServer server;
    private Path work;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    private final WireSchema.Recorder xWire = new WireSchema.Recorder();
    private final Map<String, String> ownerOfThread = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        dir = TestDirs.create("thread-access");
        model = ScriptedModelServer.start();
        Path home = IsolatedCodexHome.builder(dir.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
        work = Files.createDirectories(dir.resolve("work"));
        server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server == null) {
            // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
            if (model != null) {
                model.close();
            }
            if (dir != null) {
                TestDirs.delete(dir);
            }
            return;
        }
        server.close();
        model.close();
        assertThat(WireSchema.pinned().validateConversation(wire)).isEmpty();
        assertThat(WireSchema.pinned().validateConversation(xWire)).isEmpty();
        TestDirs.delete(dir);
    }

    /** Y's turn, waiting on the approval of a command that would write {@code y-ran}; its thread id and turn id. */
    private record Waiting(CodexSession session, CompletableFuture<TurnResult> turn, CompletableFuture<ApprovalDecision> answer,
                           String turnId) {
    }

    private Waiting yWaitsOnAnApproval(CodexClient yClient) throws Exception {
        CompletableFuture<ApprovalDecision> answer = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        ApprovalPolicy ys = ApprovalPolicy.builder().handler(r -> {
            asked.countDown();
            return answer;
        }).build();
        CodexSession y = CodexSession.builder().client(yClient).cwd(work).approvals(ys).build();
        ownerOfThread.put(y.start(), "y");
        model.enqueue(ModelReply.builder().execCommandEscalated("y-cmd", "echo y > y-ran", "write the marker").build(),
                ModelReply.message("y done"));
        CompletableFuture<TurnResult> turn = y.runTurnAsync(TurnInput.text("private message of y"), TurnOptions.DEFAULTS,
                new TurnListener() { });
        assertThat(asked.await(60, TimeUnit.SECONDS)).as("y's approval asked").isTrue();
        String turnId = y.runningTurnId().orElseThrow();
        return new Waiting(y, turn, answer, turnId);
    }

    private static final ApprovalPolicy APPROVE_ALL = ApprovalPolicy.builder()
            .handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build();

    private Set<String> methodsSentByX() {
        return xWire.sent().stream().map(m -> m.path("method").asText()).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void xCannotResumeReadFollowOrAnswerYsThreadThroughASessionOrThePool() throws Exception {
        ThreadAccess owners = ThreadAccess.owners(ownerOfThread::get);
        try (CodexClient yClient = CodexClient.builder().wireTap(wire).connect(server.endpoint());
             CodexClient xClient = CodexClient.builder().wireTap(xWire).connect(server.endpoint())) {
            Waiting y = yWaitsOnAnApproval(yClient);
            String yThread = y.session().threadId();

            // a session: refused at build(), before anything is sent
            assertThatThrownBy(() -> CodexSession.builder().client(xClient).resumeThread(yThread).approvals(APPROVE_ALL)
                    .threadAccess(owners, "x").build())
                    .isInstanceOfSatisfying(ThreadAccessDeniedException.class, e -> {
                        assertThat(e.caller()).isEqualTo("x");
                        assertThat(e.threadId()).isEqualTo(yThread);
                        assertThat(e.operation()).isEqualTo(ThreadOperation.RESUME);
                    })
                    .hasMessageContaining("may not resume thread");
            assertThat(methodsSentByX()).doesNotContain("thread/resume", "thread/read", "thread/turns/list");

            // a rule that lets x resume but not read, follow or answer: each is refused on its own
            ThreadAccess resumeOnly = (caller, thread, op) -> op == ThreadOperation.RESUME;
            try (CodexSession x = CodexSession.builder().client(xClient).resumeThread(yThread).approvals(APPROVE_ALL)
                    .threadAccess(resumeOnly, "x").build()) {
                assertThatThrownBy(() -> x.read(true)).isInstanceOf(ThreadAccessDeniedException.class).hasMessageContaining("read");
                assertThatThrownBy(() -> x.recoverTurn(y.turnId())).hasMessageContaining("may not read");
                assertThatThrownBy(x::fork).hasMessageContaining("may not read");
                assertThatThrownBy(x::runningTurnId).hasMessageContaining("may not follow");
                assertThatThrownBy(() -> x.attachTurn(y.turnId(), new TurnListener() { })).hasMessageContaining("may not follow");
                assertThat(x.attachTurnAsync(y.turnId(), new TurnListener() { })).isCompletedExceptionally();
            }
            ThreadAccess noAnswer = (caller, thread, op) -> op != ThreadOperation.ANSWER;
            try (CodexSession x = CodexSession.builder().client(xClient).resumeThread(yThread).approvals(APPROVE_ALL)
                    .threadAccess(noAnswer, "x").build()) {
                assertThatThrownBy(() -> x.attachTurn(y.turnId(), new TurnListener() { })).hasMessageContaining("may not answer");
            }
            assertThat(methodsSentByX()).doesNotContain("thread/read", "thread/turns/list", "thread/items/list");

            // the pool: refused before it looks for the thread on any endpoint
            try (CodexPool pool = CodexPool.builder().endpoint("shared", server.endpoint()).threadAccess(owners)
                    .clientConfigurer(c -> c.wireTap(xWire)).build()) {
                int sentBefore = xWire.sent().size();
                assertThatThrownBy(() -> pool.resumeSession("x", yThread, b -> b.approvals(APPROVE_ALL)))
                        .isInstanceOf(ThreadAccessDeniedException.class);
                assertThatThrownBy(() -> pool.resumeSession(yThread, b -> b.approvals(APPROVE_ALL)))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("resumeSession(caller");
                assertThat(xWire.sent().subList(sentBefore, xWire.sent().size()))
                        .extracting(m -> m.path("method").asText()).doesNotContain("thread/resume", "thread/read", "thread/loaded/list");
                // y itself is let through
                try (CodexSession again = pool.resumeSession("y", yThread, b -> b.cwd(work))) {
                    assertThat(again.threadId()).isEqualTo(yThread);
                }
            }

            // nothing ran on x's say: y's command waits for y, who declines it
            assertThat(work.resolve("y-ran")).doesNotExist();
            y.answer().complete(ApprovalDecision.deny("not now"));
            y.turn().get(60, TimeUnit.SECONDS);
            assertThat(work.resolve("y-ran")).doesNotExist();
            y.session().close();
        }
    }

    @Test
    void tenantsSharingAnAppServerCannotUseEachOthersThreadIds() throws Exception {
        Consumer<CodexSession.Builder> inWork = b -> b.cwd(work).approvals(APPROVE_ALL);
        // a host that points two tenants at one app-server: codex would let either open the other's threads
        try (CodexTenants tenants = CodexTenants.builder().remote(t -> server.endpoint()).client(c -> c.wireTap(wire))
                .threadAccess((caller, thread, op) -> op != ThreadOperation.READ || !caller.equals("carol")).build()) {
            model.enqueue(ModelReply.message("alice's answer"));
            String aliceThread;
            try (CodexSession alice = tenants.newSession("alice", inWork)) {
                alice.runTurn(TurnInput.text("alice's secret"));
                aliceThread = alice.threadId();
            }
            assertThatThrownBy(() -> tenants.resumeSession("bob", aliceThread, inWork))
                    .isInstanceOfSatisfying(ThreadAccessDeniedException.class, e -> {
                        assertThat(e.caller()).isEqualTo("bob");
                        assertThat(e.operation()).isEqualTo(ThreadOperation.RESUME);
                    });
            assertThat(tenants.usage("bob").threads()).isZero();
            // alice herself resumes it and reads it
            try (CodexSession again = tenants.resumeSession("alice", aliceThread, inWork)) {
                JsonNode read = dev.codexbridge.json.Json.tree(again.read(true));
                assertThat(read.toString()).contains("alice's secret");
            }
            // the host's rule adds to the tenants' own: carol may resume her own thread but not read it
            model.enqueue(ModelReply.message("carol's answer"));
            String carolThread;
            try (CodexSession carol = tenants.newSession("carol", inWork)) {
                carol.runTurn(TurnInput.text("hi"));
                carolThread = carol.threadId();
            }
            try (CodexSession carol = tenants.resumeSession("carol", carolThread, inWork)) {
                assertThatThrownBy(() -> carol.read(false)).isInstanceOf(ThreadAccessDeniedException.class);
            }
        }
    }
}
