package dev.codexbridge.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A replica with a store keeps nothing per conversation once its turn is stored (issue 61,
 * "Measured"): the tenants' own scoping and the gateway's record of threads opened here forget the
 * thread then, and the store's record of the owner takes over, before anything is started.
 */
class StoredThreadsForgottenLiveTest {
    @Test
    void aStoredTurnLeavesNothingPerThreadAndTheStoredOwnerStillKeepsOtherTenantsOut() throws Exception {
        Path tmp = TestDirs.create("stored-forgotten");
        try (ScriptedModelServer model = ScriptedModelServer.start();
             DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ConversationStorage storage = ConversationStorage.builder(store, "replica-a").build();
            String toml = IsolatedCodexHome.builder(tmp.resolve("unused"), model.baseUrl()).configToml();
            try (CodexTenants tenants = CodexTenants.builder().homesRoot(tmp.resolve("homes"))
                    .launch(CodexLaunch.appServer(LiveCodex.binary()).build()).homeSetup(TenantHomeSetup.configToml(toml))
                    .storage(storage).build()) {
                CodexGateway gateway = CodexGateway.builder().tenants(tenants).storage(storage)
                        .configure(b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
                model.enqueue(ModelReply.message("hello"));
                CodexSession session = gateway.open("alice", null);
                String threadId = session.threadId();
                assertThat(tenants.threadsRemembered()).as("started, not stored: the tenant's and its process").isEqualTo(2);
                assertThat(openedHere(gateway)).isEqualTo(1);

                assertThat(session.runTurn(TurnInput.text("hi")).status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(tenants.threadsRemembered()).as("stored with its owner").isZero();
                assertThat(openedHere(gateway)).isZero();
                assertThat(store.ownerOf(threadId)).contains(new ConversationOwner("alice", "alice"));

                // the store's record keeps another tenant out as the tenants' own scoping did, before anything starts
                assertThatThrownBy(() -> tenants.resumeSession("bob", threadId, b -> { }))
                        .isInstanceOfSatisfying(ThreadAccessDeniedException.class,
                                e -> assertThat(e.getMessage()).contains(TenantSessionSetup.OWN_TENANT_SCOPING));
                assertThat(tenants.usage("bob").processes()).as("bob's codex never started").isZero();
                session.closeGracefully().get(60, TimeUnit.SECONDS);
            }
        } finally {
            TestDirs.delete(tmp);
        }
    }

    private static int openedHere(CodexGateway gateway) throws Exception {
        Method m = CodexGateway.class.getDeclaredMethod("threadsOpenedHere");
        m.setAccessible(true);
        return (int) m.invoke(gateway);
    }
}
