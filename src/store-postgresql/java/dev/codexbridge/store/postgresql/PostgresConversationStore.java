package dev.codexbridge.store.postgresql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.ConversationSummary;
import dev.codexbridge.store.CorruptConversationException;
import dev.codexbridge.store.DoorRecords;
import dev.codexbridge.store.LeaseLostException;
import dev.codexbridge.store.RolloutAppend;
import dev.codexbridge.store.StaleAppendException;
import dev.codexbridge.store.StoreLimits;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.SendRecords;
import dev.codexbridge.store.VersionConflictException;
import dev.codexbridge.store.spi.JdbcTransactions;
import dev.codexbridge.store.spi.LeaseCounts;
import dev.codexbridge.store.spi.DatabaseSession;
import dev.codexbridge.store.spi.OutageGate;
import dev.codexbridge.store.spi.StoreChecks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The {@link ConversationStore} on PostgreSQL (docs/store.md): a row per conversation, a row per
 * rollout file, a row per lease ({@code PostgresSchema}, {@code PostgresLeases}). Every write is one transaction, so a
 * lineage is in the database whole or not at all whatever fails, the host included. A put or
 * delete first locks the conversation's lease row ({@code SELECT … FOR UPDATE}): writes to one
 * conversation are serialized and each sees the lease and version the one before it left. Lease
 * times come from the store's clock, as in {@link dev.codexbridge.store.DiskConversationStore}. What a get or a list reads back is checked
 * before it is used, the rows as the disk store checks its files ({@code PostgresRows}, decision 0062).
 */
public final class PostgresConversationStore implements ConversationStore {
    private final @Nullable HikariDataSource ownPool;
    private final StoreLimits limits;
    private final Clock clock;
    /** The store's calls to the database, behind its outage gate (decision 0131). */
    private final PostgresCalls calls;
    /** The session the leases are bound to (decision 0113), which hears of hand-overs too (decision 0118). */
    private final PostgresSession session;
    /** What the session hears of asks and releases, and who waits for them (decision 0118). */
    private final PostgresHandOvers handOvers;
    private final PostgresLeases leases;
    /** The small transactions and the session the leases, the send records and the door records share. */
    private final PostgresLeases.Transactions sendsTransactions;

    private PostgresConversationStore(DataSource dataSource, @Nullable HikariDataSource ownPool, StoreLimits limits, Clock clock,
                                      Duration answerWithin) {
        this.calls = new PostgresCalls(dataSource, answerWithin);
        this.ownPool = ownPool;
        this.limits = limits;
        this.clock = clock;
        LeaseCounts counts = new LeaseCounts();
        this.handOvers = new PostgresHandOvers(counts);
        // a session that ends may be the database going away: calls wait for its answer from then on, at most the timeout
        this.session = new PostgresSession(dataSource, answerWithin, handOvers, () -> calls.gate().suspect(answerWithin));
        this.sendsTransactions = new PostgresLeases.Transactions() {
            @Override
            public <T> T inTransaction(@Nullable String threadId, String doing, JdbcTransactions.Work<T> work) {
                return small(threadId, doing, work);
            }

            @Override
            public PostgresSession.Id session(String threadId) {
                return calls.session(session, threadId);
            }
        };
        this.leases = new PostgresLeases(sendsTransactions, session, clock, counts);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * How long the store's own pool waits for a connection by default: a door's lease, 6 s
     * ({@code ConversationStorage.DOORS_LEASE}), not HikariCP's 30 s. Not shorter: a completed
     * turn whose put fails while its session still holds the lease is reported completed (with
     * {@code storeFailed}); a put that waits past nine tenths of the lease — where a session cut
     * from its store stops — is reported failed, as it must be when another replica may take the
     * conversation without it (decisions 0082, 0087). A store with longer leases may wait longer.
     */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(6);

    /**
     * How long a statement already sent waits for the database by default (pgjdbc's
     * {@code socketTimeout}). Without it a connection whose peer goes silent mid-statement (a
     * partition, a frozen server) holds its caller, and a store thread, until TCP gives up: never,
     * while nothing is left unacknowledged. Far above the longest put (a 128 MiB lineage written
     * whole takes seconds); a URL's own {@code socketTimeout} wins.
     */
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Bounds a HikariCP pool's waits for a database that does not answer: a connection within
     * {@code connectionTimeout}; a pooled connection's liveness check within HikariCP's own 5 s, or
     * less where that is not below the connection timeout (HikariCP needs it shorter); a statement
     * sent within {@link #DEFAULT_SOCKET_TIMEOUT}. A host building its own pool for the store may
     * call it too.
     */
    public static void applyTimeouts(HikariConfig config, Duration connectionTimeout) {
        applyTimeouts(config, connectionTimeout, DEFAULT_SOCKET_TIMEOUT);
    }

    /**
     * As above, a statement sent waiting at most {@code socketTimeout} (whole seconds, at least 1)
     * unless the pool's properties or its URL already say ({@code socketTimeout}: the URL's wins).
     */
    public static void applyTimeouts(HikariConfig config, Duration connectionTimeout, Duration socketTimeout) {
        long millis = connectionTimeout.toMillis();
        config.setConnectionTimeout(millis);
        config.setValidationTimeout(Math.max(250, Math.min(5000, millis - 1000)));
        if (!config.getDataSourceProperties().containsKey("socketTimeout")) {
            config.addDataSourceProperty("socketTimeout", Long.toString(Math.max(1, socketTimeout.toSeconds())));
        }
    }

    @Override
    public ConversationLease lease(String threadId, String holder, Duration ttl) {
        return leases.lease(threadId, holder, ttl);
    }

    @Override
    public ConversationLease renew(ConversationLease lease, Duration ttl) {
        return leases.renew(lease, ttl);
    }

    @Override
    public boolean release(ConversationLease lease) {
        return leases.release(lease);
    }

    @Override
    public boolean askHandOver(String threadId) {
        return leases.askHandOver(threadId);
    }

    /** Told once the session the lease was granted under ends: its process or connection gone (decision 0113). */
    @Override
    public Runnable whenLost(ConversationLease lease, Consumer<LeaseLostException> action) {
        return session.whenEnded(lease.token(), () -> action.accept(PostgresLeases.sessionEnded(lease)));
    }

    /** The store's send records (decision 0117): a row per key in {@code codex_store_send}, each claim bound to the store's session. */
    @Override
    public Optional<SendRecords> sendRecords(Duration window, int maxRecords) {
        return Optional.of(new PostgresSendRecords(sendsTransactions, clock, window, maxRecords));
    }

    /** The store's door records (decision 0126): a row per record in {@code codex_store_door_record}. */
    @Override
    public Optional<DoorRecords> doorRecords(Duration window, int maxRecords) {
        return Optional.of(new PostgresDoorRecords(sendsTransactions, clock, window, maxRecords, calls.gate()::down));
    }

    @Override
    public Runnable whenAsked(ConversationLease lease, Runnable action) {
        return handOvers.whenAsked(StoreChecks.threadId(lease.threadId()), action);
    }

    @Override
    public CompletionStage<Void> whenReleased(String threadId) {
        return handOvers.whenReleased(StoreChecks.threadId(threadId));
    }

    @Override
    public Optional<LeaseCounts> leaseCounts() {
        return Optional.of(leases.counts());
    }

    @Override
    public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
        return put(lease, conversation, Map.of());
    }

    /** A tail is a row of {@code codex_store_chunk}; no stored byte is written again ({@link PostgresChunks}). */
    @Override
    public StoredConversation putAppending(ConversationLease lease, StoredConversation conversation, List<RolloutAppend> appends) {
        return put(lease, conversation, StoreChecks.appends(conversation, appends));
    }

    private StoredConversation put(ConversationLease lease, StoredConversation conversation, Map<String, RolloutAppend> appends) {
        StoreChecks.put(limits, lease, conversation);
        String threadId = conversation.threadId();
        return inTransaction(threadId, "storing", c -> {
            JdbcTransactions.idleBound(c, JdbcTransactions.IDLE_IN_WRITE);     // a writer stalled here frees its lease row (0129)
            // locked until the commit: no other change to the lease can land meanwhile, only its time can run out
            Optional<PostgresLeases.Held> held = PostgresLeases.held(c, threadId, clock.instant());
            leases.inForce(lease, held, clock.instant());
            long current = 0;
            try (PreparedStatement s = c.prepareStatement("SELECT version FROM codex_store_conversation WHERE thread_id = ? FOR UPDATE")) {
                s.setString(1, threadId);
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next()) {
                        current = rs.getLong(1);
                    }
                }
            }
            long next = StoreChecks.nextVersion(threadId, current);
            if (current != conversation.version()) {
                throw new VersionConflictException(threadId, conversation.version(), current);
            }
            StoredConversation stored = conversation.toBuilder().version(next).build();
            if (current == 0 && !appends.isEmpty()) {
                String path = appends.keySet().iterator().next();
                throw new StaleAppendException(threadId, path, "the store holds no version of the conversation");
            }
            PostgresRows.writeConversation(c, stored, current == 0, appends.isEmpty(), PostgresRows.time(clock.instant()));
            if (appends.isEmpty()) {
                PostgresRows.writeLineage(c, stored);
            } else {
                PostgresChunks.write(c, stored, appends);
            }
            // the sources may have taken a while: the lease must still be in force when the version commits, and this
            // store's session live (another host waits on the row's lock, so it cannot have taken the lease meanwhile)
            leases.inForce(lease, held, clock.instant());
            return stored;
        });
    }

    @Override
    public Optional<StoredConversation> get(String threadId) {
        StoreChecks.threadId(threadId);
        return inTransaction(threadId, "reading", c -> {
            // one snapshot for the conversation row and its rollouts; this transaction only, not the pooled connection
            try (Statement s = c.createStatement()) {
                s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            return PostgresRows.read(c, threadId, limits);
        });
    }

    /** The conversation row's owner, no rollout read. */
    @Override
    public Optional<ConversationOwner> ownerOf(String threadId) {
        StoreChecks.threadId(threadId);
        return small(threadId, "reading the owner of", c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT format, owner_principal, owner_tenant FROM codex_store_conversation WHERE thread_id = ?")) {
                s.setString(1, threadId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    int format = PostgresRows.format(threadId, rs.getInt(1));
                    String principal = PostgresRows.decode(threadId, rs.getString(2), format);
                    try {
                        return principal == null ? Optional.empty()
                                : Optional.of(new ConversationOwner(principal, PostgresRows.decode(threadId, rs.getString(3), format)));
                    } catch (IllegalArgumentException e) {
                        throw new CorruptConversationException(threadId, "the record's owner is not one: " + e.getMessage(), e);
                    }
                }
            }
        });
    }

    @Override
    public boolean delete(ConversationLease lease) {
        String threadId = StoreChecks.threadId(lease.threadId());
        return inTransaction(threadId, "deleting", c -> {
            JdbcTransactions.idleBound(c, JdbcTransactions.IDLE_IN_WRITE);
            leases.inForce(lease, PostgresLeases.held(c, threadId, clock.instant()), clock.instant());
            boolean stored;
            try (PreparedStatement s = c.prepareStatement("DELETE FROM codex_store_conversation WHERE thread_id = ?")) {
                s.setString(1, threadId);
                stored = s.executeUpdate() == 1;
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM codex_store_lease WHERE thread_id = ?")) {
                s.setString(1, threadId);
                s.executeUpdate();
            }
            return stored;
        });
    }

    @Override
    public List<ConversationSummary> list(@Nullable String afterThreadId, int limit) {
        StoreChecks.listLimit(limit);
        return small(null, "listing", c -> PostgresRows.page(c, afterThreadId, limit));
    }

    @Override
    public void close() {
        calls.close();
        // its leases lapse at once for the other hosts, as when the process ends
        session.close();
        if (ownPool != null) {
            ownPool.close();
        }
    }

    /** The store's session with the database its leases end with (decision 0113), for records beside it (decision 0138). */
    @Override
    public Optional<DatabaseSession> databaseSession() {
        return Optional.of(session::mark);
    }

    @Override
    public Optional<OutageGate> outageGate() {
        return Optional.of(calls.gate());
    }

    @Override
    public void ping() {
        small(null, "asking", PostgresCalls.SELECT_ONE);
    }

    private <T> T inTransaction(@Nullable String threadId, String doing, JdbcTransactions.Work<T> work) {
        return calls.inTransaction(threadId, doing, work);
    }

    private <T> T small(@Nullable String threadId, String doing, JdbcTransactions.Work<T> work) {
        return calls.small(threadId, doing, work);
    }

    /** Builds a {@link PostgresConversationStore}: a JDBC URL (a pool of the store's own) or the host's {@link DataSource}. */
    public static final class Builder {
        private @Nullable String jdbcUrl;
        private @Nullable String username;
        private @Nullable String password;
        private int maxPoolSize = 8;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration socketTimeout = DEFAULT_SOCKET_TIMEOUT;
        private @Nullable DataSource dataSource;
        private StoreLimits limits = StoreLimits.DEFAULTS;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** {@code jdbc:postgresql://host:5432/database}; the store opens a HikariCP pool on it and closes it with itself. */
        public Builder jdbcUrl(String url) {
            this.jdbcUrl = Objects.requireNonNull(url, "url");
            return this;
        }

        public Builder username(@Nullable String username) {
            this.username = username;
            return this;
        }

        public Builder password(@Nullable String password) {
            this.password = password;
            return this;
        }

        /** The store's own pool's size (default 8): how many puts and gets run at once. */
        public Builder maxPoolSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("maxPoolSize must be at least 1: " + size);
            }
            this.maxPoolSize = size;
            return this;
        }

        /**
         * How long a call waits for a connection of the store's own pool (default
         * {@link #DEFAULT_CONNECTION_TIMEOUT}, 6 s; HikariCP's own is 30 s) before it fails with a
         * {@link ConversationStoreException}: a database that is gone is reported in seconds, not
         * after a caller gave up. At least 250 ms; keep it at least the sessions' lease time. It also
         * bounds each statement of the store's small work — a lease, its renewal, an owner, a page of
         * the list, a ping — on either pool (the host's {@link DataSource} too), so a database behind a
         * silent network answers those within it; a put or a get of a whole conversation has the
         * socket's timeout ({@link #socketTimeout}).
         */
        public Builder connectionTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 250) {
                throw new IllegalArgumentException("connectionTimeout must be at least 250 ms: " + timeout);
            }
            this.connectionTimeout = timeout;
            return this;
        }

        /**
         * How long a statement sent on the store's own pool waits for the database (default
         * {@link #DEFAULT_SOCKET_TIMEOUT}, 60 s) before it fails with a {@link ConversationStoreException};
         * at least 1 s. A {@code socketTimeout} in the URL wins.
         */
        public Builder socketTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toSeconds() < 1) {
                throw new IllegalArgumentException("socketTimeout must be at least 1 s: " + timeout);
            }
            this.socketTimeout = timeout;
            return this;
        }

        /** The host's own pool instead of a URL; the store does not close it. */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        public Builder limits(StoreLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** The clock leases are measured with (default: the system's, in UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Opens the store: its pool, then its tables created or migrated ({@code PostgresSchema}). */
        public PostgresConversationStore build() {
            if ((jdbcUrl == null) == (dataSource == null)) {
                throw new IllegalStateException("give the store either a jdbcUrl or a dataSource");
            }
            HikariDataSource pool = null;
            DataSource source = dataSource;
            if (jdbcUrl != null) {
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl(jdbcUrl);
                config.setUsername(username);
                config.setPassword(password);
                // and one held by the store's session with the database (PostgresSession), once it leases
                config.setMaximumPoolSize(maxPoolSize + 1);
                config.setPoolName("codex-bridge-store");
                applyTimeouts(config, connectionTimeout, socketTimeout);
                // the store's few statements prepared by the server on their first run, not their fifth: a connection the
                // pool opens (at start, and again as it renews them) stores its first turns 0.3 - 0.8 ms sooner; the URL's wins
                config.addDataSourceProperty("prepareThreshold", "1");
                pool = new HikariDataSource(config);
                source = pool;
            }
            try {
                PostgresSchema.migrate(source);
            } catch (RuntimeException e) {
                if (pool != null) {
                    pool.close();
                }
                throw e;
            }
            return new PostgresConversationStore(source, pool, limits, clock, connectionTimeout);
        }
    }
}
