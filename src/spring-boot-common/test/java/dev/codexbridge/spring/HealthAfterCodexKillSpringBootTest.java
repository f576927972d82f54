package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The health endpoint follows codex's own process through a crash: codex SIGKILLed, the
 * {@code codex} indicator is DOWN ("reconnecting") while the client restarts it, and UP again,
 * at the next generation, once the new codex answered; the session's thread is resumed there and
 * runs a turn. To see the DOWN state without racing the restart, codex is started through a small
 * script that waits while a "hold" file exists: the test holds the restart, checks DOWN, releases it.
 */
// its codex and model server end with the class: the context cache would keep them for the JVM
@DirtiesContext
@SpringBootTest(classes = HostApplication.class, properties = "management.endpoint.health.show-details=always")
class HealthAfterCodexKillSpringBootTest {
    private static ScriptedModelServer model;
    private static Path hold;

    @Autowired
    ApplicationContext context;
    @Autowired
    CodexClient client;
    @Autowired
    CodexSessions sessions;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        Path binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        try {
            Path tmp = Files.createTempDirectory("spring-codex-kill");
            hold = tmp.resolve("hold");
            Path script = tmp.resolve("codex-held");
            Files.writeString(script, "#!/bin/sh\nwhile [ -e '" + hold + "' ]; do sleep 0.05; done\nexec '" + binary + "' \"$@\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            OfflineCodex.register(registry, script, model, "never");
            registry.add("codex-bridge.reconnect.max-attempts", () -> "3");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopModel() throws IOException {
        Files.deleteIfExists(hold);
        if (model != null) {
            model.close();
        }
    }

    @Test
    void aKilledCodexIsDownThenUpAfterTheRestart() throws Exception {
        CodexSession session = sessions.open();
        String thread = session.threadId();
        model.enqueue(ModelReply.message("first"));                          // a thread codex has stored
        assertThat(session.runTurn(TurnInput.text("hello")).status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(Actuator.status(context, "codex")).isEqualTo("UP");
        assertThat(Actuator.details(context, "codex")).containsEntry("generation", 1).containsEntry("threads", 1);

        Files.createFile(hold);
        ProcessHandle codex = codexChild();
        codex.destroyForcibly();                                              // SIGKILL
        codex.onExit().get();

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(Actuator.status(context, "codex")).isEqualTo("DOWN"));
        assertThat(Actuator.details(context, "codex")).containsEntry("state", "reconnecting");
        Thread.sleep(500);                                                    // still held: still down
        assertThat(Actuator.status(context, "codex")).isEqualTo("DOWN");

        Files.delete(hold);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(Actuator.status(context, "codex")).isEqualTo("UP"));
        assertThat(Actuator.details(context, "codex")).containsEntry("generation", 2).containsEntry("reconnects", 1).containsEntry("state", "connected");
        assertThat(client.generation()).isEqualTo(2);
        assertThat(codexChild().pid()).isNotEqualTo(codex.pid());

        model.enqueue(ModelReply.message("still here"));
        TurnResult next = session.runTurn(TurnInput.text("are you back?"));
        assertThat(next.status()).as("%s", next.error()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(next.finalText()).isEqualTo("still here");
        assertThat(next.threadId()).as("the thread was resumed on the new codex").isEqualTo(thread);
        session.close();
    }

    private ProcessHandle codexChild() {
        return OfflineCodex.child(Path.of(context.getEnvironment().getRequiredProperty("codex-bridge.process.codex-home")));
    }
}
