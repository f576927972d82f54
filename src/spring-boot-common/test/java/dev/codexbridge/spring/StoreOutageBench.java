package dev.codexbridge.spring;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * {@code bin/bench starter-outage [SESSIONS]}: the Spring Boot starter's sessions while their
 * PostgreSQL store is down, measured as the replicas' chaos run measures the doors (issue 71):
 * an application on the real codex with {@code codex-bridge.store.type=postgresql} — once with
 * the store's own pool ({@code codex-bridge.store.postgresql.url}), once on the application's
 * {@code DataSource} (HikariCP with the timeouts the start-up check asks for) — opens SESSIONS
 * conversations and completes a turn on each; PostgreSQL is stopped (fast), and a turn is sent on
 * every session at once. Each turn's time to its answer and its outcome are printed; then, the
 * database back, each session is opened again by its thread id ({@code CodexSessions.resume}: its
 * lease lapsed in the outage) and a turn sent on each. The numbers before: 24.1 s with one conversation awake,
 * 28 – 30 s with 8 – 20 (the URL), no answer for the whole outage (the application's DataSource).
 */
public final class StoreOutageBench {
    private StoreOutageBench() {
    }

    /** The application's own pool, as spring.datasource.hikari.* with the start-up check's timeouts makes one. */
    @Configuration(proxyBeanMethods = false)
    static class ApplicationPool {
        @Bean(destroyMethod = "close")
        HikariDataSource dataSource(@Value("${bench.database.url}") String url) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setPoolName("the-application");
            PostgresConversationStore.applyTimeouts(config, PostgresConversationStore.DEFAULT_CONNECTION_TIMEOUT);
            return new HikariDataSource(config);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = {"org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"})
    static class OwnPoolApplication {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(ApplicationPool.class)
    static class DataSourceApplication {
    }

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Path binary = new CodexLocator().locate(null).binary();
        Path dir = Files.createTempDirectory("starter-outage-");
        try (PostgresServer server = PostgresServer.start(true);
             ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> ModelReply.message("ok"))) {
            for (String variant : List.of("url", "datasource")) {
                String database = server.newDatabase();
                Path home = OfflineCodex.home(Files.createDirectories(dir.resolve(variant + "-home")), model, "never");
                Path work = Files.createDirectories(dir.resolve(variant + "-work"));
                List<String> properties = new ArrayList<>(List.of("codex-bridge.process.binary=" + binary,
                        "codex-bridge.process.codex-home=" + home, "codex-bridge.session.cwd=" + work,
                        "codex-bridge.session.turn-timeout=90s", "codex-bridge.store.type=postgresql", "spring.main.banner-mode=off",
                        "logging.level.root=warn", "management.otlp.metrics.export.enabled=false"));
                properties.add(variant.equals("url") ? "codex-bridge.store.postgresql.url=" + database : "bench.database.url=" + database);
                try (ConfigurableApplicationContext app = new SpringApplicationBuilder(variant.equals("url") ? OwnPoolApplication.class
                        : DataSourceApplication.class).web(WebApplicationType.NONE).properties(properties.toArray(String[]::new)).run()) {
                    CodexSessions factory = app.getBean(CodexSessions.class);
                    List<CodexSession> open = new ArrayList<>();
                    for (int i = 0; i < sessions; i++) {
                        CodexSession s = factory.open();
                        TurnResult first = s.runTurn(TurnInput.text("first " + i));
                        if (first.status() != TurnOutcome.COMPLETED) {
                            throw new IllegalStateException("the first turn did not complete: " + first);
                        }
                        open.add(s);
                    }
                    server.stop(PostgresServer.Shutdown.FAST);
                    Thread.sleep(1_000);
                    report(variant, sessions, "PostgreSQL down", turns(open, "while down"));
                    server.start();
                    Thread.sleep(1_500);
                    // a session whose lease lapsed in the outage writes no more (decision 0070): the application opens it again
                    List<CodexSession> again = new ArrayList<>();
                    long t0 = System.nanoTime();
                    for (CodexSession s : open) {
                        String threadId = s.threadId();
                        s.close();
                        again.add(resumed(factory, threadId));
                    }
                    System.out.printf("starter-outage %s, %d sessions, PostgreSQL back: all resumed in %d ms (%d resumes refused "
                            + "\"the store did not answer\" and tried again a second later)%n", variant, sessions, (System.nanoTime() - t0) / 1_000_000,
                            retries);
                    retries = 0;
                    report(variant, sessions, "PostgreSQL back, resumed", turns(again, "once back"));
                    again.forEach(CodexSession::close);
                } finally {
                    if (!isUp(server)) {
                        server.start();
                    }
                }
            }
        }
    }

    /**
     * {@code threadId} opened again, as a caller that follows the answers' hints does: a resume refused because the store
     * did not answer (its outage gate still closed a moment after the database came back) is tried again a second later,
     * for up to 10 s.
     */
    private static CodexSession resumed(CodexSessions factory, String threadId) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                return factory.resume(threadId);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline || !dev.codexbridge.store.spi.JdbcTransactions.unreachable(e)) {
                    throw e;
                }
                retries++;
                Thread.sleep(1_000);
            }
        }
    }

    private static int retries;

    private static boolean isUp(PostgresServer server) {
        try (var c = server.connect("postgres")) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** A turn on every session at once; each one's milliseconds to its answer and its outcome (and why, when not completed). */
    private static List<String[]> turns(List<CodexSession> sessions, String text) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(sessions.size());
        try {
            List<Future<String[]>> answers = new ArrayList<>();
            for (CodexSession s : sessions) {
                answers.add(threads.submit(() -> {
                    long t0 = System.nanoTime();
                    String outcome;
                    try {
                        TurnResult r = s.runTurn(TurnInput.text(text));
                        outcome = r.status() + (r.storeFailed() ? " (store failed)" : "")
                                + (r.error() == null ? "" : ": " + r.error().message().replaceAll("[0-9a-f-]{36}", "ID"));
                    } catch (RuntimeException e) {
                        outcome = e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replaceAll("[0-9a-f-]{36}", "ID");
                    }
                    return new String[] {Long.toString((System.nanoTime() - t0) / 1_000_000), outcome};
                }));
            }
            List<String[]> all = new ArrayList<>();
            for (Future<String[]> f : answers) {
                all.add(f.get());
            }
            return all;
        } finally {
            threads.shutdownNow();
        }
    }

    private static void report(String variant, int sessions, String when, List<String[]> answers) {
        List<Long> ms = answers.stream().map(a -> Long.parseLong(a[0])).sorted().toList();
        Map<String, Integer> outcomes = new TreeMap<>();
        answers.forEach(a -> outcomes.merge(a[1].length() > 160 ? a[1].substring(0, 160) + "…" : a[1], 1, Integer::sum));
        System.out.printf("starter-outage %s, %d sessions, %s: answered p50 %d ms, max %d ms; %s%n", variant, sessions, when,
                ms.get(ms.size() / 2), ms.get(ms.size() - 1), outcomes);
    }
}
