package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The failures a host meets by its own doing, in the category that says so, against the real codex. */
class FailureCategoriesLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path work;
    private Path home;

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
    }

    private CodexLaunch launch() {
        return CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work).build();
    }

    @Test
    void theHostClosingTheSharedClientDuringATurn() throws Exception {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "echo never", "Needs approval").build());
        CountDownLatch asked = new CountDownLatch(1);
        ApprovalPolicy neverAnswers = ApprovalPolicy.builder().handler(r -> {
            asked.countDown();
            return new CompletableFuture<>();
        }).build();
        CodexClient shared = CodexClient.builder().process(launch()).connect();
        try (CodexSession s = CodexSession.builder().client(shared).cwd(work).approvals(neverAnswers)
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build()) {
            CompletableFuture<TurnResult> turn = s.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, TurnListener.NONE);
            assertThat(asked.await(60, TimeUnit.SECONDS)).isTrue();
            shared.close();
            TurnResult r = turn.get(60, TimeUnit.SECONDS);
            assertThat(r.error().category()).isEqualTo(ErrorCategory.CLOSED_BY_HOST);
            assertThat(r.error().message()).startsWith("the host closed the shared CodexClient").doesNotContain("exited with code");
            assertThat(r.error().remediation()).contains("closed client never reconnects").doesNotContain("fresh codex");
            TurnResult next = s.runTurn(TurnInput.text("again"));
            assertThat(next.error().category()).isEqualTo(ErrorCategory.CLOSED_BY_HOST);
            assertThat(next.error().message()).isEqualTo("the host closed the shared CodexClient; this session cannot run turns on it");
            assertThat(next.error().remediation()).contains("resumeThread(threadId)").doesNotContain("fresh codex");
        }
    }

    @Test
    void theHostClosingItsOwnSessionDuringATurn() throws Exception {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "echo never", "Needs approval").build());
        CountDownLatch asked = new CountDownLatch(1);
        ApprovalPolicy neverAnswers = ApprovalPolicy.builder().handler(r -> {
            asked.countDown();
            return new CompletableFuture<>();
        }).build();
        CodexSession s = CodexSession.builder().connection(CodexClient.builder().process(launch()).options())
                .cwd(work).approvals(neverAnswers).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
        CompletableFuture<TurnResult> turn = s.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(asked.await(60, TimeUnit.SECONDS)).isTrue();
        s.close();
        TurnResult r = turn.get(60, TimeUnit.SECONDS);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.CLOSED_BY_HOST);
        assertThat(r.error().message()).isEqualTo("the session was closed during the turn");
        assertThat(r.error().remediation()).startsWith("The session was closed; it runs no more turns.");
    }

    @Test
    void codexDyingUnderASharedClientWithoutReconnectPolicy() throws Exception {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "echo never", "Needs approval").build());
        CountDownLatch asked = new CountDownLatch(1);
        ApprovalPolicy neverAnswers = ApprovalPolicy.builder().handler(r -> {
            asked.countDown();
            return new CompletableFuture<>();
        }).build();
        try (CodexClient shared = CodexClient.builder().process(launch()).connect();
             CodexSession s = CodexSession.builder().client(shared).cwd(work).approvals(neverAnswers)
                     .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build()) {
            CompletableFuture<TurnResult> turn = s.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, TurnListener.NONE);
            assertThat(asked.await(60, TimeUnit.SECONDS)).isTrue();
            ProcessHandle.current().children().filter(p -> p.info().commandLine().map(c -> c.contains("app-server")).orElse(false))
                    .forEach(ProcessHandle::destroyForcibly);
            TurnResult r = turn.get(60, TimeUnit.SECONDS);
            assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
            assertThat(r.error().message()).as("codex's usual start-up notices are left out of the message")
                    .contains("exited with code").doesNotContain("bubblewrap", "Unknown model", "PATH aliases", "\\u001b");
            assertThat(r.error().remediation()).contains("has no ReconnectPolicy").doesNotContain("the session starts a fresh codex");
            TurnResult next = s.runTurn(TurnInput.text("again"));
            assertThat(next.error().category()).isEqualTo(ErrorCategory.CONNECTION_CLOSED);
            assertThat(next.error().message()).startsWith("the shared codex connection is gone for good (");
            assertThat(next.error().remediation()).contains("open a new CodexClient");
        }
    }

    @Test
    void aSettingCodexRejects() throws Exception {
        ObjectNode extra = Json.object();
        extra.put("approvalPolicy", "on_request");
        model.enqueue(ModelReply.message("hello"));
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().process(launch()).options())
                .replaceThreadOptions(ThreadOptions.builder().cwd(work).extraParams(extra).build())
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build()) {
            TurnResult r = s.runTurn(TurnInput.text("hi"));
            assertThat(r.error().category()).isEqualTo(ErrorCategory.SETTINGS_REJECTED);
            assertThat(r.error().message()).startsWith("codex refused the thread's settings: ")
                    .contains("unknown variant `on_request`, expected one of `untrusted`, `on-request`, `granular`, `never`");
            assertThat(r.retired()).isFalse();
            assertThat(s.isRetired()).isFalse();
            assertThat(r.error().remediation()).contains("not retired");
        }
    }

    @Test
    void aTurnSettingCodexRejectsLeavesTheSessionForTheNextTurn() throws Exception {
        model.enqueue(ModelReply.message("hello"));
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().process(launch()).options())
                .cwd(work).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build()) {
            ObjectNode typo = Json.object().put("approvalPolicy", "on_request");
            TurnResult r = s.runTurn(TurnInput.text("hi"), TurnOptions.DEFAULTS.withExtraParams(typo), TurnListener.NONE);
            assertThat(r.error()).isNotNull();
            assertThat(r.error().category()).isEqualTo(ErrorCategory.SETTINGS_REJECTED);
            assertThat(r.error().message()).startsWith("codex refused the turn's settings: ").contains("unknown variant `on_request`")
                    .endsWith("(turn/start, code -32600)");
            assertThat(r.retired()).isFalse();
            String thread = s.threadId();
            TurnResult next = s.runTurn(TurnInput.text("hi"));
            assertThat(next.finalText()).isEqualTo("hello");
            assertThat(next.threadId()).as("the same thread, on the same codex").isEqualTo(thread);
        }
    }

    @Test
    void aConfigCodexRejects() throws Exception {
        Path bad = IsolatedCodexHome.builder(tmp.resolve("bad"), model.baseUrl()).approvalPolicy("on_request").write();
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().process(
                        CodexLaunch.appServer(LiveCodex.binary()).codexHome(bad).workingDirectory(work).build()).options())
                .cwd(work)
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build()) {
            TurnResult r = s.runTurn(TurnInput.text("hi"));
            assertThat(r.error().category()).isEqualTo(ErrorCategory.SETTINGS_REJECTED);
            assertThat(r.error().message()).contains("config.toml:3:19: unknown variant `on_request`");
            assertThat(r.retired()).isFalse();
        }
    }
}
