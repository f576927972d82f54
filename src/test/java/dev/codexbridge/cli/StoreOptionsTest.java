package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --store} and its options, checked before anything starts: a database's credentials come
 * from the environment or a file, a URL carrying them is refused without being repeated, and every
 * refusal is one line on every command that takes the option, with the exit code of that
 * command's other refused settings (1 for the servers, 2 for {@code run} and {@code threads}).
 */
class StoreOptionsTest {
    @TempDir
    Path tmp;

    private static StoreOptions store(String location, Map<String, String> environment) {
        StoreOptions o = new StoreOptions();
        o.location = location;
        o.environment = environment;
        return o;
    }

    @Test
    void aUrlCarryingAPasswordIsRefusedOnEveryCommandWithoutRepeatingIt() {
        for (String url : List.of("jdbc:postgresql://db:5432/app?user=app&password=hunter2-secret",
                "jdbc:postgresql://app:hunter2-secret@db/app", "jdbc:postgresql://db/app?sslmode=require&SSLPASSWORD=hunter2-secret")) {
            for (List<String> command : List.of(List.of("a2a", "--listen", "127.0.0.1:0"), List.of("mcp"), List.of("run", "hi"),
                    List.of("threads", "list"), List.of("threads", "read", "01a216bb-d362-7882-a005-627d1cc4b9b2"))) {
                String[] args = java.util.stream.Stream.concat(command.stream(), java.util.stream.Stream.of("--store", url)).toArray(String[]::new);
                String[] r = run(args);
                assertThat(r[0]).as("%s", command).isEqualTo(exitCode(command.get(0)));
                assertThat(r[1] + r[2]).as("%s", command).doesNotContain("hunter2-secret").doesNotContain("\tat ");
                assertThat(r[2].strip()).as("%s", command).endsWith("the JDBC URL carries credentials, which every user of this machine "
                        + "can read on a command line; give the password in CODEX_BRIDGE_STORE_PASSWORD (or PGPASSWORD) or "
                        + "--store-password-file FILE, and the user in CODEX_BRIDGE_STORE_USER (or PGUSER, or the URL's user=)")
                        .doesNotContain("\n");
            }
        }
    }

    /** A refused setting's exit code: a server's as picocli gives a failed command, {@code run}'s and {@code threads}' a usage error. */
    private static String exitCode(String command) {
        return command.equals("a2a") || command.equals("mcp") ? "1" : "2";
    }

    @Test
    void aUrlWithAUserAndNoPasswordIsAccepted() {
        StoreOptions.refuseSecretsIn("jdbc:postgresql://db:5432/app?user=app&currentSchema=codex&sslmode=require");
        StoreOptions.refuseSecretsIn("jdbc:postgresql://db/app");
    }

    @Test
    void credentialsComeFromTheBridgesVariablesThenPostgresqlsOwn() {
        assertThat(store("jdbc:postgresql://db/app", Map.of("CODEX_BRIDGE_STORE_USER", "bridge", "CODEX_BRIDGE_STORE_PASSWORD", "b-pw",
                "PGUSER", "pg", "PGPASSWORD", "pg-pw")).credentials()).isEqualTo(new StoreOptions.Credentials("bridge", "b-pw"));
        assertThat(store("jdbc:postgresql://db/app", Map.of("PGUSER", "pg", "PGPASSWORD", "pg-pw")).credentials())
                .isEqualTo(new StoreOptions.Credentials("pg", "pg-pw"));
        assertThat(store("jdbc:postgresql://db/app", Map.of()).credentials()).isEqualTo(new StoreOptions.Credentials(null, null));
        assertThat(new StoreOptions.Credentials("u", "secret-pw").toString()).doesNotContain("secret-pw");
    }

    @Test
    void aPasswordFileTakesItsFirstLineInPlaceOfTheEnvironments() throws Exception {
        StoreOptions o = store("jdbc:postgresql://db/app", Map.of("PGPASSWORD", "from-env"));
        o.passwordFile = Files.writeString(tmp.resolve("pw"), "from-file\nignored\n");
        assertThat(o.credentials().password()).isEqualTo("from-file");
        o.passwordFile = Files.writeString(tmp.resolve("empty"), "\n");
        assertThatThrownBy(o::credentials).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is empty");
        o.passwordFile = tmp.resolve("missing");
        assertThatThrownBy(o::credentials).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be read");
    }

    @Test
    void aPasswordFileIsForADatabaseAndTheStoreOptionsNeedAStore() {
        String[] file = run("run", "hi", "--store", tmp.resolve("store").toString(), "--store-password-file", tmp.resolve("pw").toString());
        assertThat(file[0]).isEqualTo("2");
        assertThat(file[2]).contains("--store-password-file is for --store jdbc:postgresql://");
        for (List<String> options : List.of(List.of("--store-lease", "100"), List.of("--store-holder", "me"), List.of("--no-store-after-each-turn"),
                List.of("--keep-slept-copy", "0"), List.of("--retain-days", "30"), List.of("--retain-tenant", "acme=1"))) {
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("a2a", "--listen", "127.0.0.1:0"), options.stream())
                    .toArray(String[]::new);
            String[] r = run(args);
            assertThat(r[0]).as("%s", options).isEqualTo(exitCode("a2a"));
            assertThat(r[2].strip()).as("%s", options)
                    .isEqualTo("codex-bridge a2a: --store-holder, --store-lease, --store-start-wait, --keep-slept-copy, --retain-days, "
                            + "--retain-tenant and --no-store-after-each-turn need --store");
        }
        assertThat(Files.exists(tmp.resolve("store"))).as("nothing is opened before the options are checked").isFalse();
    }

    @Test
    void aServerWithRetentionDeletesWhatIsPastItsDaysAndTheOtherCommandsRefuseIt() throws Exception {
        Path dir = tmp.resolve("store");
        String old = "01a216bb-d362-7882-a005-627d1cc4b9b2";
        try (DiskConversationStore disk = DiskConversationStore.open(dir)) {
            ConversationLease lease = disk.lease(old, "host-a", java.time.Duration.ofMinutes(1));
            disk.put(lease, StoredConversation.builder(old, List.of(RolloutFile.of("2026/11/25/rollout-2026-11-25T03-05-19-" + old + ".jsonl",
                    "{}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)))).build());
            disk.release(lease);
        }
        Thread.sleep(1_500);     // older than the bound below: 0.00001 days is 0.864 s
        StorageOptions o = new StorageOptions();
        o.store = store(dir.toString(), Map.of());
        o.retainDays = 0.00001;
        try (OrderlyStop stop = new OrderlyStop("a2a", System.err)) {
            ConversationStorage storage = o.open("a2a", stop);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> storage.store().get(old).isEmpty());
        }

        String[] r = run("run", "hi", "--store", dir.toString(), "--retain-days", "1");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2].strip()).isEqualTo("codex-bridge run: --retain-days and --retain-tenant are for the servers (a2a, mcp, openai), "
                + "which sweep the store while they run");
        String[] zero = run("a2a", "--listen", "127.0.0.1:0", "--store", dir.toString(), "--retain-tenant", "acme=0");
        assertThat(zero[2].strip()).isEqualTo("codex-bridge a2a: --retain-tenant acme takes a number of days above 0, not 0.0");
    }

    @Test
    void otherDatabasesAreNotSupported() {
        String[] r = run("mcp", "--store", "jdbc:mysql://db/app");
        assertThat(r[0]).isEqualTo(exitCode("mcp"));
        assertThat(r[2].strip()).isEqualTo("codex-bridge mcp: --store takes a folder or a jdbc:postgresql:// URL; other databases are not supported");
    }

    @Test
    void aDatabaseThatCannotBeReachedIsOneLine() {
        String[] r = run("run", "hi", "--store", "jdbc:postgresql://127.0.0.1:1/app");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2].strip()).startsWith("codex-bridge run: --store jdbc:postgresql://127.0.0.1:1/app: the database cannot be used: ")
                .doesNotContain("\n").doesNotContain("\tat ");
    }

    @Test
    void aRequestWaitsTheLeaseForTheDatabaseNotThePoolsThirty() {
        StoreOptions defaults = new StoreOptions();
        new picocli.CommandLine(defaults).parseArgs("--store", "jdbc:postgresql://db/app");
        assertThat(defaults.timeout()).isEqualTo(java.time.Duration.ofSeconds(6));
        StoreOptions ten = new StoreOptions();
        new picocli.CommandLine(ten).parseArgs("--store", "jdbc:postgresql://db/app", "--store-timeout", "10");
        assertThat(ten.timeout()).isEqualTo(java.time.Duration.ofSeconds(10));
        com.zaxxer.hikari.HikariConfig pool = new com.zaxxer.hikari.HikariConfig();
        dev.codexbridge.store.postgresql.PostgresConversationStore.applyTimeouts(pool, ten.timeout());
        assertThat(pool.getConnectionTimeout()).isEqualTo(10_000);
        assertThat(pool.getValidationTimeout()).as("HikariCP wants it below the connection timeout").isLessThan(10_000);
        assertThat(pool.getDataSourceProperties()).as("a statement sent waits for the database at most this long")
                .containsEntry("socketTimeout", "60");
        com.zaxxer.hikari.HikariConfig own = new com.zaxxer.hikari.HikariConfig();
        own.addDataSourceProperty("socketTimeout", "5");
        dev.codexbridge.store.postgresql.PostgresConversationStore.applyTimeouts(own, ten.timeout());
        assertThat(own.getDataSourceProperties()).as("a pool's own setting wins").containsEntry("socketTimeout", "5");
        String[] r = run("mcp", "--store", tmp.resolve("store").toString(), "--store-timeout", "10");
        assertThat(r[0]).isEqualTo(exitCode("mcp"));
        assertThat(r[2]).contains("--store-timeout is for --store jdbc:postgresql://...");
        // below the lease, a turn's put could give up while the lease still holds: told completed, then lost
        String[] shorter = run("a2a", "--listen", "127.0.0.1:0", "--store", "jdbc:postgresql://127.0.0.1:1/app",
                "--store-lease", "8", "--store-timeout", "6");
        assertThat(shorter[0]).isEqualTo(exitCode("a2a"));
        assertThat(shorter[2]).contains("--store-timeout must be at least the lease time, 8 seconds");
    }

    /**
     * A server started while its database restarts or fails over (a rolling deploy meeting a
     * maintenance window) waits for it, saying so once, and comes up with it; a command that is
     * not a server, or a wait of 0, is told at once.
     */
    @Test
    void aServerWaitsForADatabaseThatIsNotUpYet() throws Exception {
        try (dev.codexbridge.store.PostgresServer db = dev.codexbridge.store.PostgresServer.start(false)) {
            String url = db.newDatabase();
            for (String server : new String[] {"mcp", "openai"}) {
                db.stop(dev.codexbridge.store.PostgresServer.Shutdown.FAST);
                StorageOptions o = new StorageOptions();
                o.store = store(url, Map.of());
                java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
                o.store.notices = new PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8);
                try (OrderlyStop stop = new OrderlyStop("test", new PrintStream(java.io.OutputStream.nullOutputStream()))) {
                    java.util.concurrent.CompletableFuture<ConversationStorage> opening =
                            java.util.concurrent.CompletableFuture.supplyAsync(() -> o.open(server, stop));
                    Thread.sleep(2_000);
                    assertThat(opening).as("%s still waiting for the database", server).isNotDone();
                    db.start();
                    ConversationStorage s = opening.get(60, java.util.concurrent.TimeUnit.SECONDS);
                    assertThat(s.store()).isInstanceOf(dev.codexbridge.store.postgresql.PostgresConversationStore.class);
                    s.store().ping();
                    assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8))
                            .startsWith("codex-bridge " + server + ": waiting up to 60 s for the database at jdbc:postgresql://")
                            .doesNotContain("\tat ");
                }
            }
            db.stop(dev.codexbridge.store.PostgresServer.Shutdown.FAST);
            for (String[] command : new String[][] {{"run"}, {"mcp", "--store-start-wait", "0"}}) {
                StorageOptions now = new StorageOptions();
                new picocli.CommandLine(now).parseArgs(command.length > 1 ? new String[] {command[1], command[2]} : new String[0]);
                now.store = store(url, Map.of());
                long t0 = System.nanoTime();
                try (OrderlyStop stop = new OrderlyStop("test", new PrintStream(java.io.OutputStream.nullOutputStream()))) {
                    assertThatThrownBy(() -> now.open(command[0], stop)).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("the database cannot be used");
                }
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).as("told at once: %s", String.join(" ", command))
                        .isLessThan(java.time.Duration.ofSeconds(10));
            }
            db.start();
        }
    }

    @Test
    void theLeaseIsAtLeastTheLibrarysShortest() {
        String[] r = run("a2a", "--listen", "127.0.0.1:0", "--store", tmp.resolve("store").toString(), "--store-lease", "4");
        assertThat(r[0]).isEqualTo(exitCode("a2a"));
        assertThat(r[2]).contains("--store-lease must be at least 5 seconds");
    }

    @Test
    void theStorageTakesTheOptionsAndNamesThisProcessByDefault() {
        StorageOptions o = new StorageOptions();
        o.store = store(tmp.resolve("store").toString(), Map.of());
        try (OrderlyStop stop = new OrderlyStop("test", new PrintStream(java.io.OutputStream.nullOutputStream()))) {
            ConversationStorage s = o.open("mcp", stop);
            assertThat(s.store()).isInstanceOf(DiskConversationStore.class);
            assertThat(s.leaseTime()).as("a dead replica's conversations free within 10 s").isEqualTo(Duration.ofSeconds(6));
            assertThat(s.exportAfterEachTurn()).isTrue();
            assertThat(s.holder()).startsWith("mcp on ").contains(", pid " + ProcessHandle.current().pid() + ", started ");
            assertThat(s.owner()).isNull();

            o.holder = "replica-3";
            o.leaseSeconds = 90L;
            o.afterEachTurn = false;
            ConversationStorage tuned = o.open("mcp", stop);
            assertThat(tuned.holder()).isEqualTo("replica-3");
            assertThat(tuned.leaseTime()).isEqualTo(Duration.ofSeconds(90));
            assertThat(tuned.exportAfterEachTurn()).isFalse();
        }
        assertThat(o.store.secrets()).containsExactly(tmp.resolve("store").toAbsolutePath());
    }

    @Test
    void noStoreAfterEachTurnIsTheNegatedForm() {
        StorageOptions given = new StorageOptions();
        new picocli.CommandLine(given).parseArgs("--no-store-after-each-turn");
        assertThat(given.afterEachTurn).isFalse();
        StorageOptions positive = new StorageOptions();
        new picocli.CommandLine(positive).parseArgs("--store-after-each-turn");
        assertThat(positive.afterEachTurn).isTrue();
        StorageOptions none = new StorageOptions();
        new picocli.CommandLine(none).parseArgs();
        assertThat(none.afterEachTurn).isTrue();
    }
}
