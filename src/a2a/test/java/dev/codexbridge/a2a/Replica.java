package dev.codexbridge.a2a;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.testkit.IsolatedCodexHome;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One replica of the agent, as a deployment runs it: its own codex (app-server and
 * {@code CODEX_HOME}), its own connections to the one PostgreSQL database, where the A2A records
 * ({@link ContextStore#postgres}) and the conversations ({@link PostgresConversationStore}, given
 * to the gateway) of every replica live, and the server in front. {@link #kill} takes it away as a
 * lost machine would: nothing is closed or handed back.
 */
final class Replica implements AutoCloseable {
    final String name;
    final A2aServer server;
    private final CodexGateway gateway;
    private final CodexClient codex;
    private final long codexPid;
    private final HikariDataSource contexts;
    private final PostgresConversationStore conversations;
    private boolean closed;

    private Replica(String name, A2aServer server, CodexGateway gateway, CodexClient codex, long codexPid, HikariDataSource contexts,
            PostgresConversationStore conversations) {
        this.name = name;
        this.server = server;
        this.gateway = gateway;
        this.codex = codex;
        this.codexPid = codexPid;
        this.contexts = contexts;
        this.conversations = conversations;
    }

    /** A replica named {@code name} on the database at {@code url}, its codex on {@code tmp/home-NAME}, every thread in {@code tmp/work}. */
    static Replica start(String name, String url, URI model, Path tmp) throws java.io.IOException {
        return start(name, url, model, tmp, Duration.ofMinutes(2));
    }

    /** As {@link #start(String, String, URI, Path)}, its sessions asleep after {@code sleepAfter} idle. */
    static Replica start(String name, String url, URI model, Path tmp, Duration sleepAfter) throws java.io.IOException {
        return start(name, url, model, tmp.resolve("home-" + name), java.nio.file.Files.createDirectories(tmp.resolve("work")), sleepAfter);
    }

    private static Replica start(String name, String url, URI model, Path home, Path work, Duration sleepAfter) {
        Set<Long> before = codexChildren();
        CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                .codexHome(IsolatedCodexHome.builder(home, model).askForApproval("on-request").write()).build()).connect();
        Set<Long> started = codexChildren();
        started.removeAll(before);
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(4);
        c.setPoolName(name + "-contexts");
        HikariDataSource contexts = new HikariDataSource(c);
        PostgresConversationStore conversations = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(4).build();
        CodexGateway gateway = CodexGateway.builder().client(codex)
                .storage(ConversationStorage.builder(conversations, name).leaseTime(ConversationStorage.DOORS_LEASE).build())
                .configure(b -> b.cwd(work).hibernateAfter(sleepAfter).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))
                .callerApprovals(true)
                .build();
        A2aServer server = server(gateway).contexts(ContextStore.postgres(contexts, name, 1_000, conversations)).start();
        return new Replica(name, server, gateway, codex, started.size() == 1 ? started.iterator().next() : -1, contexts, conversations);
    }

    /** The key every replica of a test seals its push configs with, as an operator gives all replicas one. */
    private static final SealingKeys PUSH_KEYS = SealingKeys.parse(SealingKeys.newKey());

    private static A2aServer.Builder server(CodexGateway gateway) {
        return A2aServer.builder().tokens(BearerTokens.of(Map.of(LiveA2a.ALICE, "alice", LiveA2a.BOB, "bob")))
                .push(PushOptions.DEFAULTS.allowingPrivateAddresses()).pushSecretKeys(PUSH_KEYS).gateway(gateway);
    }

    /** A server of one, beside this replica's: the same codex and conversation store, its contexts and tasks in memory. */
    A2aServer alone() {
        return server(gateway).start();
    }

    /** How many turns codex's own record holds on {@code threadId} (this replica's codex: its app-server, its home). */
    int codexTurns(String threadId) {
        return codex.threadTurnsList(dev.codexbridge.protocol.ThreadTurnsListParams.builder().threadId(threadId).limit(100L).build()).data().size();
    }

    URI uri() {
        return server.uri();
    }

    /**
     * Gone as a machine goes: its database connections cut (it can neither write a record, renew a
     * lease nor give one back) and its codex killed with SIGKILL. It no longer says it is alive, so
     * the other replicas see it dead within seconds; its conversations stay leased to it until the
     * leases run out.
     */
    void kill() {
        if (codexPid < 0) {
            throw new IllegalStateException("replica " + name + "'s codex was not found among this JVM's children");
        }
        contexts.close();
        conversations.close();
        ProcessHandle.of(codexPid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** A clean shutdown: the server waits for its contexts' conversations to be stored and let go. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LiveA2a.closeAll(server, codex, conversations, contexts);
        }
    }

    private static Set<Long> codexChildren() {
        return ProcessHandle.current().children().filter(p -> p.info().commandLine().map(l -> l.contains("app-server")).orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }
}
