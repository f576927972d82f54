package dev.codexbridge.cli;

import dev.codexbridge.callers.Readiness;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationRetention;
import dev.codexbridge.store.ConversationStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The conversation store of the commands that run conversations ({@code a2a}, {@code mcp},
 * {@code run}): where it is ({@link StoreOptions}) and how this process holds what it wakes —
 * the holder name its leases carry, the lease time, and whether each completed turn is stored.
 */
final class StorageOptions {
    /** The servers, which wait for their database at start by default: a replica started mid-failover comes up with it. */
    private static final java.util.Set<String> SERVERS = java.util.Set.of("a2a", "mcp", "openai");
    static final long SERVER_START_WAIT = 60;
    /** The commands that run long enough to sweep the store for retention. */
    private static final java.util.Set<String> RETAINING = java.util.Set.of("a2a", "mcp", "openai");

    @Mixin
    StoreOptions store;

    @Option(names = "--store-holder", paramLabel = "NAME",
            description = "This process's name in the store's leases, what another host is told holds a conversation "
                    + "(default: the command, host name, pid and start time).")
    String holder;

    @Option(names = "--store-lease", paramLabel = "SECONDS",
            description = "How long a lease lasts unless renewed (renewed at a third of it while a conversation is awake): "
                    + "a dead replica's conversations are free for the others within it. At least 5; default: 6. On an "
                    + "app-server another host may reach (run --connect) 75 at least, whatever is set.")
    Long leaseSeconds;

    @Option(names = "--store-start-wait", paramLabel = "SECONDS",
            description = "How long starting waits for a PostgreSQL store that cannot be reached (restarting, failing over), "
                    + "trying every second, before it gives up (default: 60 for the servers, a2a, mcp and openai; 0 for the others).")
    Long startWaitSeconds;

    @Option(names = "--no-store-after-each-turn", negatable = true,
            description = "Store each completed turn before its answer goes out (default), so a turn a caller saw complete "
                    + "survives the loss of the codex that ran it; --no-store-after-each-turn stores only when a conversation "
                    + "sleeps or closes.")
    boolean afterEachTurn = true;

    @Option(names = "--keep-slept-copy", paramLabel = "SECONDS",
            description = "How long codex's copy of a conversation that slept stays in the home it slept in, for a wake there "
                    + "that imports nothing; then the store's is the one copy at rest (default: 120; 0 removes it at the sleep).")
    Long keepSleptCopySeconds;

    @Option(names = "--retain-days", paramLabel = "DAYS",
            description = "Delete a stored conversation this many days after it was last stored (fractions allowed), unless a host holds "
                    + "it; swept on start and then every tenth of the shortest bound, between a minute and an hour (default: kept).")
    Double retainDays;

    @Option(names = "--retain-tenant", paramLabel = "TENANT=DAYS",
            description = "The days a tenant's conversations are kept instead of --retain-days (repeat per tenant).")
    java.util.Map<String, Double> retainTenants = new java.util.LinkedHashMap<>();

    /**
     * The sessions' storage, its store opened and added to {@code stop} (closed after everything
     * added later); null without {@code --store}, when the other store options are refused.
     * {@code command} names this process in the default holder. The options are checked before
     * the store is opened, so a wrong one costs no connection.
     */
    @Nullable ConversationStorage open(String command, OrderlyStop stop) {
        if (!store.given()) {
            if (holder != null || leaseSeconds != null || !afterEachTurn || startWaitSeconds != null || keepSleptCopySeconds != null
                    || retainDays != null || !retainTenants.isEmpty()) {
                throw new IllegalArgumentException("--store-holder, --store-lease, --store-start-wait, --keep-slept-copy, --retain-days, "
                        + "--retain-tenant and --no-store-after-each-turn need --store");
            }
            store.open();       // refuses a password file without a store
            return null;
        }
        Duration lease = leaseSeconds == null ? ConversationStorage.DOORS_LEASE : Duration.ofSeconds(leaseSeconds);
        if (lease.compareTo(ConversationStorage.MIN_OWN_CODEX_LEASE) < 0) {
            throw new IllegalArgumentException("--store-lease must be at least " + ConversationStorage.MIN_OWN_CODEX_LEASE.toSeconds()
                    + " seconds (longer than this host's codex lives after the host dies), not " + leaseSeconds);
        }
        if (holder != null && holder.isBlank()) {
            throw new IllegalArgumentException("--store-holder names this process in the store's leases: it cannot be blank");
        }
        store.leaseTime = lease;        // the database waits no less than the lease: decision 0087
        if (startWaitSeconds != null && startWaitSeconds < 0) {
            throw new IllegalArgumentException("--store-start-wait must not be negative, not " + startWaitSeconds);
        }
        if (keepSleptCopySeconds != null && keepSleptCopySeconds < 0) {
            throw new IllegalArgumentException("--keep-slept-copy must not be negative, not " + keepSleptCopySeconds);
        }
        if ((retainDays != null || !retainTenants.isEmpty()) && !RETAINING.contains(command)) {
            throw new IllegalArgumentException("--retain-days and --retain-tenant are for the servers (a2a, mcp, openai), "
                    + "which sweep the store while they run");
        }
        java.util.function.Function<ConversationStore, ConversationRetention.Builder> retention = retention();
        store.startWait = Duration.ofSeconds(startWaitSeconds != null ? startWaitSeconds : SERVERS.contains(command) ? SERVER_START_WAIT : 0);
        store.command = command;
        ConversationStore opened = stop.add(store.open());
        String holderName = holder != null ? holder : defaultHolder(command);
        if (retention != null) {
            stop.add(retention.apply(opened).holder(holderName + " (retention)").start());
        }
        return ConversationStorage.builder(opened, holderName)
                .leaseTime(lease).exportAfterEachTurn(afterEachTurn)
                .keepSleptCopy(keepSleptCopySeconds == null ? ConversationStorage.DEFAULT_KEEP_SLEPT_COPY : Duration.ofSeconds(keepSleptCopySeconds))
                .build();
    }

    /** The retention the options ask for, on the store it is given; null when none. Checked before the store opens. */
    private java.util.function.@Nullable Function<ConversationStore, ConversationRetention.Builder> retention() {
        if (retainDays == null && retainTenants.isEmpty()) {
            return null;
        }
        Duration all = retainDays == null ? null : days("--retain-days", retainDays);
        java.util.Map<String, Duration> perTenant = new java.util.LinkedHashMap<>();
        retainTenants.forEach((tenant, d) -> perTenant.put(tenant, days("--retain-tenant " + tenant, d)));
        return opened -> {
            ConversationRetention.Builder b = ConversationRetention.builder(opened);
            if (all != null) {
                b.keepFor(all);
            }
            perTenant.forEach(b::keepFor);
            return b;
        };
    }

    private static Duration days(String option, Double days) {
        if (days == null || !(days > 0) || days > 36_500) {
            throw new IllegalArgumentException(option + " takes a number of days above 0, not " + days);
        }
        return Duration.ofSeconds(Math.round(days * 86_400));
    }

    /**
     * What a server's {@code GET /readyz} answers: ready while the store answers (a replica cut
     * from its database leaves rotation), or, without a store, while the server runs.
     */
    static Readiness readiness(@Nullable ConversationStorage conversations) {
        return conversations == null ? Readiness.always() : Readiness.of(conversations.store());
    }

    /**
     * What the leases of this process say by default: the command, the host, the pid and when the
     * process started, e.g. {@code a2a on web-1, pid 4711, started 2026-11-26T07:00:03Z}. Unique per
     * process (a pid is reused only after its process ended, and then with another start time) and
     * readable where another host is told who holds a conversation.
     */
    static String defaultHolder(String command) {
        ProcessHandle self = ProcessHandle.current();
        String started = self.info().startInstant().map(i -> ", started " + i.truncatedTo(ChronoUnit.SECONDS)).orElse("");
        return command + " on " + hostName() + ", pid " + self.pid() + started;
    }

    /** The host's name without a DNS lookup (which can hang on a badly configured host). */
    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            String kernel = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!kernel.isEmpty()) {
                return kernel;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the name below
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "an unnamed host";
        }
    }
}
