package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A whole Spring Boot application on the starter: codex started from properties, a session from
 * {@link CodexSessions}, a real offline turn in which codex asks and the application's own
 * {@code ApprovalHandler} bean answers, the turn counted in Micrometer, health UP; an idle
 * session sleeping after {@code codex-bridge.session.hibernate-after} and woken by its next turn.
 */
// its codex and model server end with the class: the context cache would keep them for the JVM
@DirtiesContext
@SpringBootTest(classes = HostApplication.class, properties = "management.endpoint.health.show-details=always")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OfflineTurnSpringBootTest {
    private static ScriptedModelServer model;

    @Autowired
    CodexSessions sessions;
    @Autowired
    MeterRegistry meters;
    @Autowired
    ApplicationContext context;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        Path binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        OfflineCodex.register(registry, binary, model, "on-request");
        registry.add("codex-bridge.session.turn-timeout", () -> "90s");
        registry.add("codex-bridge.session.hibernate-after", () -> "1s");
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    @Order(1)
    void aTurnRunsOfflineAndTheApplicationsHandlerAnswersCodex() {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "touch outside.txt", "needs to write outside").build(),
                ModelReply.message("I was not allowed to, so I stopped."));
        TurnResult result;
        try (CodexSession session = sessions.open()) {
            result = session.runTurn(TurnInput.text("create outside.txt"));
        }
        assertThat(result.status()).as("%s", result.error()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(result.finalText()).isEqualTo("I was not allowed to, so I stopped.");
        assertThat(HostApplication.ASKED).as("codex asked, the host's handler bean answered").hasSize(1);
        assertThat(HostApplication.ASKED.get(0).command()).contains("touch outside.txt");

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                assertThat(meters.get("codex.bridge.turns.completed").tag("status", "completed").counter().count()).isEqualTo(1.0));
        assertThat(Actuator.status(context, "codex")).isEqualTo("UP");
    }

    /** After the first test, whose count of completed turns is the only one. */
    @Test
    @Order(2)
    void anIdleSessionSleepsAfterHibernateAfterAndItsNextTurnWakesIt() {
        model.enqueue(ModelReply.message("first"), ModelReply.message("second"));
        try (CodexSession session = sessions.open()) {
            assertThat(session.runTurn(TurnInput.text("one")).finalText()).isEqualTo("first");
            await().atMost(Duration.ofSeconds(90)).until(session::isHibernated);
            assertThat(session.runTurn(TurnInput.text("two")).finalText()).isEqualTo("second");
            assertThat(session.isHibernated()).isFalse();
        }
    }
}
