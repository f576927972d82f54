package dev.codexbridge.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Where the conversation store is ({@code --store}, docs/store.md): a folder on this machine
 * ({@code DiskConversationStore}) or a PostgreSQL database ({@code PostgresConversationStore}).
 * A database's user and password come from the environment or a file, never from the command
 * line, where every user of the machine can read them ({@code ps}, {@code /proc/PID/cmdline}).
 */
final class StoreOptions {
    static final String USER_VARIABLE = "CODEX_BRIDGE_STORE_USER";
    static final String PASSWORD_VARIABLE = "CODEX_BRIDGE_STORE_PASSWORD";
    private static final String JDBC = "jdbc:postgresql:";

    @Option(names = "--store", paramLabel = "DIR|jdbc:postgresql://HOST[:PORT]/DB[?...]",
            description = "Keep conversations in a store: a folder on this machine (created owner-only), or a PostgreSQL database "
                    + "shared by hosts on several machines. A database's user is CODEX_BRIDGE_STORE_USER (else PGUSER, else the "
                    + "URL's user=), its password --store-password-file, else CODEX_BRIDGE_STORE_PASSWORD, else PGPASSWORD; "
                    + "a URL carrying a password is refused.")
    String location;

    @Option(names = "--store-password-file", paramLabel = "FILE",
            description = "The PostgreSQL store's password: the first line of FILE (default: the environment's, "
                    + PASSWORD_VARIABLE + ", else PGPASSWORD).")
    Path passwordFile;

    @Option(names = "--store-timeout", paramLabel = "SECONDS",
            description = "How long a request waits for a connection to the PostgreSQL store before it is told the store did not "
                    + "answer (default and least: --store-lease, 6; the database pool's own default would be 30).")
    Long timeoutSeconds;

    /** The least and default {@code --store-timeout}: the sessions' lease time (decision 0087); set by the command's storage. */
    java.time.Duration leaseTime = PostgresConversationStore.DEFAULT_CONNECTION_TIMEOUT;

    /**
     * How long opening a database store tries again while the database cannot be reached (restarting,
     * failing over, not up yet), set by the command ({@code --store-start-wait}; 0: not at all).
     */
    java.time.Duration startWait = java.time.Duration.ZERO;

    /** The command, for the one line that says it waits for the database. */
    String command = "codex-bridge";

    /** Where that line goes. */
    java.io.PrintStream notices = System.err;

    /** Where credentials are read from: this process's environment (a test gives its own). */
    Map<String, String> environment = System.getenv();

    /** Whether a store was named. */
    boolean given() {
        return location != null;
    }

    /**
     * The store, opened (a folder is created when missing; a database's tables are created or
     * migrated); null without {@code --store}. Anything wrong is an {@link IllegalArgumentException}
     * whose message is one line naming the option, never a credential.
     */
    @Nullable ConversationStore open() {
        if (timeoutSeconds != null && (location == null || !isJdbc())) {
            throw new IllegalArgumentException("--store-timeout is for --store jdbc:postgresql://...");
        }
        if (timeoutSeconds != null && timeoutSeconds < leaseTime.toSeconds()) {
            throw new IllegalArgumentException("--store-timeout must be at least the lease time, " + leaseTime.toSeconds()
                    + " seconds (a turn whose store gave up before the lease ran out would be told completed though another "
                    + "replica may go on without it), not " + timeoutSeconds);
        }
        if (location == null) {
            if (passwordFile != null) {
                throw new IllegalArgumentException("--store-password-file is for --store jdbc:postgresql://...; no --store was given");
            }
            return null;
        }
        if (!isJdbc()) {
            if (location.startsWith("jdbc:")) {
                throw new IllegalArgumentException("--store takes a folder or a jdbc:postgresql:// URL; other databases are not supported");
            }
            if (passwordFile != null) {
                throw new IllegalArgumentException("--store-password-file is for --store jdbc:postgresql://...; " + location + " is a folder");
            }
            try {
                return DiskConversationStore.open(Path.of(location));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--store " + location + ": " + oneLine(e.getMessage()), e);
            }
        }
        refuseSecretsIn(location);
        Credentials c = credentials();
        // HikariCP's start and stop notices say nothing a user needs; its package named from a class, which the
        // runnable jar moves (a class loaded only here: a command without a database loads none of the pool)
        String poolLevel = "org.slf4j.simpleLogger.log." + com.zaxxer.hikari.HikariConfig.class.getPackageName();
        if (System.getProperty(poolLevel) == null) {
            System.setProperty(poolLevel, "warn");
        }
        try {
            return awaitDatabase(() -> PostgresConversationStore.builder().jdbcUrl(location).username(c.user()).password(c.password())
                    .connectionTimeout(timeout()).build());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--store " + describeLocation() + ": the database cannot be used: " + oneLine(message(e)), e);
        }
    }

    /**
     * A pool of {@code size} connections to the store's database, for what the servers keep beside
     * the conversations (the A2A contexts and tasks, shared by every replica: decision 0071), with
     * the store's credentials; the caller closes it. Only for {@code --store jdbc:postgresql://...}.
     */
    HikariDataSource openDataSource(String name, int size) {
        if (!given() || !isJdbc()) {
            throw new IllegalStateException("a database pool needs --store jdbc:postgresql://...");
        }
        Credentials c = credentials();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(location);
        config.setUsername(c.user());
        config.setPassword(c.password());
        config.setMaximumPoolSize(size);
        config.setPoolName(name);
        PostgresConversationStore.applyTimeouts(config, timeout());
        try {
            return awaitDatabase(() -> new HikariDataSource(config));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--store " + describeLocation() + ": the database cannot be used: " + oneLine(message(e)), e);
        }
    }

    /** How long a call waits for a database connection: {@code --store-timeout}, else the lease time. */
    java.time.Duration timeout() {
        return timeoutSeconds != null ? java.time.Duration.ofSeconds(timeoutSeconds) : leaseTime;
    }

    /** The store as a person reads it: the folder, or the URL without its parameters. */
    String describe() {
        return isJdbc() ? "the conversation store at " + describeLocation() : "the conversation store in " + Path.of(location).toAbsolutePath();
    }

    /**
     * What the callers' commands must not read: the store's folder (every principal's
     * conversations) and the password file. Empty without a store.
     */
    List<Path> secrets() {
        List<Path> files = new ArrayList<>();
        if (location != null && !isJdbc()) {
            files.add(Path.of(location).toAbsolutePath());
        }
        if (passwordFile != null) {
            files.add(passwordFile.toAbsolutePath());
        }
        return files;
    }

    /** Whether the store is a database (else a folder). */
    boolean isJdbc() {
        return location.startsWith(JDBC);
    }

    private String describeLocation() {
        int query = location.indexOf('?');
        return query < 0 ? location : location.substring(0, query);
    }

    record Credentials(@Nullable String user, @Nullable String password) {
        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=" + (password == null ? "none" : "(given)") + "]";
        }
    }

    /** The database's user and password, from the environment or the password file. */
    Credentials credentials() {
        String user = firstSet(USER_VARIABLE, "PGUSER");
        String password;
        if (passwordFile != null) {
            password = readPassword(passwordFile);
        } else {
            password = firstSet(PASSWORD_VARIABLE, "PGPASSWORD");
        }
        return new Credentials(user, password);
    }

    private @Nullable String firstSet(String... variables) {
        for (String v : variables) {
            String value = environment.get(v);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return null;
    }

    private static String readPassword(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("--store-password-file " + file + " cannot be read: " + e.getClass().getSimpleName(), e);
        }
        String first = text.lines().findFirst().orElse("");
        if (first.isEmpty()) {
            throw new IllegalArgumentException("--store-password-file " + file + " is empty: its first line is the password");
        }
        return first;
    }

    /**
     * Refuses a JDBC URL that carries a password ({@code user:pw@} before the host, or a parameter
     * named like {@code password}, {@code sslpassword}), without repeating any of it.
     */
    static void refuseSecretsIn(String url) {
        String rest = url.substring(JDBC.length());
        int query = rest.indexOf('?');
        String address = query < 0 ? rest : rest.substring(0, query);
        boolean secret = address.startsWith("//") && address.substring(2).split("/", 2)[0].contains("@");
        if (query >= 0) {
            for (String parameter : rest.substring(query + 1).split("&")) {
                String name = parameter.split("=", 2)[0];
                secret |= name.toLowerCase(Locale.ROOT).contains("password");
            }
        }
        if (secret) {
            throw new IllegalArgumentException("--store: the JDBC URL carries credentials, which every user of this machine can read "
                    + "on a command line; give the password in " + PASSWORD_VARIABLE + " (or PGPASSWORD) or --store-password-file FILE, "
                    + "and the user in " + USER_VARIABLE + " (or PGUSER, or the URL's user=)");
        }
    }

    /**
     * {@code open} (a pool, a store and its tables), tried again every second while it fails because
     * the database cannot be reached, for up to {@link #startWait}; one line says it waits. A replica
     * started during a database's restart or failover (a rolling deploy meeting a maintenance window)
     * comes up once the database does, instead of exiting for its platform to restart it later.
     */
    <T> T awaitDatabase(java.util.function.Supplier<T> open) {
        long deadline = System.nanoTime() + startWait.toNanos();
        boolean told = false;
        while (true) {
            try {
                return open.get();
            } catch (RuntimeException e) {
                if (!dev.codexbridge.store.spi.JdbcTransactions.unreachable(e) || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                if (!told) {
                    notices.println("codex-bridge " + command + ": waiting up to " + startWait.toSeconds() + " s for the database at "
                            + describeLocation() + ": " + oneLine(message(e)));
                    told = true;
                }
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The driver's own reason (HikariCP wraps it), else the exception's. */
    private static String message(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException && t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return String.valueOf(e.getMessage());
    }

    private static String oneLine(@Nullable String text) {
        return text == null ? "" : ApiText.escape(text.strip().replaceAll("\\s*\\R\\s*", " "));
    }
}
