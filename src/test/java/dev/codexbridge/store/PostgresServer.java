package dev.codexbridge.store;

import dev.codexbridge.suitecheck.LeftBehindCheck;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real PostgreSQL server from Debian's binaries ({@code /usr/lib/postgresql/<n>/bin}) on a
 * temporary data folder and a free loopback port: started once per test run ({@link Extension}
 * resolves it as a parameter and the run's end closes it) or by a bench ({@link #start}).
 * {@code initdb} and {@code postgres} refuse to run as root: as root they run as {@code nobody},
 * the folders given to it; as anyone else, as that user.
 */
public final class PostgresServer implements AutoCloseable {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path dir;
    private final String host;
    private final int port;
    private final List<String> command;
    private volatile Process process;
    /** The server of every class of the test JVM ({@link Extension}): not a class's to stop, so not left behind by one. */
    private volatile boolean sharedByTheJvm;

    private PostgresServer(Path dir, String host, int port, List<String> command, Process process) {
        this.dir = dir;
        this.host = host;
        this.port = port;
        this.command = command;
        this.process = process;
    }

    /**
     * Starts a server; {@code durable} keeps PostgreSQL's fsync and synchronous commit (for
     * measurements), the tests turn them off for speed.
     */
    public static PostgresServer start(boolean durable) throws IOException, InterruptedException {
        return start(durable, List.of(), "127.0.0.1", List.of());
    }

    /**
     * Starts a server through {@code prefix} (e.g. {@code ip netns exec NS}: in a network namespace
     * of its own) listening on {@code address}, with {@code hba} lines ahead of initdb's rules.
     */
    public static PostgresServer start(boolean durable, List<String> prefix, String address, List<String> hba)
            throws IOException, InterruptedException {
        Path bin = binaries();
        Path dir = Files.createTempDirectory("codex-store-pg-");
        // the unprivileged user walks into this folder to reach its data and socket
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path data = Files.createDirectory(dir.resolve("data"));
        Path socket = Files.createDirectory(dir.resolve("socket"));
        List<String> asUser = unprivileged(data, socket);
        run(dir.resolve("initdb.log"), concat(asUser, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C", "--no-sync"));
        if (!hba.isEmpty()) {
            Path rules = data.resolve("pg_hba.conf");
            Files.writeString(rules, String.join("\n", hba) + "\n" + Files.readString(rules));
        }
        int port;
        if (prefix.isEmpty()) {
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
        } else {
            port = 5432;        // a namespace of its own: the port is free there
        }
        List<String> command = concat(prefix, concat(asUser, bin.resolve("postgres").toString(), "-D", data.toString(), "-p",
                Integer.toString(port), "-k", socket.toString(), "-c", "listen_addresses=" + address, "-c", "max_connections=200")
                .toArray(String[]::new));
        if (!durable) {
            command = concat(command, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
        }
        Process process = launch(dir, command);
        PostgresServer server = new PostgresServer(dir, address, port, command, process);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.process.destroyForcibly(), "postgres-stop"));
        server.awaitReady();
        return server;
    }

    private static Process launch(Path dir, List<String> command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile())).start();
    }

    /** How PostgreSQL is stopped: {@code pg_ctl stop -m fast} and {@code -m immediate}, by the signals they send. */
    public enum Shutdown {
        /** SIGINT: every session ended with {@code 57P01 terminating connection due to administrator command}, then a clean stop. */
        FAST("INT"),
        /** SIGQUIT: the backends are killed, recovery at the next start (a crash, as far as the data is concerned). */
        IMMEDIATE("QUIT");

        private final String signal;

        Shutdown(String signal) {
            this.signal = signal;
        }
    }

    /** Stops the server as {@code how} says (waiting for it to end); {@link #start()} brings it back on the same port and data. */
    public void stop(Shutdown how) throws IOException, InterruptedException {
        Process p = process;
        output("kill", "-" + how.signal, Long.toString(p.pid()));
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException("PostgreSQL did not stop on SIG" + how.signal + ":\n" + log());
        }
    }

    /** Starts the stopped server again, on the same port and data, and waits until it takes connections. */
    public void start() throws IOException, InterruptedException {
        process = launch(dir, command);
        if (sharedByTheJvm) {
            LeftBehindCheck.keptForTheJvm(process.toHandle());
        }
        awaitReady();
    }

    /** {@code pg_ctl restart -m fast} or {@code -m immediate}: stopped and started again. */
    public void restart(Shutdown how) throws IOException, InterruptedException {
        stop(how);
        start();
    }

    /**
     * A hot standby of this server, streaming its WAL, started through {@code prefix} (a network
     * namespace of its own) and listening on every address there ({@code address} its own, for
     * {@link #url}; another one the namespace is given later too, as a failover moves one; without
     * a prefix, on {@code address} and a free port), named {@code name} to the primary
     * ({@code application_name}); {@code synchronous}: the primary then waits for it on every
     * commit ({@code synchronous_standby_names}), so a promoted standby has every commit a client was
     * told of. This server must let {@code postgres} replicate from the standby's address (an
     * {@code hba} line {@code host replication postgres ADDRESS/32 trust}).
     */
    public PostgresServer standby(List<String> prefix, String address, String name, boolean synchronous)
            throws IOException, InterruptedException, SQLException {
        Path bin = binaries();
        Path standbyDir = Files.createTempDirectory("codex-store-pg-standby-");
        Files.setPosixFilePermissions(standbyDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path data = Files.createDirectory(standbyDir.resolve("data"));
        Path socket = Files.createDirectory(standbyDir.resolve("socket"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        List<String> asUser = unprivileged(data, socket);
        String primary = "host=" + host + " port=" + port + " user=postgres application_name=" + name;
        run(standbyDir.resolve("basebackup.log"), concat(prefix, concat(asUser, bin.resolve("pg_basebackup").toString(), "-d", primary,
                "-D", data.toString(), "-X", "stream", "-R", "--checkpoint=fast").toArray(String[]::new)));
        int standbyPort;
        if (prefix.isEmpty()) {
            try (ServerSocket free = new ServerSocket(0)) {
                standbyPort = free.getLocalPort();
            }
        } else {
            standbyPort = 5432;        // a namespace of its own: the port is free there
        }
        List<String> standbyCommand = concat(prefix, concat(asUser, bin.resolve("postgres").toString(), "-D", data.toString(), "-p",
                Integer.toString(standbyPort), "-k", socket.toString(), "-c", "listen_addresses=" + (prefix.isEmpty() ? address : "*"),
                "-c", "max_connections=200").toArray(String[]::new));
        PostgresServer standby = new PostgresServer(standbyDir, address, standbyPort, standbyCommand, launch(standbyDir, standbyCommand));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> standby.process.destroyForcibly(), "postgres-standby-stop"));
        if (synchronous) {
            try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
                s.execute("ALTER SYSTEM SET synchronous_standby_names = '" + name + "'");
                s.execute("SELECT pg_reload_conf()");
            }
        }
        // streaming, and (synchronous) counted by the primary as its synchronous standby
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Connection c = connect("postgres"); Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SELECT state, sync_state FROM pg_stat_replication WHERE application_name = '"
                         + name + "'")) {
                if (rs.next() && "streaming".equals(rs.getString(1)) && (synchronous ? "sync" : "async").equals(rs.getString(2))) {
                    return standby;
                }
            }
            if (!standby.process.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("the standby did not start streaming:\n" + standby.log());
            }
            Thread.sleep(100);
        }
    }

    /** {@code pg_ctl promote}: this standby ends its recovery and takes writes; waits until it does. */
    public void promote(List<String> prefix) throws IOException, InterruptedException {
        Path data = dir.resolve("data");
        run(dir.resolve("promote.log"), concat(prefix, concat(unprivileged(), binaries().resolve("pg_ctl").toString(), "promote", "-w",
                "-D", data.toString()).toArray(String[]::new)));
    }

    /** {@code host:port}, for a URL naming several servers. */
    public String hostAndPort() {
        return host + ":" + port;
    }

    /**
     * {@code pg_terminate_backend} on the session a PostgreSQL store's lease was granted under, as an
     * operator or a proxy's cut would end it: found by its advisory lock, the key the lease's token
     * names ({@code <uuid>@<key>.<server start>}, decision 0113). Whether exactly one was ended.
     */
    public static boolean endSessionOf(String url, ConversationLease lease) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); java.sql.PreparedStatement s = c.prepareStatement("""
                SELECT pg_terminate_backend(pid) FROM pg_locks
                WHERE locktype = 'advisory' AND objsubid = 1 AND granted
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND ((classid::bigint << 32) | objid::bigint) = ?""")) {
            s.setLong(1, sessionKey(lease));
            try (java.sql.ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1) && !rs.next();
            }
        }
    }

    /** The session key a PostgreSQL store's lease token names. */
    public static long sessionKey(ConversationLease lease) {
        String session = lease.token().substring(lease.token().lastIndexOf('@') + 1);
        return Long.parseLong(session.substring(0, session.indexOf('.')));
    }

    /** The JDBC URL of a new, empty database. */
    public String newDatabase() throws SQLException {
        String name = "store_" + DATABASES.incrementAndGet();
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?user=postgres";
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(url(database));
    }

    /**
     * Makes {@code role} the owner of the database {@code url} names, logging in to it with
     * {@code password} (SCRAM) from the loopback address, while the rest of the server still
     * trusts every connection; returns the database's URL without a user. For a client that must
     * bring its own credentials.
     */
    public String passwordOwner(String url, String role, String password) throws SQLException, IOException, InterruptedException {
        String database = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password.replace("'", "''") + "'");
            s.execute("ALTER DATABASE " + database + " OWNER TO " + role);
        }
        Path hba = dir.resolve("data").resolve("pg_hba.conf");
        Files.writeString(hba, "host " + database + " " + role + " 127.0.0.1/32 scram-sha-256\n" + Files.readString(hba));
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_reload_conf()");
        }
        String plain = "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
        // the reload is the postmaster's, a moment later: until a wrong password is refused, the rule is not in force
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = DriverManager.getConnection(plain, role, password + "-wrong")) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("PostgreSQL did not take the password rule for " + role + " on " + database);
                }
                Thread.sleep(50);
            } catch (SQLException refused) {
                return plain;
            }
        }
    }

    @Override
    public void close() throws Exception {
        Process process = this.process;
        process.destroy();      // SIGTERM: PostgreSQL's smart shutdown, once the tests' pools are closed
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        Process process = this.process;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Connection c = connect("postgres")) {
                return;
            } catch (SQLException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IOException("PostgreSQL did not start on port " + port + ": " + notYet.getMessage() + "\n" + log());
                }
                Thread.sleep(100);
            }
        }
    }

    private String log() throws IOException {
        Path log = dir.resolve("postgres.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** The newest installed server's bin folder; its absence fails, naming what installs it. */
    private static Path binaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb"))
                        && Files.isExecutable(b.resolve("postgres"))).forEach(found::add);
            }
        }
        found.sort(Comparator.comparingInt((Path b) -> version(b.getParent().getFileName().toString())));
        if (found.isEmpty()) {
            throw new IllegalStateException("the PostgreSQL store's tests need PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb and "
                    + "postgres), which are not installed: bin/test installs them (the Debian package postgresql); or run "
                    + "apt-get install postgresql");
        }
        return found.get(found.size() - 1);
    }

    private static int version(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The command prefix that runs PostgreSQL's programs as an unprivileged user; the folders become that user's. */
    private static List<String> unprivileged(Path... folders) throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) {
            return List.of();
        }
        String gid = output("id", "-g", "nobody").strip();
        for (Path folder : folders) {
            output("chown", "nobody:" + gid, folder.toString());
        }
        return List.of("setpriv", "--reuid=nobody", "--regid=" + gid, "--clear-groups", "--");
    }

    private static void run(Path log, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
    }

    private static String output(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static List<String> concat(List<String> prefix, String... more) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(List.of(more));
        return all;
    }

    /** Resolves a {@link PostgresServer} parameter: one server for the whole run, stopped at its end (other modules' tests use it too). */
    public static final class Extension implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == PostgresServer.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot().getStore(ExtensionContext.Namespace.create(PostgresServer.class))
                    .getOrComputeIfAbsent(PostgresServer.class, k -> {
                        try {
                            PostgresServer shared = start(false);
                            shared.sharedByTheJvm = true;
                            LeftBehindCheck.keptForTheJvm(shared.process.toHandle());
                            return shared;
                        } catch (IOException e) {
                            throw new IllegalStateException("PostgreSQL for the store's tests did not start: " + e.getMessage(), e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    }, PostgresServer.class);
        }
    }
}
