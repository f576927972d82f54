package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.CodexException;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.ForwardingStore;
import dev.codexbridge.store.LeaseLostException;
import dev.codexbridge.store.RolloutAppend;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenants and a gateway on a conversation store, on the real codex, as two replicas of a service
 * would run them: each replica its own tenants' homes, one store between them. A principal's
 * conversation closed on one replica goes on, with its history, on the other after the first
 * replica's homes are deleted (its machine lost); another principal is refused it, and the stored
 * owner stays the principal who opened it.
 */
class StoredTenantsLiveTest {
    /** Under target/: a homes root under /tmp (where @TempDir is) is refused. */
    private final Path tmp = TestDirs.create("stored-tenants");
    private ScriptedModelServer model;
    private DiskConversationStore store;
    private CodexTenants first;
    private CodexTenants second;

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        store = DiskConversationStore.open(tmp.resolve("store"));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {first, second, store, model}) {
            if (c != null) {
                c.close();
            }
        }
        TestDirs.delete(tmp);
    }

    private CodexTenants tenants(String replica, ConversationStorage storage) {
        String toml = IsolatedCodexHome.builder(tmp.resolve("unused"), model.baseUrl()).configToml();
        return CodexTenants.builder()
                .homesRoot(tmp.resolve(replica))
                .launch(CodexLaunch.appServer(LiveCodex.binary()).build())
                .homeSetup(TenantHomeSetup.configToml(toml))
                .storage(storage)
                .build();
    }

    private static CodexGateway gateway(CodexTenants tenants, ConversationStorage storage) {
        return CodexGateway.builder().tenants(tenants).storage(storage)
                .configure(b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))
                .build();
    }

    @Test
    void aPrincipalsConversationGoesOnOnAnotherReplicaAfterTheFirstLostItsHomes() throws Exception {
        ConversationStorage storageA = ConversationStorage.builder(store, "replica-a").build();
        ConversationStorage storageB = ConversationStorage.builder(store, "replica-b").build();
        first = tenants("replica-a", storageA);
        model.enqueue(ModelReply.message("the first answer, kept"), ModelReply.message("the second answer"));

        String threadId;
        CodexSession opened = gateway(first, storageA).open("alice", null);
        threadId = opened.threadId();
        TurnResult one = opened.runTurn(TurnInput.text("remember the word heliotrope"));
        assertThat(one.status()).as("%s", one).isEqualTo(TurnOutcome.COMPLETED);
        // while the first replica holds it awake, the second never opens it beside it: the store's lease refuses
        try (CodexTenants meanwhile = tenants("replica-c", storageB)) {
            assertThatThrownBy(() -> gateway(meanwhile, storageB).resume("alice", threadId, null))
                    .hasStackTraceContaining(ConversationLeasedException.class.getName()).hasStackTraceContaining("replica-a");
        }
        opened.closeGracefully().get(60, TimeUnit.SECONDS);
        StoredConversation stored = store.get(threadId).orElseThrow();
        assertThat(stored.owner()).isEqualTo(new ConversationOwner("alice", "alice"));
        assertThat(stored.lastCompletedTurnId()).isEqualTo(one.turnId());

        // the first replica's machine is lost: its codex processes and every tenant home with them
        first.close();
        first = null;
        TestDirs.delete(tmp.resolve("replica-a"));
        assertThat(Files.exists(tmp.resolve("replica-a"))).isFalse();

        second = tenants("replica-b", storageB);
        CodexGateway other = gateway(second, storageB);
        assertThatThrownBy(() -> other.resume("bob", threadId, null))
                .as("another principal is refused before codex is asked").isInstanceOf(ThreadAccessDeniedException.class);
        try (CodexSession again = other.resume("alice", threadId, null)) {
            assertThat(again.threadId()).isEqualTo(threadId);
            TurnResult two = again.runTurn(TurnInput.text("which word?"));
            assertThat(two.status()).as("%s", two).isEqualTo(TurnOutcome.COMPLETED);
            // looked for while the session is open: a close stores the conversation and removes codex's copy
            assertThat(rolloutsUnder(tmp.resolve("replica-b"), threadId)).as("woken in the principal's home on the second replica")
                    .isNotEmpty();
        }
        List<RecordedRequest> requests = model.responsesRequests();
        RecordedRequest last = requests.get(requests.size() - 1);
        assertThat(last.bodyJson()).as("the second replica's codex sent the conversation's history")
                .contains("remember the word heliotrope").contains("the first answer, kept");
        assertThat(store.get(threadId).orElseThrow().owner()).as("the owner is the one who opened it, whoever asked since")
                .isEqualTo(new ConversationOwner("alice", "alice"));
    }

    @Test
    void tenantsAloneStoreEachConversationAsItsTenants() throws Exception {
        ConversationStorage storage = ConversationStorage.builder(store, "replica-a").build();
        first = tenants("replica-a", storage);
        model.enqueue(ModelReply.message("hello"));
        CodexSession session = first.newSession("carol", b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)));
        String threadId = session.threadId();
        assertThat(session.runTurn(TurnInput.text("hi")).status()).isEqualTo(TurnOutcome.COMPLETED);
        session.closeGracefully().get(60, TimeUnit.SECONDS);
        assertThat(store.get(threadId).orElseThrow().owner()).isEqualTo(new ConversationOwner("carol", "carol"));
        assertThat(rolloutsUnder(tmp.resolve("replica-a"), threadId)).as("the tenant's home lets go of it once stored").isEmpty();
    }

    @Test
    void aFirstTurnTheStoreRefusedUnderALostLeaseIsNotKeptAndTheGatewayNeverResumesItFromCodexsCopy() throws Exception {
        FencedPuts fenced = new FencedPuts(store);
        ConversationStorage storage = ConversationStorage.builder(fenced, "replica-a").build();
        first = tenants("replica-a", storage);
        CodexGateway gateway = gateway(first, storage);
        model.enqueue(ModelReply.message("ran, then not kept"));
        CodexSession session = gateway.open("erin", null);
        String threadId = session.threadId();
        fenced.refusing = true;
        TurnResult r = session.runTurn(TurnInput.text("hi"));
        assertThat(r.finalText()).as("codex ran it").isEqualTo("ran, then not kept");
        assertThat(r.status()).as("%s", r).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.NOT_KEPT);
        session.close();
        fenced.refusing = false;
        assertThat(store.get(threadId)).isEmpty();
        // codex's copy here holds the turn the caller was told is gone: resumed, the next turn's store would keep it
        assertThatThrownBy(() -> gateway.resume("erin", threadId, null)).isInstanceOf(ThreadAccessDeniedException.class);
        assertThat(gateway.abandoned(threadId)).as("an A2A context goes on on a fresh thread (decision 0093)").isTrue();
    }

    @Test
    void aFirstTurnNotKeptLeavesNoCopyInTheTenantsOwnCodexSoTenantsAloneNeverResumeIt() throws Exception {
        FencedPuts fenced = new FencedPuts(store);
        ConversationStorage storage = ConversationStorage.builder(fenced, "replica-a").build();
        first = tenants("replica-a", storage);
        model.enqueue(ModelReply.message("ran, then not kept"));
        CodexSession session = first.newSession("frank", b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)));
        String threadId = session.threadId();
        fenced.refusing = true;
        TurnResult r = session.runTurn(TurnInput.text("hi"));
        assertThat(r.finalText()).as("codex ran it").isEqualTo("ran, then not kept");
        assertThat(r.error().category()).as("%s", r).isEqualTo(ErrorCategory.NOT_KEPT);
        // gone before the result was handed out: nothing in this home resumes the turn the host was told is gone
        assertThat(rolloutsUnder(tmp.resolve("replica-a"), threadId)).as("codex's copy").isEmpty();
        session.close();
        fenced.refusing = false;
        assertThat(store.get(threadId)).isEmpty();
        assertThatThrownBy(() -> first.resumeSession("frank", threadId, b -> { }).runTurn(TurnInput.text("again")))
                .as("the tenants let codex's home decide for a thread the store does not hold: it has none")
                .isInstanceOf(CodexException.class).hasMessageContaining(threadId);

        // a thread whose first turn was kept keeps codex's copy when a later turn is not: the store's copy is imported on its next open
        model.enqueue(ModelReply.message("kept"), ModelReply.message("ran, then not kept"));
        CodexSession kept = first.newSession("frank", b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)));
        assertThat(kept.runTurn(TurnInput.text("one")).status()).isEqualTo(TurnOutcome.COMPLETED);
        fenced.refusing = true;
        assertThat(kept.runTurn(TurnInput.text("two")).error().category()).isEqualTo(ErrorCategory.NOT_KEPT);
        assertThat(rolloutsUnder(tmp.resolve("replica-a"), kept.threadId())).as("codex's copy of a stored conversation").isNotEmpty();
        kept.close();
        fenced.refusing = false;
    }

    /** A store whose lease ran out under every put while {@code refusing}: the lease freed, the put refused. */
    private static final class FencedPuts extends ForwardingStore {
        volatile boolean refusing;

        FencedPuts(ConversationStore store) {
            super(store);
        }

        @Override
        public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
            if (refusing) {
                throw lost(lease);
            }
            return store.put(lease, conversation);
        }

        @Override
        public StoredConversation putAppending(ConversationLease lease, StoredConversation conversation, List<RolloutAppend> tails) {
            if (refusing) {
                throw lost(lease);
            }
            return store.putAppending(lease, conversation, tails);
        }

        /** The lease ran out at the store: it is free there, and the put refused. */
        private LeaseLostException lost(ConversationLease lease) {
            store.release(lease);
            return new LeaseLostException(lease, "it ran out (a fault of the test)");
        }
    }

    @Test
    void aSleepIsOverWhenSettledSaysSoAndNoLeaseIsLeftBehind() throws Exception {
        ConversationStorage storage = ConversationStorage.builder(store, "replica-a").build();
        first = tenants("replica-a", storage);
        model.enqueue(ModelReply.message("hello"));
        CodexGateway gateway = CodexGateway.builder().tenants(first).storage(storage)
                .configure(b -> b.hibernateAfter(Duration.ofSeconds(1)).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))
                .build();
        try (CodexSession session = gateway.open("dave", null)) {
            String threadId = session.threadId();
            assertThat(session.runTurn(TurnInput.text("hi")).status()).isEqualTo(TurnOutcome.COMPLETED);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!session.isHibernated()) {
                assertThat(System.nanoTime()).as("the session sleeps").isLessThan(deadline);
                Thread.sleep(20);
            }
            // asleep as the API says, and once settled, another host takes the conversation at once
            session.settled().get(60, TimeUnit.SECONDS);
            store.release(store.lease(threadId, "replica-b", Duration.ofSeconds(5)));
            assertThat(rolloutsUnder(tmp.resolve("replica-a"), threadId)).as("the tenant's home keeps its copy for a wake back there")
                    .isNotEmpty();
        }
    }

    private static List<Path> rolloutsUnder(Path root, String threadId) throws Exception {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.getFileName().toString().endsWith(threadId + ".jsonl")).toList();
        }
    }
}
