package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The application stops while a turn runs (codex waits for the host's answer to an approval):
 * within {@code codex-bridge.shutdown.await-turns} a turn that ends is let end; one that does not
 * is interrupted; then codex's process is stopped and no new session is opened.
 */
class GracefulShutdownLiveTest {
    /** The approval answer the application gives, set per test; incomplete = the user has not answered. */
    static volatile CompletableFuture<ApprovalDecision> answer;
    static volatile CountDownLatch asked;

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path binary;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class SlowHost {
        @Bean
        ApprovalHandler approvalHandler() {
            return request -> {
                asked.countDown();
                return answer;
            };
        }
    }

    @BeforeEach
    void setUp() {
        asked = new CountDownLatch(1);
        binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
    }

    @AfterEach
    void tearDown() {
        model.close();
    }

    private ConfigurableApplicationContext start(String awaitTurns) throws Exception {
        Path home = OfflineCodex.home(tmp.resolve("home"), model, "on-request");
        Path work = Files.createDirectories(tmp.resolve("work"));
        long begin = System.nanoTime();
        ConfigurableApplicationContext app = new SpringApplicationBuilder(SlowHost.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.process.binary=" + binary, "codex-bridge.process.codex-home=" + home,
                        "codex-bridge.session.cwd=" + work, "codex-bridge.shutdown.await-turns=" + awaitTurns,
                        "spring.main.banner-mode=off")
                .run();
        // what a host pays (docs/performance.md, "Spring Boot starter"): start-up to a connected codex, memory of both
        System.out.printf("spring starter: context with its codex ready in %.0f ms; RSS: this JVM %d MiB, codex %d MiB%n",
                (System.nanoTime() - begin) / 1e6, rssMiB(ProcessHandle.current().pid()), rssMiB(codexChild().pid()));
        return app;
    }

    private static long rssMiB(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024).findFirst().orElse(-1L);
    }

    @Test
    void aTurnThatDoesNotEndInTimeIsInterruptedAndCodexStopped() throws Exception {
        answer = new CompletableFuture<>();                                  // never answered
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "touch x", "needs to").build());
        ConfigurableApplicationContext app = start("1s");
        CodexSessions sessions = app.getBean(CodexSessions.class);
        CodexSession session = sessions.open();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(asked.await(60, TimeUnit.SECONDS)).as("the turn reached its approval").isTrue();
        ProcessHandle codex = codexChild();

        long stopping = System.nanoTime();
        app.close();
        System.out.printf("graceful shutdown: context closed %.0f ms after close() with a turn waiting%n", (System.nanoTime() - stopping) / 1e6);

        TurnResult result = turn.get(30, TimeUnit.SECONDS);
        assertThat(result.status()).as("%s", result.error()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(codex.onExit().get(30, TimeUnit.SECONDS).isAlive()).as("codex stopped").isFalse();
        assertThatThrownBy(sessions::open).isInstanceOf(CodexException.class).hasMessageContaining("shutting down");
    }

    @Test
    void aTurnThatEndsWithinTheWaitIsLetEnd() throws Exception {
        answer = new CompletableFuture<>();
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "touch x", "needs to").build(),
                ModelReply.message("finished during shutdown"));
        // a wait far longer than the rest of the turn takes on a loaded machine: it ends within it
        ConfigurableApplicationContext app = start("120s");
        CodexSession session = app.getBean(CodexSessions.class).open();
        CompletableFuture<TurnResult> turn = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(asked.await(60, TimeUnit.SECONDS)).isTrue();
        ProcessHandle codex = codexChild();
        // the user answers a moment after the application began to stop
        CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(() -> answer.complete(ApprovalDecision.deny("no")));
        app.close();

        TurnResult result = turn.get(150, TimeUnit.SECONDS);
        assertThat(result.status()).as("%s", result.error()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(result.finalText()).isEqualTo("finished during shutdown");
        assertThat(codex.isAlive()).as("codex stopped after the turn").isFalse();
    }

    private ProcessHandle codexChild() {
        return OfflineCodex.child(tmp.resolve("home"));
    }
}
