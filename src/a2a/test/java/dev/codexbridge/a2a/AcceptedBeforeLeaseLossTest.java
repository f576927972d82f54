package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.ForwardingStore;
import dev.codexbridge.store.LeaseLostException;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing for a replica that stalled or was cut off between accepting a message and starting its
 * turn (issue 71: a message that reached a replica just before it was paused ran after it resumed,
 * on top of turns the conversation completed elsewhere meanwhile): a task accepted before the
 * conversation's lease was lost here ends failed, not run, "send it again", and codex never gets
 * its turn; a message accepted after the loss runs on the conversation opened anew.
 */
class AcceptedBeforeLeaseLossTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.disk, () -> this.client, () -> this.agent);
    private final FakeCodex codex = fake.codex();
    private final AtomicBoolean refuseRenewals = new AtomicBoolean();
    private final AtomicInteger refused = new AtomicInteger();
    private final java.util.List<ConversationLease> leases = new java.util.concurrent.CopyOnWriteArrayList<>();
    private DiskConversationStore disk;
    private CodexClient client;
    private A2aAgent agent;

    @TempDir
    Path tmp;

    private long turnStarts() {
        return codex.received().stream().filter(m -> "turn/start".equals(m.path("method").asText())).count();
    }

    private static void awaitEnd(A2aTask task) {
        await().atMost(Duration.ofSeconds(90)).until(task::ended);
    }

    @Test
    void aTaskAcceptedBeforeTheLeaseWasLostIsNotRunAfterIt() {
        codex.scriptDelayMs = 0;
        codex.distinctThreads = true;
        codex.threadNames = n -> String.format("0199a213-81c0-7800-8aa1-%012d", n);
        codex.onThreadTurnStart = (thread, turn) -> codex.completeThreadTurn(thread, turn, "completed");
        disk = DiskConversationStore.open(tmp.resolve("store"));
        ForwardingStore store = new ForwardingStore(disk) {
            @Override
            public ConversationLease lease(String threadId, String holder, Duration ttl) {
                ConversationLease taken = super.lease(threadId, holder, ttl);
                leases.add(taken);
                return taken;
            }

            @Override
            public ConversationLease renew(ConversationLease lease, Duration ttl) {
                if (refuseRenewals.get()) {
                    refused.incrementAndGet();
                    throw new LeaseLostException(lease, "another host took it (a test's store)");
                }
                return super.renew(lease, ttl);
            }
        };
        client = CodexClient.builder().transport(codex.factory()).connect();
        java.util.List<dev.codexbridge.session.CodexSession> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        CodexGateway gateway = CodexGateway.builder().client(client).configure((p, b) -> b.cwd(Path.of("/w")))
                .storage(ConversationStorage.builder(store, "replica-a").build()).onOpen(opened::add).build();
        agent = new A2aAgent(SessionSource.of(gateway), ContextStore.inMemory(10), A2aLimits.DEFAULTS);

        A2aAgent.Accepted first = agent.message("alice", RawCaller.params(RawCaller.message("first", "ctx-1")));
        first.go().run();
        awaitEnd(first.task());
        assertThat(first.task().state()).as("%s", first.task().snapshot(0)).isEqualTo(A2aTask.COMPLETED);
        assertThat(turnStarts()).isOne();

        // accepted, and then, before its turn starts, the replica loses the conversation's lease (a stall, a cut)
        com.fasterxml.jackson.databind.node.ObjectNode second = RawCaller.message("second", "ctx-1");
        A2aAgent.Accepted waiting = agent.message("alice", RawCaller.params(second.deepCopy()));
        refuseRenewals.set(true);
        // a fake codex is not this host's process: the lease is an app-server's 75 s, renewed every 25 s
        await().atMost(Duration.ofSeconds(60)).until(() -> refused.get() > 0);
        // and has taken the refusal in (the renewal's thread records it after the store's answer): what a stall ends with
        await().atMost(Duration.ofSeconds(60)).until(() -> opened.stream().anyMatch(dev.codexbridge.session.CodexSession::leaseLost));
        // meanwhile another replica took the conversation, went on with it and let it go: it could be opened here again
        refuseRenewals.set(false);
        leases.forEach(disk::release);
        waiting.go().run();
        awaitEnd(waiting.task());
        assertThat(waiting.task().state()).isEqualTo(A2aTask.FAILED);
        assertThat(waiting.task().snapshot(0).at("/status/message/parts/0/text").asText()).contains(A2aAgent.NOT_RUN_AFTER_LOSS);
        assertThat(turnStarts()).as("codex never got the waiting message's turn").isOne();
        assertThat(waiting.task().snapshot(0).at("/metadata/safeToSendAgain").asBoolean()).isTrue();

        // sent again with its id, the message not run is a new task, and runs (decision 0117)
        A2aAgent.Accepted again = agent.message("alice", RawCaller.params(second.deepCopy()));
        assertThat(again.resent()).isFalse();
        assertThat(again.task().id).isNotEqualTo(waiting.task().id);
        again.go().run();
        awaitEnd(again.task());
        assertThat(again.task().state()).isEqualTo(A2aTask.COMPLETED);
        assertThat(turnStarts()).isEqualTo(2);

        // a message accepted after the loss runs, on the conversation opened anew
        A2aAgent.Accepted after = agent.message("alice", RawCaller.params(RawCaller.message("third", "ctx-1")));
        after.go().run();
        awaitEnd(after.task());
        assertThat(after.task().state()).isEqualTo(A2aTask.COMPLETED);
        assertThat(turnStarts()).isEqualTo(3);
    }
}
