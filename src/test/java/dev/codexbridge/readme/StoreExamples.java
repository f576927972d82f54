package dev.codexbridge.readme;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.AppServerRecycle;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.LeaseWait;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/**
 * docs/store.md: a host wakes a conversation under a lease; only the stored owner resumes it; a resume waits for another
 * host's hold that runs out soon; the store on a local disk and on PostgreSQL.
 */
final class StoreExamples {
    private StoreExamples() {
    }

    /** A codex started again past a bound (decision 0116): the launch is built as a host builds its own. */
    static void recycled(Path binary) {
        // docs/store.md#recycle:BEGIN
        CodexLaunch.appServer(binary)
                .recycle(AppServerRecycle.afterConversations(10_000).orAboveGrowthMiB(512))   // whichever comes first
                .build();
        // docs/store.md#recycle:END
    }

    static void wake(ConversationStore store, String threadId, List<RolloutFile> newLineage) {
        // docs/store.md#lease:BEGIN
        ConversationLease lease = store.lease(threadId, "host-b", Duration.ofMinutes(5)); // 409 if another host has it
        StoredConversation asleep = store.get(threadId).orElseThrow();
        // copy asleep.lineage() into this codex home, resume the thread, set name and goal again …
        lease = store.renew(lease, Duration.ofMinutes(5));                                // while it stays awake
        // … and when it sleeps again:
        store.put(lease, asleep.toBuilder().lineage(newLineage).build());                 // version asleep.version() + 1
        store.release(lease);
        // docs/store.md#lease:END
    }

    static CodexSession ownersOnly(ConversationStore store, CodexClient shared, String user, String threadId) {
        // docs/store.md#owner:BEGIN
        ThreadAccess rule = ThreadAccess.storedOwner(store);      // the principal the record names, or nobody
        ConversationStorage storage = ConversationStorage.builder(store, "host-a").owner(ConversationOwner.of(user)).build();
        CodexSession s = CodexSession.builder().client(shared).storage(storage).resumeThread(threadId)
                .threadAccess(rule, user).build();                // ThreadAccessDeniedException unless the record names user
        // docs/store.md#owner:END
        return s;
    }

    static CodexSession resumeWaiting(CodexClient codex, ConversationStorage storage, String threadId) {
        // docs/store.md#lease-wait:BEGIN
        CodexSession s = LeaseWait.retrying(LeaseWait.DEFAULT_BOUND, () -> {
            CodexSession again = CodexSession.builder().client(codex).storage(storage).resumeThread(threadId).build();
            try {
                again.start();
                return again;
            } catch (RuntimeException e) {
                again.close();
                throw e;
            }
        });
        // docs/store.md#lease-wait:END
        return s;
    }

    static ConversationStore onDisk() {
        // docs/store.md#disk:BEGIN
        ConversationStore store = DiskConversationStore.open(Path.of("/var/lib/app/conversations"));
        // or with caps and a clock: DiskConversationStore.open(dir, new StoreLimits(…), Clock.systemUTC())
        // docs/store.md#disk:END
        return store;
    }

    static PostgresConversationStore onPostgres(String secret, DataSource dataSource) {
        // docs/store.md#postgresql:BEGIN
        PostgresConversationStore store = PostgresConversationStore.builder()
                .jdbcUrl("jdbc:postgresql://db:5432/app")   // the store's own HikariCP pool, closed with the store
                .username("app").password(secret)
                .maxPoolSize(8)                             // default 8
                .connectionTimeout(Duration.ofSeconds(6))   // default 6 s (HikariCP's own: 30 s)
                .build();                                   // creates or migrates its tables
        // or the application's pool, which the store does not close:
        PostgresConversationStore.builder().dataSource(dataSource).build();
        // docs/store.md#postgresql:END
        return store;
    }
}
