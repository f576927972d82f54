package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.time.Duration;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the starters' store tests check alike: a conversation whose first turn the model answered
 * {@link #FIRST_ANSWER} to {@link #FIRST_PROMPT}, left open when its application stopped, is in the
 * store with no lease in force, and wakes elsewhere with that turn in its history.
 */
final class StoredConversations {
    static final String FIRST_PROMPT = "remember the word heliotrope";
    static final String FIRST_ANSWER = "the first answer, kept";

    private StoredConversations() {
    }

    /** Closes {@code app}, printing how long its shutdown took (docs/spring-boot.md, "Graceful shutdown"). */
    static void stop(ConfigurableApplicationContext app, String what) {
        long stopping = System.nanoTime();
        app.close();
        System.out.printf("%s: context with one awake conversation closed in %.0f ms%n", what, (System.nanoTime() - stopping) / 1e6);
    }

    /** The stored conversation; that another holder leases it at once shows the stopped application gave its lease back. */
    static StoredConversation storedAndFree(ConversationStore store, String threadId) {
        StoredConversation stored = store.get(threadId).orElseThrow();
        ConversationLease free = store.lease(threadId, "another-replica", Duration.ofMinutes(2));
        assertThat(store.release(free)).as("no lease in force after the shutdown").isTrue();
        return stored;
    }

    /** Resumes {@code threadId} through {@code app}'s {@link CodexSessions} and runs a turn to completion, then closes {@code app}. */
    static void resumeAndStop(ConfigurableApplicationContext app, String threadId) {
        try {
            TurnResult two = app.getBean(CodexSessions.class).resume(threadId).runTurn(TurnInput.text("which word?"));
            assertThat(two.status()).as("%s", two).isEqualTo(TurnOutcome.COMPLETED);
        } finally {
            app.close();
        }
    }

    /** The last request {@code model} got carries the first turn: the codex that woke the conversation had its history. */
    static void historySent(ScriptedModelServer model) {
        List<RecordedRequest> requests = model.responsesRequests();
        assertThat(requests.get(requests.size() - 1).bodyJson()).as("the waking codex sent the conversation's history")
                .contains(FIRST_PROMPT).contains(FIRST_ANSWER);
    }
}
