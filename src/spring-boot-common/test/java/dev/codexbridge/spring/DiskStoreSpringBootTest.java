package dev.codexbridge.spring;

import static dev.codexbridge.spring.StoredConversations.FIRST_ANSWER;
import static dev.codexbridge.spring.StoredConversations.FIRST_PROMPT;
import static dev.codexbridge.spring.StoredConversations.historySent;
import static dev.codexbridge.spring.StoredConversations.resumeAndStop;
import static dev.codexbridge.spring.StoredConversations.stop;
import static dev.codexbridge.spring.StoredConversations.storedAndFree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code codex-bridge.store.*} as two replicas of a service run it, one disk store between them.
 * With tenants: each replica its own tenants' homes, the conversation opened through the gateway
 * the A2A and MCP servers use. Left open when the first application stops, the conversation is
 * stored by its shutdown and its lease given back, so another holder leases it at once; the second
 * application, its homes elsewhere and the first's deleted, refuses it to another principal at its
 * doors and resumes it in its tenant with its history. With a pool: the same across two app-servers.
 */
class DiskStoreSpringBootTest {
    /** Under target/: a homes root under /tmp (where @TempDir is) is refused. */
    private final Path tmp = TestDirs.create("spring-store");
    private ScriptedModelServer model;
    private Path binary;

    @BeforeEach
    void setUp() {
        binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        model.enqueue(ModelReply.message(FIRST_ANSWER), ModelReply.message("the second answer"));
    }

    @AfterEach
    void tearDown() throws Exception {
        model.close();
        TestDirs.delete(tmp);
    }

    @Test
    void aConversationLeftOpenIsStoredAtShutdownAndGoesOnInAnotherReplica() throws Exception {
        String threadId;
        String firstTurn;
        ConfigurableApplicationContext first = withTenants("replica-a");
        try {
            CodexSession opened = first.getBean(CodexSessions.class).gateway().open("alice", null);
            threadId = opened.threadId();
            TurnResult one = opened.runTurn(TurnInput.text(FIRST_PROMPT));
            assertThat(one.status()).as("%s", one).isEqualTo(TurnOutcome.COMPLETED);
            firstTurn = one.turnId();
        } finally {
            stop(first, "disk store, tenants");                // the session left open: it stops with the conversation awake
        }

        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            StoredConversation stored = storedAndFree(store, threadId);
            assertThat(stored.owner()).as("the principal's, in the tenant of that name").isEqualTo(new ConversationOwner("alice", "alice"));
            assertThat(stored.lastCompletedTurnId()).isEqualTo(firstTurn);
        }
        assertThat(rolloutsUnder(tmp.resolve("replica-a"), threadId)).as("the sleep ran to its end: the tenant's home let go of it").isEmpty();
        TestDirs.delete(tmp.resolve("replica-a"));          // the first replica's machine is lost, every tenant home with it

        ConfigurableApplicationContext second = withTenants("replica-b");
        try {
            CodexSessions sessions = second.getBean(CodexSessions.class);
            CodexGateway gateway = sessions.gateway();
            assertThatThrownBy(() -> gateway.resume("bob", threadId, null)).as("the stored owner is the door's access rule")
                    .isInstanceOf(ThreadAccessDeniedException.class);
            // the tenants' own storage: a tenant's session resumed without the gateway wakes from the store too
            TurnResult two = sessions.resume("alice", threadId, b -> { }).runTurn(TurnInput.text("which word?"));
            assertThat(two.status()).as("%s", two).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(two.finalText()).isEqualTo("the second answer");
        } finally {
            second.close();
        }
        historySent(model);
        assertThat(rolloutsUnder(tmp.resolve("replica-b"), threadId)).as("stored again at the second shutdown: its home let go of it too")
                .isEmpty();
    }

    /**
     * The same through a pool: a conversation left open on one app-server is stored at shutdown
     * (codex there unloads it within the re-attach window, set short here), and an application
     * whose pool is another app-server, on another home, wakes it there with its history.
     */
    @Test
    void aPoolsConversationLeftOpenIsStoredAtShutdownAndWakesOnAnotherAppServer() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path token = Files.writeString(tmp.resolve("token"), "pool-store-token");
        List<String> auth = List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString());
        String threadId;
        try (ListeningAppServer east = ListeningAppServer.websocket(binary, OfflineCodex.home(tmp.resolve("east"), model, "never"), work, auth)) {
            ConfigurableApplicationContext first = withPool(east, token, work);
            try {
                CodexSession opened = first.getBean(CodexSessions.class).open();
                threadId = opened.threadId();
                assertThat(opened.runTurn(TurnInput.text(FIRST_PROMPT)).status()).isEqualTo(TurnOutcome.COMPLETED);
            } finally {
                stop(first, "disk store, pool");
            }
        }
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            storedAndFree(store, threadId);
        }
        try (ListeningAppServer west = ListeningAppServer.websocket(binary, OfflineCodex.home(tmp.resolve("west"), model, "never"), work, auth)) {
            resumeAndStop(withPool(west, token, work), threadId);
        }
        historySent(model);
    }

    private ConfigurableApplicationContext withTenants(String name) {
        Path template = IsolatedCodexHome.builder(tmp.resolve("template-" + name), model.baseUrl()).write().resolve("config.toml");
        return application("codex-bridge.process.binary=" + binary, "codex-bridge.tenants.homes-root=" + tmp.resolve(name),
                "codex-bridge.tenants.config-template=" + template, "codex-bridge.store.holder=" + name);
    }

    private ConfigurableApplicationContext withPool(ListeningAppServer server, Path token, Path work) {
        return application("codex-bridge.pool.endpoints.only.url=" + server.uri(), "codex-bridge.pool.endpoints.only.token-file=" + token,
                "codex-bridge.reconnect.reattach-window=2s", "codex-bridge.session.cwd=" + work);
    }

    /** The application with its codex as {@code codex}, the store on disk. */
    private ConfigurableApplicationContext application(String... codex) {
        return new SpringApplicationBuilder(HostApplication.class).web(WebApplicationType.NONE).properties(codex)
                .properties("codex-bridge.session.turn-timeout=90s", "codex-bridge.store.type=disk",
                        "codex-bridge.store.disk.path=" + tmp.resolve("store"), "spring.main.banner-mode=off")
                .run();
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
