package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replica whose store's connection to PostgreSQL is ended while the replica runs (an operator's
 * {@code pg_terminate_backend}, a proxy's cut) neither runs nor stores anything more for the
 * conversation it held (decision 0113): the turn codex runs for it is interrupted and says why, no
 * later turn goes out, and another host has the conversation at once. The lease lasts 10 minutes
 * and is renewed every 200 s, so only the session's end can have done it.
 */
@ExtendWith(PostgresServer.Extension.class)
class LeaseEndsWithTheStoresSessionTest {
    private static final String THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";
    private static final Duration LONG = Duration.ofMinutes(10);

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.shared, () -> this.store, () -> this.other);
    private final FakeCodex codex = fake.codex();
    private CodexClient shared;
    private ConversationStore store;
    private ConversationStore other;

    @Test
    void aSessionWhoseStoreLostItsDatabaseSessionStopsAtOnceAndAnotherHostTakesTheConversation(PostgresServer postgres) throws Exception {
        String url = postgres.newDatabase();
        store = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(2).build();
        other = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(2).build();
        codex.threadId = THREAD;
        codex.scriptDelayMs = 0;
        shared = fake.track(CodexClient.builder().transport(codex.factory()).connect());
        InMemoryHomes homes = new InMemoryHomes();
        homes.home(shared).put("2026/11/25/rollout-2026-11-25T03-05-19-" + THREAD + ".jsonl",
                "{\"type\":\"session_meta\",\"payload\":{\"id\":\"" + THREAD + "\"}}\n");
        CodexSession.Builder b = CodexSession.builder().client(shared).cwd(Path.of("/w"))
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO))
                .storage(ConversationStorage.builder(store, "replica-a").leaseTime(LONG).build());
        b.lineageMoves = homes;
        CodexSession s = fake.track(b.build());
        s.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> s.custody().heldLease().current() != null);
        TurnHandle running = s.startTurn(TurnInput.text("work for a long time"), TurnOptions.DEFAULTS, TurnListener.NONE);
        await().atMost(Duration.ofSeconds(60)).until(() -> sent("turn/start") == 1 && running.turnId().isPresent());

        assertThat(PostgresServer.endSessionOf(url, s.custody().heldLease().current())).isTrue();

        TurnResult stopped = running.result().get(60, TimeUnit.SECONDS);
        assertThat(stopped.status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(stopped.error().message()).contains("no longer holds the conversation's lease").contains("with the database ended");
        assertThat(sent("turn/interrupt")).as("codex told to stop acting for this host").isEqualTo(1);
        assertThat(s.leaseLost()).isTrue();
        TurnResult next = s.runTurn(TurnInput.text("and more"));
        assertThat(next.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(sent("turn/start")).as("no turn/start once the lease is lost").isEqualTo(1);
        assertThat(other.lease(THREAD, "replica-b", LONG).holder()).as("free for another host without waiting").isEqualTo("replica-b");
    }

    private int sent(String method) {
        List<JsonNode> all = codex.received();
        return (int) all.stream().filter(m -> method.equals(m.path("method").asText())).count();
    }
}
