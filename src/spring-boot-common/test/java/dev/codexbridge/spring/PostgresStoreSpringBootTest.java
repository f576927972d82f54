package dev.codexbridge.spring;

import static dev.codexbridge.spring.StoredConversations.FIRST_ANSWER;
import static dev.codexbridge.spring.StoredConversations.FIRST_PROMPT;
import static dev.codexbridge.spring.StoredConversations.historySent;
import static dev.codexbridge.spring.StoredConversations.resumeAndStop;
import static dev.codexbridge.spring.StoredConversations.stop;
import static dev.codexbridge.spring.StoredConversations.storedAndFree;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * {@code codex-bridge.store.type=postgresql} on a real, throw-away PostgreSQL server: without a
 * url the store runs on the application's own {@code DataSource} bean, with one on a pool of its
 * own; and, on the real codex, a conversation the application left open when it stopped is in the
 * database with its lease given back, and an application on another codex home resumes it with its
 * history.
 */
class PostgresStoreSpringBootTest {
    private static PostgresServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startPostgres() throws Exception {
        server = PostgresServer.start(false);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /**
     * The application's own DataSource (what spring.datasource.* gives one with spring-boot-starter-jdbc),
     * waiting for the database no longer than the store's own pool would.
     */
    @Configuration(proxyBeanMethods = false)
    static class ApplicationDataSource {
        @Bean(destroyMethod = "close")
        HikariDataSource dataSource(@Value("${test.database.url}") String url) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setPoolName("the-application");
            config.setConnectionTimeout(PostgresConversationStore.DEFAULT_CONNECTION_TIMEOUT.toMillis());
            config.addDataSourceProperty("socketTimeout", "60");
            return new HikariDataSource(config);
        }
    }

    /** An application with that DataSource. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(ApplicationDataSource.class)
    static class DatabaseApplication {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CodexBridgeAutoConfiguration.class))
            .withUserConfiguration(ApplicationDataSource.class)
            // no codex: a pool on a port nothing listens on is made without connecting
            .withPropertyValues("codex-bridge.pool.endpoints.a.url=ws://127.0.0.1:1", "codex-bridge.store.type=postgresql");

    @Test
    void withoutAUrlTheStoreRunsOnTheApplicationsDataSource() throws Exception {
        String database = server.newDatabase();
        runner.withPropertyValues("test.database.url=" + database).run(c -> {
            assertThat(c).hasNotFailed().hasSingleBean(ConversationStore.class);
            assertThat(c.getBean(ConversationStore.class)).isInstanceOf(PostgresConversationStore.class);
            assertThat(tables(database)).as("created in the application's database").contains("codex_store_conversation");
        });
    }

    @Test
    void aUrlGivesTheStoreAPoolOfItsOwn() throws Exception {
        String applications = server.newDatabase();
        String stores = server.newDatabase();
        runner.withPropertyValues("test.database.url=" + applications, "codex-bridge.store.postgresql.url=" + stores,
                "codex-bridge.store.lease-time=9s").run(c -> {
            assertThat(c).hasNotFailed();
            assertThat(tables(stores)).contains("codex_store_conversation");
            assertThat(tables(applications)).as("the application's database untouched").doesNotContain("codex_store_conversation");
            Field pool = PostgresConversationStore.class.getDeclaredField("ownPool");
            pool.setAccessible(true);
            assertThat(((HikariDataSource) pool.get(c.getBean(ConversationStore.class))).getConnectionTimeout())
                    .as("its pool waits for a connection as long as the lease lasts").isEqualTo(9000);
        });
    }

    @Test
    void aConversationLeftOpenIsInTheDatabaseAndResumesOnAnotherCodexHome() throws Exception {
        Path binary = OfflineCodex.binary();
        String database = server.newDatabase();
        String threadId;
        String firstTurn;
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            model.enqueue(ModelReply.message(FIRST_ANSWER), ModelReply.message("the second answer"));
            ConfigurableApplicationContext first = application(binary, model, "first", database);
            try {
                CodexSession session = first.getBean(CodexSessions.class).open();
                threadId = session.threadId();
                TurnResult one = session.runTurn(TurnInput.text(FIRST_PROMPT));
                assertThat(one.status()).as("%s", one).isEqualTo(TurnOutcome.COMPLETED);
                firstTurn = one.turnId();
            } finally {
                stop(first, "postgresql store, own codex");          // the session left open
            }

            try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(database).build()) {
                assertThat(storedAndFree(store, threadId).lastCompletedTurnId()).isEqualTo(firstTurn);
            }

            resumeAndStop(application(binary, model, "second", database), threadId);
            historySent(model);
        }
    }

    /** The application with codex as its own process on a home of its own ({@code name}), the store on its DataSource. */
    private ConfigurableApplicationContext application(Path binary, ScriptedModelServer model, String name, String database)
            throws Exception {
        Path home = OfflineCodex.home(tmp.resolve(name + "-home"), model, "never");
        Path work = Files.createDirectories(tmp.resolve("work"));
        return new SpringApplicationBuilder(DatabaseApplication.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.process.binary=" + binary, "codex-bridge.process.codex-home=" + home,
                        "codex-bridge.session.cwd=" + work, "codex-bridge.session.turn-timeout=90s",
                        "codex-bridge.store.type=postgresql", "test.database.url=" + database, "spring.main.banner-mode=off")
                .run();
    }

    private static List<String> tables(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             ResultSet rs = c.getMetaData().getTables(null, "public", "codex_store_%", new String[] {"TABLE"})) {
            List<String> names = new java.util.ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString("TABLE_NAME"));
            }
            return names;
        }
    }
}
