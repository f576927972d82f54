package dev.codexbridge.readme;

// docs/deploy/README.md:BEGIN
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * The host's side of docs/deploy: one pool endpoint per pod of the codex-app-server Deployment,
 * named by its address, and the conversations in PostgreSQL rather than on the pods.
 */
public final class PoolHost {
    /** The keys of the codex-store-postgresql Secret, mounted into the host's pod as files. */
    public static final List<String> STORE_SECRET_KEYS = List.of("jdbc-url", "username", "password");

    /** secretDir: where the codex-store-postgresql Secret is mounted (one file per key). */
    public static PostgresConversationStore store(Path secretDir) throws IOException {
        return PostgresConversationStore.builder()
                .jdbcUrl(Files.readString(secretDir.resolve("jdbc-url")).strip())
                .username(Files.readString(secretDir.resolve("username")).strip())
                .password(Files.readString(secretDir.resolve("password")).strip())
                .build();                                  // creates or migrates its tables
    }

    /**
     * podAddresses: "IP:4500" of each ready pod (PodDiscovery.resolve); tokenFile: the
     * codex-app-server-auth Secret's token; hostName: this host in the store's leases (its pod's name).
     */
    public static CodexPool connect(Collection<String> podAddresses, Path tokenFile, ConversationStore store, String hostName) {
        CodexPool.Builder pool = CodexPool.builder()
                .storage(ConversationStorage.builder(store, hostName).build())   // conversations sleep into the store
                .maxThreadsPerEndpoint(16)                 // threads one pod serves at once
                .healthInterval(Duration.ofSeconds(5));    // GET /readyz of every pod
        for (String address : podAddresses) {
            pool.endpoint(address, endpoint(address, tokenFile));
        }
        return pool.build();
    }

    /** A pod's app-server: in-cluster ws:// behind a NetworkPolicy; wss:// with a mesh. */
    public static CodexEndpoint endpoint(String podAddress, Path tokenFile) {
        return CodexEndpoint.parse("ws://" + podAddress).tokenFile(tokenFile).allowPlaintextRemote(true);
    }

    /** Every session of this host: idle for two minutes, it sleeps into the store and leaves its pod. */
    public static Consumer<CodexSession.Builder> conversation(Path workspace) {
        return s -> s.cwd(workspace).hibernateAfter(Duration.ofMinutes(2));
    }

    /**
     * After a restart the host has nothing but the conversation's thread id: the pool wakes it from
     * the store, or finds a thread never stored on the pod that has it loaded, and a turn still
     * running there is followed to its end.
     */
    public static CodexSession reopen(CodexPool pool, String threadId, Path workspace, TurnListener ui, Consumer<TurnResult> onEnd) {
        CodexSession session = pool.resumeSession(threadId, conversation(workspace));
        session.runningTurnId().ifPresent(turn -> session.attachTurnAsync(turn, ui).thenAccept(onEnd));
        return session;
    }
}
// docs/deploy/README.md:END
