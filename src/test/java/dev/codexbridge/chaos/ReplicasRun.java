package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.a2a.StoredContext;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationSummary;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * {@code bin/bench chaos --replicas SESSIONS SECONDS [SEED]}: the service as deployed, on this
 * machine. PostgreSQL in a network namespace of its own; three replicas, each in its own namespace
 * and each the CLI's {@code a2a}, {@code mcp --http} and {@code openai} (three JVMs, each door a
 * codex per principal under its own tenants root) on the shared store ({@code --store
 * jdbc:postgresql://...}, the password from a file); a proxy in front of each door ({@link
 * ReplicasProxy}: A2A and OpenAI round-robin per request, MCP sticky by session, each among the
 * replicas whose {@code /readyz} answers ready, each leaving and rejoining rotation in the
 * timeline); A2A, MCP and OpenAI Responses clients of three principals ({@link ReplicasClients}).
 * Faults, placed by the seed: a replica SIGKILLed (its three JVMs) and started again later, a principal's codex
 * SIGKILLed on another replica with its home deleted, a replica cut from PostgreSQL (a
 * blackhole route) and healed, and PostgreSQL itself failed over to a synchronous standby promoted
 * behind the same address ({@code CHAOS_FAILOVER=0} leaves it out), restarted fast and immediate
 * and stopped for an outage ({@link ReplicasStoreFaults}; {@code CHAOS_PG_OUTAGE} seconds, default 20), a replica
 * stalled 15 s past its leases (SIGSTOP, SIGCONT), and the replicas rolled one by one with SIGTERM
 * ({@code CHAOS_ROLL=0} leaves the roll out). The MCP clients open a new session now and then
 * ({@code CHAOS_MCP_REOPEN}, {@link ReplicasClients}). Then the clients stop, every replica is asked {@code GetTask} for
 * every task, the replicas stop (SIGTERM), and {@link ReplicasVerdict} compares what the clients
 * were told with the store's record and the model's requests. Everything is torn down at the end,
 * on failure and on Ctrl-C; the run's folder (logs, every answer, the timeline) is kept when the
 * run diverged or {@code CHAOS_KEEP} is set. Where the machine's CPU went while the load ran is
 * reported by process group ({@link ReplicasCpu}); {@code CHAOS_REPLICA_JAVA_OPTS} adds JVM options
 * to every replica (a logger's level, say).
 */
public final class ReplicasRun {
    static final int REPLICAS = 3;
    private static final int A2A_PORT = 8080;
    private static final int MCP_PORT = 8081;
    private static final int OPENAI_PORT = 8082;
    private static final String ROLE = "bridge";
    private static final String DATABASE = "chaos";

    private final int sessions;
    private final Duration length;
    private final long seed;
    private final @Nullable Long leaseSeconds;
    private final PrintStream out;
    private final Path dir;
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final Process[][] replicas = new Process[REPLICAS + 1][];
    private final int[] generation = new int[REPLICAS + 1];
    private final List<List<String>> modelRequests = new CopyOnWriteArrayList<>();
    private final List<String> timeline = new CopyOnWriteArrayList<>();
    private final List<ReplicasVerdict.Kill> kills = new CopyOnWriteArrayList<>();
    private final List<ReplicasVerdict.Stall> stalls = new CopyOnWriteArrayList<>();
    /** Each replica's own faults, for the times read against them ({@link ReplicasFaultTimes}). */
    private final List<ReplicasFaultTimes.ReplicaFault> replicaFaults = new CopyOnWriteArrayList<>();
    private final Map<Integer, Long> killedAt = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Integer, Long> cutFrom = new java.util.concurrent.ConcurrentHashMap<>();
    private final long t0 = System.currentTimeMillis();
    private @Nullable ReplicasNet net;
    private @Nullable PostgresServer postgres;
    /** The synchronous standby promoted in the run's failover ({@code CHAOS_FAILOVER=0}: none). */
    private @Nullable PostgresServer standby;
    private final boolean failover = !"0".equals(System.getenv("CHAOS_FAILOVER"));
    private @Nullable ReplicasStoreFaults storeFaults;
    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();
    private boolean tornDown;
    private String storeUrl = "";
    private Path codexBinary = Path.of("codex");
    private Path home = Path.of(".");
    private Path tokens = Path.of(".");
    private Path password = Path.of(".");

    private ReplicasRun(int sessions, Duration length, long seed, @Nullable Long leaseSeconds, PrintStream out, Path dir) {
        this.sessions = sessions;
        this.length = length;
        this.seed = seed;
        this.leaseSeconds = leaseSeconds;
        this.out = out;
        this.dir = dir;
    }

    /** Runs it; the number of divergences. The run's folder is kept when there were any. */
    public static int run(int sessions, Duration length, long seed, @Nullable Long leaseSeconds, PrintStream out) throws Exception {
        // not under /tmp: the tenants refuse a root every codex sandbox may write to
        Path cache = Files.createDirectories(Path.of(System.getProperty("user.home"), ".cache", "codex-bridge"));
        Path dir = Files.createTempDirectory(cache, "chaos-replicas-");
        ReplicasRun run = new ReplicasRun(sessions, length, seed, leaseSeconds, out, dir);
        Thread hook = new Thread(() -> {
            run.tearDown();
            out.println("chaos: stopped; the run's logs are kept in " + dir);
        }, "chaos-replicas-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        int total = -1;
        try {
            total = run.go();
            return total;
        } finally {
            run.tearDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook has torn everything down already
            }
            if (total == 0 && System.getenv("CHAOS_KEEP") == null) {
                deleteTree(dir);
            } else {
                out.println("chaos: the run's logs are kept in " + dir);
            }
        }
    }

    private int go() throws Exception {
        net = ReplicasNet.create(REPLICAS);
        event("network: PostgreSQL at " + ReplicasNet.POSTGRES + ", replicas at " + ReplicasNet.replicaAddress(1) + "-" + REPLICAS);
        String secret = "chaos-" + Long.toHexString(new Random(seed).nextLong() ^ System.nanoTime());
        // durable: the run restarts PostgreSQL immediate (a crash), which must not lose a commit it acknowledged
        postgres = PostgresServer.start(true, ReplicasNet.inside("pg"), ReplicasNet.POSTGRES,
                List.of("host all postgres " + ReplicasNet.ROOT + "/32 trust", "host all " + ROLE + " 10.61.0.0/24 scram-sha-256",
                        "host replication postgres " + ReplicasNet.STANDBY + "/32 trust"));
        if (failover) {
            // a synchronous standby (the runbook's advice): the failover loses no commit a replica was told of
            standby = postgres.standby(ReplicasNet.inside("pg2"), ReplicasNet.STANDBY, "standby", true);
            event("PostgreSQL's synchronous standby streams at " + ReplicasNet.STANDBY);
        }
        try (Connection c = DriverManager.getConnection(postgres.url("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + secret + "'");
            s.execute("CREATE DATABASE " + DATABASE + " OWNER " + ROLE);
        }
        storeUrl = "jdbc:postgresql://" + ReplicasNet.POSTGRES + ":5432/" + DATABASE;
        storeFaults = new ReplicasStoreFaults(postgres, this::event);
        password = Files.writeString(dir.resolve("store-password"), secret + "\n");
        ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(this::reply);
        closing.add(model);
        TcpRelay relay = new TcpRelay(new InetSocketAddress(ReplicasNet.ROOT, 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), model.baseUrl().getPort()));
        closing.add(relay);
        home = IsolatedCodexHome.builder(Files.createDirectories(dir.resolve("host-home")),
                URI.create("http://" + ReplicasNet.ROOT + ":" + relay.port() + "/v1")).write();
        StringBuilder t = new StringBuilder();
        ReplicasClients.PRINCIPALS.forEach(p -> t.append(p).append(' ').append(ReplicasClients.token(p)).append('\n'));
        tokens = Files.writeString(dir.resolve("tokens"), t.toString());
        codexBinary = new CodexLocator().locate(null).binary();
        for (int r = 1; r <= REPLICAS; r++) {
            startReplica(r);
        }
        for (int r = 1; r <= REPLICAS; r++) {
            awaitListening(r);
        }
        List<InetSocketAddress> a2as = new ArrayList<>();
        List<InetSocketAddress> mcps = new ArrayList<>();
        List<InetSocketAddress> openais = new ArrayList<>();
        for (int r = 1; r <= REPLICAS; r++) {
            a2as.add(new InetSocketAddress(ReplicasNet.replicaAddress(r), A2A_PORT));
            mcps.add(new InetSocketAddress(ReplicasNet.replicaAddress(r), MCP_PORT));
            openais.add(new InetSocketAddress(ReplicasNet.replicaAddress(r), OPENAI_PORT));
        }
        ReplicasProxy a2aProxy = new ReplicasProxy(a2as, (r, ready) -> rotation("A2A", r, ready));
        closing.add(a2aProxy);
        ReplicasProxy mcpProxy = new ReplicasProxy(mcps, (r, ready) -> rotation("MCP", r, ready));
        closing.add(mcpProxy);
        ReplicasProxy openaiProxy = new ReplicasProxy(openais, (r, ready) -> rotation("OpenAI", r, ready));
        closing.add(openaiProxy);
        event("replicas up; proxies at A2A 127.0.0.1:" + a2aProxy.port() + ", MCP 127.0.0.1:" + mcpProxy.port() + ", OpenAI 127.0.0.1:"
                + openaiProxy.port());

        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<ReplicasAnswer> answers = new ConcurrentLinkedQueue<>();
        ReplicasClients clients = new ReplicasClients(URI.create("http://127.0.0.1:" + a2aProxy.port() + "/"),
                URI.create("http://127.0.0.1:" + mcpProxy.port() + "/mcp"), URI.create("http://127.0.0.1:" + openaiProxy.port() + "/v1/responses"),
                stop, answers);
        ReplicasCpu cpu = ReplicasCpu.start();
        closing.add(cpu);
        List<Thread> callers = new ArrayList<>();
        for (int slot = 0; slot < sessions; slot++) {
            int s = slot;
            Thread th = new Thread(() -> clients.run(s, seed), "chaos-client-" + slot);
            th.setDaemon(true);
            th.start();
            callers.add(th);
        }
        faults();
        stop.set(true);
        event("load stopped; waiting for the answers in flight");
        for (Thread th : callers) {
            th.join(TimeUnit.SECONDS.toMillis(170));
        }
        cpu.close();
        List<ReplicasAnswer> told = new ArrayList<>(answers);
        told.sort(Comparator.comparingLong(ReplicasAnswer::sentMs));
        Thread.sleep(3000);     // the last records written by their replicas' writers
        for (int r = 1; r <= REPLICAS; r++) {
            if (!alive(r)) {
                event("replica r" + r + " is not running at the end: started again to be asked");
                startUntilListening(r, "the end");
            }
        }
        Map<String, List<@Nullable String>> tasks = askEveryReplica(told);
        event("stopping the replicas (SIGTERM)");
        for (int r = 1; r <= REPLICAS; r++) {
            stopReplica(r);
        }
        List<StoredConversation> stored = readStore();
        ReplicasVerdict v = ReplicasVerdict.judge(told, ReplicasVerdict.record(stored), modelRequests, tasks, kills, stalls,
                cutFrom.entrySet().stream().map(e -> new ReplicasVerdict.Kill("r" + e.getKey(), e.getValue())).toList());
        Files.write(dir.resolve("answers.jsonl"), told.stream().map(a -> Json.write(Json.mapper().valueToTree(a))).toList());
        Files.write(dir.resolve("timeline.log"), timeline);
        Files.write(dir.resolve("verdict.txt"), v.lines(Integer.MAX_VALUE));
        report(told, stored.size(), tasks.size(), v);
        int completed = (int) told.stream().filter(a -> a.told() == ReplicasAnswer.Told.COMPLETED).count();
        for (String line : cpu.lines(completed)) {
            out.println("chaos: " + line);
        }
        // a run in which nothing completed proves nothing: it fails
        return v.total() + (told.stream().anyMatch(a -> a.told() == ReplicasAnswer.Told.COMPLETED) ? 0 : 1);
    }

    private ModelReply reply(RecordedRequest request) {
        List<String> keys = ReplicasVerdict.keys(request.userTexts());
        modelRequests.add(keys);
        return ModelReply.message(keys.isEmpty() ? "ok" : "ok " + keys.get(keys.size() - 1));
    }

    /** The fault schedule over the run's length. */
    private void faults() throws Exception {
        Random random = new Random(seed);
        int killed = 1 + random.nextInt(REPLICAS);
        int lostCodex = 1 + (killed + random.nextInt(REPLICAS - 1)) % REPLICAS;
        int cut = 1 + (killed + random.nextInt(REPLICAS - 1)) % REPLICAS;
        long l = length.toMillis();
        long killAt = l * 15 / 100;
        long restartAt = killAt + Math.max(20_000, l * 35 / 100);
        long codexAt = l * 30 / 100;
        long cutAt = l * 50 / 100;
        long healAt = cutAt + l * 30 / 100;     // past nine tenths of the default lease in a run of 5 minutes or more
        // the database's own faults (issue 71), apart from the cut so that each window's answers are its own
        long failoverAt = l * 23 / 100;
        long fastAt = l * 38 / 100;
        long immediateAt = l * 44 / 100;
        long outageAt = l * 85 / 100;
        long outageMs = Math.min(Long.parseLong(System.getenv().getOrDefault("CHAOS_PG_OUTAGE", "20")) * 1000, l * 10 / 100);
        // a replica neither cut nor killed stalled past its leases (SIGSTOP, SIGCONT): one serving since the start, not one just
        // started again and holding nothing yet; then a rolling restart (SIGTERM, one by one)
        int stalled = java.util.stream.IntStream.rangeClosed(1, REPLICAS).filter(r -> r != killed && r != cut).findFirst().orElse(cut);
        long stallAt = l * 58 / 100;
        long rollAt = l * 64 / 100;
        boolean roll = !"0".equals(System.getenv("CHAOS_ROLL"));
        // each step at its own time, on a thread of its own: a replica's restart takes tens of seconds
        java.util.concurrent.ScheduledExecutorService steps = java.util.concurrent.Executors.newScheduledThreadPool(4);
        try {
            steps.schedule(() -> killReplica(killed), killAt, TimeUnit.MILLISECONDS);
            steps.schedule(() -> restart(killed), restartAt, TimeUnit.MILLISECONDS);
            steps.schedule(() -> loseCodex(lostCodex), codexAt, TimeUnit.MILLISECONDS);
            steps.schedule(() -> partition(cut, true), cutAt, TimeUnit.MILLISECONDS);
            steps.schedule(() -> partition(cut, false), healAt, TimeUnit.MILLISECONDS);
            if (standby != null) {
                PostgresServer promoted = standby;
                steps.schedule(() -> storeFaults.failover(promoted, ReplicasNet.inside("pg2"), () -> net.movePostgresToStandby(REPLICAS)),
                        failoverAt, TimeUnit.MILLISECONDS);
            }
            steps.schedule(() -> storeFaults.restart(PostgresServer.Shutdown.FAST, 0), fastAt, TimeUnit.MILLISECONDS);
            steps.schedule(() -> storeFaults.restart(PostgresServer.Shutdown.IMMEDIATE, 0), immediateAt, TimeUnit.MILLISECONDS);
            steps.schedule(() -> storeFaults.restart(PostgresServer.Shutdown.IMMEDIATE, outageMs), outageAt, TimeUnit.MILLISECONDS);
            steps.schedule(() -> stall(stalled, 15_000), stallAt, TimeUnit.MILLISECONDS);
            if (roll) {
                steps.schedule(this::roll, rollAt, TimeUnit.MILLISECONDS);
            }
            Thread.sleep(l);
        } finally {
            steps.shutdown();
            // the roll's last restarts end before the replicas are asked: on a loaded machine a replica's three JVMs take minutes
            if (!steps.awaitTermination(10, TimeUnit.MINUTES)) {
                event("fault steps still running 10 minutes past the run's length");
            }
        }
    }

    private void killReplica(int r) {
        for (Process p : replicas[r]) {
            p.destroyForcibly();
        }
        long at = System.currentTimeMillis();
        event("SIGKILL replica r" + r + " (a2a pid " + replicas[r][0].pid() + ", mcp pid " + replicas[r][1].pid() + ", openai pid "
                + replicas[r][2].pid() + ")");
        kills.add(new ReplicasVerdict.Kill("r" + r, at));
        killedAt.put(r, at);
    }

    private void restart(int r) {
        long until = Long.MAX_VALUE;
        try {
            for (Process p : replicas[r]) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
            startReplica(r);
            awaitListening(r);
            until = System.currentTimeMillis();
            event("replica r" + r + " started again");
        } catch (Exception e) {
            event("replica r" + r + " did not start again: " + e);
        } finally {
            Long at = killedAt.get(r);
            if (at != null) {
                replicaFaults.add(new ReplicasFaultTimes.ReplicaFault(ReplicasFaultTimes.Kind.KILLED, "r" + r, at, until));
            }
        }
    }

    /** Stops replica {@code r}'s JVMs (not their codex) for {@code ms}, past their leases, then lets them go on. */
    private void stall(int r, long ms) {
        long from = System.currentTimeMillis();
        try {
            signal("STOP", r);
            stalls.add(new ReplicasVerdict.Stall("r" + r, System.currentTimeMillis()));
            event("SIGSTOP replica r" + r + " for " + ms / 1000 + " s");
            Thread.sleep(ms);
        } catch (Exception e) {
            event("stalling r" + r + " failed: " + e);
        } finally {
            try {
                signal("CONT", r);
            } catch (Exception e) {
                event("SIGCONT r" + r + " failed: " + e);
            }
            event("SIGCONT replica r" + r);
            storeFaults.window("replica r" + r + " stalled", from, System.currentTimeMillis());
        }
    }

    private void signal(String name, int r) throws IOException, InterruptedException {
        for (Process p : replicas[r]) {
            new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A rolling restart: each replica in turn stopped with SIGTERM (awaited), started again and listening before the next. */
    private void roll() {
        long from = System.currentTimeMillis();
        for (int r = 1; r <= REPLICAS; r++) {
            try {
                event("rolling: SIGTERM replica r" + r);
                long term = System.currentTimeMillis();
                stopReplica(r);
                replicaFaults.add(new ReplicasFaultTimes.ReplicaFault(ReplicasFaultTimes.Kind.STOPPED, "r" + r, term, System.currentTimeMillis()));
                startUntilListening(r, "rolling");
            } catch (Exception e) {
                event("rolling: replica r" + r + " failed: " + e);
            }
        }
        storeFaults.window("replicas rolled (SIGTERM, one by one)", from, System.currentTimeMillis());
    }

    /**
     * Starts replica {@code r} until it listens, three times at most, as a platform restarts a
     * process that exited at start (its database unreachable past its start wait).
     */
    private void startUntilListening(int r, String why) throws Exception {
        for (int attempt = 1; ; attempt++) {
            startReplica(r);
            try {
                awaitListening(r);
                event(why + ": replica r" + r + " started again" + (attempt > 1 ? " (attempt " + attempt + ")" : ""));
                return;
            } catch (IOException e) {
                for (Process p : replicas[r]) {
                    p.destroyForcibly();
                }
                if (attempt == 3) {
                    throw e;
                }
                event(why + ": replica r" + r + " did not start (attempt " + attempt + "): started again");
            }
        }
    }

    /** SIGKILLs one principal's codex under replica {@code r} and deletes its codex home. */
    private void loseCodex(int r) {
        List<ProcessHandle> codex = new ArrayList<>();
        for (Process p : replicas[r]) {
            p.toHandle().descendants().filter(h -> commandLine(h.pid()).matches("(\\S*/)?codex app-server.*")).forEach(codex::add);
        }
        if (codex.isEmpty()) {
            event("no principal's codex running under r" + r + " to lose");
            return;
        }
        ProcessHandle victim = codex.get(new Random(seed + 5).nextInt(codex.size()));
        String codexHome = environment(victim.pid()).get("CODEX_HOME");
        long from = System.currentTimeMillis();
        victim.destroyForcibly();
        try {
            victim.onExit().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // gone or going: the home goes either way
        }
        if (codexHome != null) {
            deleteTree(Path.of(codexHome));
        }
        replicaFaults.add(new ReplicasFaultTimes.ReplicaFault(ReplicasFaultTimes.Kind.CODEX_LOST, "r" + r, from, System.currentTimeMillis()));
        event("SIGKILL codex pid " + victim.pid() + " under r" + r + ", its home " + codexHome + " deleted");
    }

    /** The proxies' readiness probes took replica index {@code r} out of rotation, or back. */
    private void rotation(String door, int r, boolean ready) {
        event("proxy: " + door + " of r" + (r + 1) + (ready ? " ready again: back in rotation" : " not ready: out of rotation"));
    }

    private void partition(int r, boolean cut) {
        try {
            if (cut) {
                cutFrom.put(r, System.currentTimeMillis());
                net.partition(r);
            } else {
                net.heal(r);
                replicaFaults.add(new ReplicasFaultTimes.ReplicaFault(ReplicasFaultTimes.Kind.CUT_OFF, "r" + r, cutFrom.get(r),
                        System.currentTimeMillis()));
            }
            event((cut ? "cut replica r" : "healed replica r") + r + (cut ? " from PostgreSQL (blackhole route)" : ": PostgreSQL reachable again"));
        } catch (Exception e) {
            event("partition step on r" + r + " failed: " + e);
        }
    }

    private void startReplica(int r) throws IOException {
        int g = ++generation[r];
        String address = ReplicasNet.replicaAddress(r);
        List<String> store = new ArrayList<>(List.of("--store", storeUrl, "--store-password-file", password.toString()));
        if (leaseSeconds != null) {
            store.addAll(List.of("--store-lease", Long.toString(leaseSeconds)));
        }
        List<String> common = new ArrayList<>(List.of("--codex-bin", codexBinary.toString(), "--codex-home", home.toString(),
                "--tokens", tokens.toString()));
        common.addAll(store);
        List<String> a2a = new ArrayList<>(List.of("a2a", "--listen", address + ":" + A2A_PORT, "--tasks-per-principal", "10000",
                "--tasks", "30000", "--tenants-root", ownerOnly(dir.resolve("r" + r + "-a2a-tenants")).toString()));
        a2a.addAll(common);
        List<String> mcp = new ArrayList<>(List.of("mcp", "--http", address + ":" + MCP_PORT,
                "--tenants-root", ownerOnly(dir.resolve("r" + r + "-mcp-tenants")).toString()));
        mcp.addAll(common);
        List<String> openai = new ArrayList<>(List.of("openai", "--listen", address + ":" + OPENAI_PORT,
                "--tenants-root", ownerOnly(dir.resolve("r" + r + "-openai-tenants")).toString()));
        openai.addAll(common);
        replicas[r] = new Process[] {java(r, "a2a-" + g, a2a), java(r, "mcp-" + g, mcp), java(r, "openai-" + g, openai)};
    }

    /** Whether every door of replica {@code r} runs. */
    private boolean alive(int r) {
        return java.util.Arrays.stream(replicas[r]).allMatch(Process::isAlive);
    }

    private static Path ownerOnly(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.setPosixFilePermissions(folder, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return folder;
    }

    private Process java(int r, String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(ReplicasNet.inside("r" + r));
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xmx256m"));
        // e.g. -Dorg.slf4j.simpleLogger.log.dev.codexbridge.session=debug, to read a run's hand-overs step by step
        String extra = System.getenv("CHAOS_REPLICA_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.codexbridge.cli.Main"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("r" + r + "-" + name + ".log").toFile());
        pb.environment().put("PGUSER", ROLE);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private void awaitListening(int r) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int port : new int[] {A2A_PORT, MCP_PORT, OPENAI_PORT}) {
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(ReplicasNet.replicaAddress(r), port), 500);
                    break;
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadline || !alive(r)) {
                        throw new IOException("replica r" + r + " does not listen on " + port + " (see " + dir + "/r" + r + "-*.log)");
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    private void stopReplica(int r) throws InterruptedException {
        for (Process p : replicas[r]) {
            p.destroy();
        }
        for (Process p : replicas[r]) {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                event("replica r" + r + " pid " + p.pid() + " did not stop in 60 s after SIGTERM: killed");
                p.destroyForcibly();
            }
        }
    }

    /**
     * Every A2A task the clients were told of → each replica's state for it (null: not known there).
     * Of each context, the newest {@link StoredContext#MAX_TASKS}: the store keeps no more (docs/a2a.md), sends left
     * unanswered counted among them, since the server may have recorded them.
     */
    private Map<String, List<@Nullable String>> askEveryReplica(List<ReplicasAnswer> told) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, List<@Nullable String>> states = new TreeMap<>();
        Map<Integer, Integer> newer = new HashMap<>();
        List<ReplicasAnswer> newestFirst = new ArrayList<>(told);
        java.util.Collections.reverse(newestFirst);
        int older = 0;
        for (ReplicasAnswer a : newestFirst) {
            boolean unanswered = a.taskId() == null && a.told() == ReplicasAnswer.Told.UNKNOWN && "a2a".equals(a.door());
            if (a.taskId() == null && !unanswered) {
                continue;
            }
            // a send left unanswered (its connection ended) may have been recorded as a task all the same: it takes one of the
            // context's places, so the window of tasks still kept ends one task sooner for each (never asked past what is kept)
            if (newer.merge(a.slot(), 1, Integer::sum) > StoredContext.MAX_TASKS) {
                older += unanswered ? 0 : 1;
                continue;
            }
            if (unanswered) {
                continue;
            }
            List<@Nullable String> each = new ArrayList<>();
            for (int r = 1; r <= REPLICAS; r++) {
                String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/get\",\"params\":{\"id\":\"" + a.taskId() + "\"}}";
                String principal = ReplicasClients.principal(a.slot());
                HttpRequest ask = HttpRequest.newBuilder(URI.create("http://" + ReplicasNet.replicaAddress(r) + ":" + A2A_PORT + "/"))
                        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + ReplicasClients.token(principal))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
                HttpResponse<String> resp = null;
                // a replica just started again may not take connections yet: asked again, a minute at most
                for (int attempt = 1; resp == null; attempt++) {
                    try {
                        resp = http.send(ask, HttpResponse.BodyHandlers.ofString());
                    } catch (IOException e) {
                        if (attempt == 30) {
                            throw new IOException("replica r" + r + " did not answer GetTask: " + e, e);
                        }
                        Thread.sleep(2000);
                    }
                }
                JsonNode json = Json.parse(resp.body());
                each.add(json.has("result") ? json.at("/result/status/state").asText() : null);
            }
            states.put(a.taskId(), each);
        }
        event(states.size() + " A2A tasks asked of every replica; " + older + " older ones past the " + StoredContext.MAX_TASKS
                + " a context keeps not asked");
        return states;
    }

    private List<StoredConversation> readStore() {
        List<StoredConversation> all = new ArrayList<>();
        try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(storeUrl).username(ROLE)
                .password(Files.readString(password).strip()).maxPoolSize(2).build()) {
            String after = null;
            while (true) {
                List<ConversationSummary> page = store.list(after, 200);
                for (ConversationSummary s : page) {
                    store.get(s.threadId()).ifPresent(all::add);
                }
                if (page.size() < 200) {
                    return all;
                }
                after = page.get(page.size() - 1).threadId();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void report(List<ReplicasAnswer> told, int stored, int tasks, ReplicasVerdict v) throws IOException {
        Map<String, Integer> counts = new TreeMap<>();
        for (ReplicasAnswer a : told) {
            counts.merge(a.door() + " " + a.told(), 1, Integer::sum);
        }
        long messages = told.stream().map(a -> a.slot() + " " + a.key()).distinct().count();
        out.printf("chaos: %d messages sent, %d sends with the copies sent again after no answer: %s%n", messages, told.size(), counts);
        Map<String, Integer> why = new TreeMap<>();
        for (ReplicasAnswer a : told) {
            if (a.told() != ReplicasAnswer.Told.COMPLETED) {
                String d = a.detail().replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "ID").replaceAll("resp_[A-Za-z0-9_-]+", "ID")
                        .replaceAll("\\d+", "N");
                why.merge(a.door() + " " + a.told() + ": " + d.substring(0, Math.min(d.length(), 160)), 1, Integer::sum);
            }
        }
        why.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(8)
                .forEach(e -> out.printf("chaos:   %d x %s%n", e.getValue(), e.getKey()));
        out.printf("chaos: %d conversations in the store, %d A2A tasks asked of every replica, %d model requests%n", stored, tasks,
                modelRequests.size());
        for (String line : v.summary()) {
            out.println("chaos: " + line);
        }
        for (String line : storeFaults.report(told)) {
            out.println("chaos: fault windows: " + line);
        }
        // the replicas wait for a database connection as long as their lease unless told otherwise (--store-timeout)
        Duration storeTimeout = leaseSeconds != null ? Duration.ofSeconds(leaseSeconds) : ConversationStorage.DOORS_LEASE;
        for (String line : ReplicasFaultTimes.lines(told, storeFaults.away(), replicaFaults, storeTimeout)) {
            out.println("chaos: " + line);
        }
        for (String line : v.lines(5)) {
            out.println("chaos: " + line);
        }
        for (String line : logSummary()) {
            out.println("chaos: " + line);
        }
        out.println("chaos: " + (v.total() == 0 ? "no divergence" : v.total() + " divergences"));
        if (told.stream().noneMatch(a -> a.told() == ReplicasAnswer.Told.COMPLETED)) {
            out.println("chaos: no turn completed: the run shows nothing");
        }
    }

    /** Each replica log's warnings and errors, counted, with the first few. */
    private List<String> logSummary() throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> logs = Files.list(dir)) {
            for (Path log : logs.filter(p -> p.getFileName().toString().matches("r\\d-.*\\.log")).sorted().toList()) {
                List<String> bad = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                        .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("Exception")).toList();
                if (!bad.isEmpty()) {
                    lines.add(log.getFileName() + ": " + bad.size() + " warnings/errors, e.g. " + bad.get(0));
                }
            }
        }
        return lines;
    }

    private void event(String what) {
        long now = System.currentTimeMillis();
        String line = String.format("%7.1f s  %s", (now - t0) / 1000.0, what);
        timeline.add(now + " " + line);         // the epoch milliseconds, as the answers have them
        out.println("chaos: " + line);
    }

    /** A process's command line, its arguments joined by spaces ("" when it ended). */
    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException gone) {
            return "";
        }
    }

    private static Map<String, String> environment(long pid) {
        Map<String, String> env = new HashMap<>();
        try {
            for (String kv : Files.readString(Path.of("/proc", Long.toString(pid), "environ"), StandardCharsets.UTF_8).split("\0")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        } catch (IOException gone) {
            // the process ended
        }
        return env;
    }

    /** Stops everything the run started: clients' proxies, the replicas, PostgreSQL, the namespaces. Safe to call twice. */
    private synchronized void tearDown() {
        if (tornDown) {
            return;
        }
        tornDown = true;
        for (Process p : processes) {
            p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception e) {
                // tearing down
            }
        }
        for (PostgresServer server : java.util.Arrays.asList(postgres, standby)) {
            if (server != null) {
                try {
                    server.close();
                } catch (Exception e) {
                    out.println("chaos: PostgreSQL did not stop cleanly: " + e);
                }
            }
        }
        if (net != null) {
            net.close();
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // what will not go is left
        }
    }
}
