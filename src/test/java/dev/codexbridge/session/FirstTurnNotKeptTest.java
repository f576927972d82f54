package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread's first turn told not kept (the lease lost before the store kept it) leaves the thread
 * unknown on the replica that opened it, as it is on every other (decision 0143): codex's copy
 * there holds the turn the caller was told is gone, and a resume from it would bring that turn
 * back and store it with the next. A first turn that failed in codex leaves its thread resumable.
 */
class FirstTurnNotKeptTest {
    private static final String THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a54";

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.client, () -> this.store);
    private final FakeCodex codex = fake.codex();
    private CodexClient client;
    private DiskConversationStore store;

    @TempDir
    Path tmp;

    @Test
    void aFirstTurnCompletedAsTheLeaseIsLostLeavesItsThreadUnknownHereAndAbandoned() throws Exception {
        codex.onInterrupt = (f, turn) -> {
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        CodexGateway gateway = gateway();
        CodexSession s = gateway.open("alice", null);

        TurnResult r = leaseLostUnder(s).result().get(60, TimeUnit.SECONDS);
        assertThat(r.status()).as("codex completed it; no store will keep it").isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.NOT_KEPT);
        assertThat(r.toJson()).contains("\"category\":\"notKept\"");
        assertThat(store.get(THREAD)).isEmpty();

        assertThatThrownBy(() -> gateway.resume("alice", THREAD, null)).as("codex's copy here holds the turn not kept")
                .isInstanceOf(ThreadAccessDeniedException.class);
        assertThat(gateway.abandoned(THREAD)).as("an A2A context goes on on a fresh thread (decision 0093)").isTrue();
    }

    @Test
    void aFirstTurnInterruptedForTheLostLeaseLeavesItsThreadUnknownHere() throws Exception {
        CodexGateway gateway = gateway();
        CodexSession s = gateway.open("alice", null);

        TurnResult r = leaseLostUnder(s).result().get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.NOT_KEPT);

        assertThatThrownBy(() -> gateway.resume("alice", THREAD, null)).isInstanceOf(ThreadAccessDeniedException.class);
    }

    @Test
    void aFirstTurnThatFailedInCodexLeavesItsThreadResumable() throws Exception {
        codex.onTurnStart = (f, turn) -> f.completeTurn(turn, "failed", "{\"message\":\"the model refused\"}");
        CodexGateway gateway = gateway();
        CodexSession s = gateway.open("alice", null);

        TurnResult r = s.runTurn(TurnInput.text("one"));
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isNotEqualTo(ErrorCategory.NOT_KEPT);
        s.close();
        await().atMost(Duration.ofSeconds(30)).ignoreException(ConversationLeasedException.class)
                .until(() -> {
                    store.release(store.lease(THREAD, "probe", Duration.ofSeconds(5)));
                    return true;
                });

        try (CodexSession again = gateway.resume("alice", THREAD, null)) {
            assertThat(again.threadId()).isEqualTo(THREAD);
        }
    }

    private CodexGateway gateway() {
        codex.threadId = THREAD;
        codex.scriptDelayMs = 0;
        store = DiskConversationStore.open(tmp.resolve("store"));
        client = CodexClient.builder().transport(codex.factory()).connect();
        return CodexGateway.builder().client(client)
                .storage(ConversationStorage.builder(store, "replica-a").exportAfterEachTurn(true).build()).build();
    }

    /** A turn started on {@code s}, then its lease lost: the store gives the conversation away, the next renewal hears it. */
    private TurnHandle leaseLostUnder(CodexSession s) {
        TurnHandle running = s.startTurn(TurnInput.text("work for a long time"), TurnOptions.DEFAULTS, TurnListener.NONE);
        await().atMost(Duration.ofSeconds(60)).until(() -> running.turnId().isPresent() && held(s) != null);
        store.release(held(s));
        s.custody().heldLease().renew();
        return running;
    }

    private static ConversationLease held(CodexSession s) {
        return s.custody().heldLease().current();
    }
}
