package dev.codexbridge.store.postgresql;

import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.StoreClosedException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;

/**
 * The store's own session with the database, which its leases are bound to (decision 0113): one
 * connection held open, holding a session-level advisory lock on a random key. PostgreSQL drops a
 * session's advisory locks the moment the session ends — its process killed, its connection
 * closed, {@code pg_terminate_backend} — so another host that finds the key unlocked knows the
 * holder is gone and takes its conversations without waiting for their time ({@link PostgresLeases}).
 * A lease's token names the key it was granted under and when the server then running started:
 * a restart (or a failover to a standby) ends every session at once without saying anything of
 * their hosts, so a lease of a server before lapses with its time alone.
 *
 * <p>A thread blocks reading the connection, so an ended session is known here as soon as the
 * server says so or the socket closes. The store then opens its next session, under a new key,
 * and reads when the server started: the same server — the session alone was ended — and every
 * lease under the old key is lost at once (each watch told, {@link #whenEnded}) and refused from
 * then on; a server started since, and they are kept (their time governs, as it did before this
 * session); no answer within the connection timeout, and they are lost. Leases of the old session
 * are never bound to the new one: another host may have them already. The first session opens at
 * the first lease, so a store that only reads holds no extra connection.
 *
 * <p>The session also listens for hand-overs ({@link PostgresHandOvers}, decision 0118): asks for
 * the leases granted under its key — and under the keys of sessions a restart ended whose leases
 * it kept — and releases of leases other hosts asked for. What the watch reads, it hands on as it
 * reads it.
 */
final class PostgresSession implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(PostgresConversationStore.class);
    /** How long the watch blocks on the socket at a time. */
    private static final int WATCH_MILLIS = 500;
    /**
     * How often the session says something: a connection silent for minutes is dropped by NAT
     * tables and balancers without a word to either side, and the server's {@code idle_session_timeout}
     * ends an idle session; a socket that died so is found by the next ping, not never.
     */
    private static final long PING_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    /** How long a ping may take before the session counts as ended: far above a loaded server's answer. */
    private static final int PING_WITHIN_MILLIS = 30_000;
    /** Keys below 10^18: 18 digits in a token, always a bigint, never 0. */
    private static final long KEYS = 1_000_000_000_000_000_000L;
    /** When the server started, in UTC to the microsecond: 20 digits, the same text in every session whatever its time zone. */
    private static final String SERVER_STARTED = "to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS')";
    private static final Pattern TOKEN_SESSION = Pattern.compile("@([0-9]{1,18})\\.([0-9]{20})$");
    /**
     * Whether the session a lease row's token names has ended while the server ran, in SQL: the
     * token names this server's start, and its key's lock is free for this transaction to take
     * (then held, shared, until the transaction ends, harmlessly). False for a token of a server
     * before, and for one that names no session (an earlier release's).
     */
    static final String ENDED_SQL = dev.codexbridge.store.spi.DatabaseSession.endedSql("l.token");

    private final DataSource source;
    /** Told of every notification the session hears. */
    private final PostgresHandOvers handOvers;
    /** Keys of sessions a restart ended whose leases this store kept: their asks are listened for by every session after. */
    private final Set<Long> kept = ConcurrentHashMap.newKeySet();
    /** How long the store waits to ask the database, after a session ended, whether the server restarted. */
    private final Duration askWithin;
    private final SecureRandom random = new SecureRandom();
    private final Object lock = new Object();
    /** Told at once when a live session ends under the store (the database may be away): the store's gate (decision 0141). */
    private final Runnable onEnded;
    /** Keys of this store's sessions that ended while the server ran: their leases are lost for good. */
    private final Set<Long> ended = ConcurrentHashMap.newKeySet();
    /** What waits for a session to end, by key: the live session's, and one's being decided. */
    private final Map<Long, List<Runnable>> watches = new HashMap<>();
    private @Nullable Session live;
    /** Every watch thread started and not yet ended: joined by {@link #close}. */
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private @Nullable CompletableFuture<Session> opening;
    private boolean closed;

    /** One session: its key, when its server started, its connection, the thread reading it. */
    private record Session(long key, String serverStarted, Connection connection, Thread watch) {
    }

    /** What a lease token names of a session: its key, and when its server started. */
    record Id(long key, String serverStarted) {
    }

    PostgresSession(DataSource source, Duration askWithin, PostgresHandOvers handOvers, Runnable ended) {
        this.source = source;
        this.handOvers = handOvers;
        this.askWithin = askWithin;
        this.onEnded = ended;
    }

    /** The key {@code token} names, if it names a session. */
    static OptionalLong keyOf(String token) {
        Matcher m = TOKEN_SESSION.matcher(token);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** A lease token bound to session {@code id}. */
    static String token(String random, Id id) {
        return random + "@" + id.key() + "." + id.serverStarted();
    }

    /**
     * The live session, a session opened first when there is none (callers at once share one
     * attempt, bounded by the pool's connection timeout).
     *
     * @throws SQLException when the database did not give a connection or the lock
     */
    Id id() throws SQLException {
        CompletableFuture<Session> attempt;
        boolean mine = false;
        synchronized (lock) {
            if (closed) {
                throw new StoreClosedException(null, "on PostgreSQL");
            }
            if (live != null) {
                return new Id(live.key(), live.serverStarted());
            }
            if (opening == null) {
                opening = new CompletableFuture<>();
                mine = true;
            }
            attempt = opening;
        }
        if (mine) {
            try {
                Session s = open();
                boolean kept;
                synchronized (lock) {
                    opening = null;
                    kept = !closed;
                    if (kept) {
                        live = s;
                        threads.add(s.watch());
                        s.watch().start();
                    }
                }
                if (!kept) {
                    shut(s);
                    throw new StoreClosedException(null, "on PostgreSQL");
                }
                attempt.complete(s);
            } catch (SQLException | RuntimeException e) {
                synchronized (lock) {
                    opening = null;
                }
                attempt.completeExceptionally(e);
                throw e;
            }
        }
        try {
            Session s = attempt.join();
            return new Id(s.key(), s.serverStarted());
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException s) {
                throw new SQLException(s.getMessage(), s.getSQLState(), s);
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** The live session's mark ({@code @KEY.STARTED}, as a lease token ends), or empty while there is none: never opens one. */
    java.util.Optional<String> mark() {
        synchronized (lock) {
            return live == null ? java.util.Optional.empty() : java.util.Optional.of(token("", new Id(live.key(), live.serverStarted())));
        }
    }

    /** Whether {@code token} was granted under a session of this store's that ended while its server ran. */
    boolean endedUnder(String token) {
        OptionalLong key = keyOf(token);
        return key.isPresent() && ended.contains(key.getAsLong());
    }

    /**
     * Runs {@code action} once, on the thread that saw it, should the session {@code token} was
     * granted under end while its server runs; at once when it has. Returns what ends the watch. A
     * token of no session of this store's is not watched: its holder learns at its renewal.
     */
    Runnable whenEnded(String token, Runnable action) {
        OptionalLong key = keyOf(token);
        if (key.isEmpty()) {
            return () -> { };
        }
        long k = key.getAsLong();
        AtomicBoolean told = new AtomicBoolean();
        Runnable once = () -> {
            if (told.compareAndSet(false, true)) {
                action.run();
            }
        };
        synchronized (lock) {
            if (!ended.contains(k)) {
                List<Runnable> w = watches.get(k);
                if (w == null) {
                    return () -> { };       // another store's session, or a session a restart ended: its leases' time governs
                }
                w.add(once);
                return () -> {
                    synchronized (lock) {
                        List<Runnable> still = watches.get(k);
                        if (still != null) {
                            still.remove(once);
                        }
                    }
                };
            }
        }
        once.run();
        return () -> { };
    }

    private Session open() throws SQLException {
        Connection c = source.getConnection();
        try {
            c.setAutoCommit(true);
            // the ping's bound; the watch's own waits set and restore theirs
            c.setNetworkTimeout(Runnable::run, PING_WITHIN_MILLIS);
            if (c.getMetaData().getDatabaseMajorVersion() >= 14) {
                try (Statement st = c.createStatement()) {
                    // a database's idle-session timeout is for sessions left behind; this one is idle on purpose
                    st.execute("SET idle_session_timeout = 0");
                }
            }
            for (int tries = 0; ; tries++) {
                long key = 1 + (random.nextLong() & Long.MAX_VALUE) % (KEYS - 1);
                try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?), " + SERVER_STARTED)) {
                    s.setLong(1, key);
                    try (ResultSet rs = s.executeQuery()) {
                        // false: another session holds that key (1 in 10^18): draw again
                        if (rs.next() && rs.getBoolean(1)) {
                            listen(c, key);
                            Session[] self = new Session[1];
                            Thread t = new Thread(() -> watch(self[0]), "codex-bridge-store-session");
                            t.setDaemon(true);
                            self[0] = new Session(key, rs.getString(2), c, t);
                            synchronized (lock) {
                                watches.put(key, new ArrayList<>());
                            }
                            return self[0];
                        }
                    }
                }
                if (tries == 3) {
                    throw new SQLException("no free key for the store's session after four tries");
                }
            }
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** Listens on {@code c} for the asks of leases granted under {@code key} and the kept keys, and for releases. */
    private void listen(Connection c, long key) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (long k : PostgresHandOvers.keys(key, kept)) {
                st.execute(PostgresHandOvers.listenForAsks(k));
            }
            st.execute("LISTEN " + PostgresHandOvers.RELEASED);
        }
    }

    /** Reads the session's connection until it ends (the server ended it, its socket closed) or the store closes. */
    private void watch(Session s) {
        try {
            watchUntilEnded(s);
        } finally {
            threads.remove(Thread.currentThread());
        }
    }

    private void watchUntilEnded(Session s) {
        SQLException why = null;
        try {
            PGConnection pg = s.connection().unwrap(PGConnection.class);
            long pinged = System.nanoTime();
            while (isLive(s)) {
                // blocks on the socket: returns at once with a notification, the server's FATAL or the socket's end
                PGNotification[] heard = pg.getNotifications(WATCH_MILLIS);
                for (PGNotification n : heard == null ? new PGNotification[0] : heard) {
                    try {
                        handOvers.heard(n.getName(), n.getParameter());
                    } catch (RuntimeException e) {
                        // a hint lost, never the session: the renewal or the poll finds what it said
                        LOG.warn("acting on the store's notification {} failed", n.getName(), e);
                    }
                }
                if (System.nanoTime() - pinged > PING_EVERY_NANOS && isLive(s)) {
                    try (Statement st = s.connection().createStatement()) {
                        st.execute("SELECT 1");
                    }
                    pinged = System.nanoTime();
                }
            }
        } catch (SQLException e) {
            why = e;
        }
        synchronized (lock) {
            if (live != s) {
                return;         // the store closed it
            }
            live = null;
            // the next session listens for its asks too, should its leases be kept (a restart): decided below
            kept.add(s.key());
        }
        shut(s);
        try {
            onEnded.run();
        } catch (RuntimeException e) {
            LOG.warn("telling the store that its session ended failed", e);
        }
        String reason = why == null ? "no reason given" : why.getMessage();
        Boolean restarted = restartedSince(s);
        if (isClosed()) {
            return;         // the store closed while it asked: nothing holds the leases any more
        }
        if (Boolean.TRUE.equals(restarted)) {
            synchronized (lock) {
                watches.remove(s.key());
            }
            LOG.info("the conversation store's session ended as the database restarted ({}): the conversations leased before "
                    + "are kept, and lapse with their time alone should this host stop", reason);
            return;
        }
        List<Runnable> told;
        kept.remove(s.key());
        synchronized (lock) {
            ended.add(s.key());
            told = watches.remove(s.key());
        }
        LOG.warn("the conversation store's session with the database ended ({}){}: every conversation this host held under it is "
                + "given up now, since another host may take it at once", reason,
                restarted == null ? ", and the database did not say whether it restarted within " + askWithin.toSeconds() + " s" : "");
        if (told != null) {
            for (Runnable r : told) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("acting on the end of the store's session failed", e);
                }
            }
        }
    }

    /**
     * Whether the server the ended session was on has restarted since (or is another, promoted):
     * read from the next session, opened now (a lease's own opening, if one came first), until the
     * database answers within {@link #askWithin}; null when it did not answer.
     */
    private @Nullable Boolean restartedSince(Session s) {
        long end = System.nanoTime() + askWithin.toNanos();
        while (!isClosed()) {
            try {
                return !s.serverStarted().equals(id().serverStarted());
            } catch (SQLException | RuntimeException e) {
                if (System.nanoTime() - end > 0) {
                    return null;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException stop) {
                    return null;
                }
            }
        }
        return null;
    }

    private boolean isLive(Session s) {
        synchronized (lock) {
            return live == s;
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Ends the connection: the server drops the session's lock as it sees the socket close. */
    private void shut(Session s) {
        try {
            // abort, not close: the watch may be blocked reading it, and a close would wait for that read
            s.connection().unwrap(BaseConnection.class).abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("aborting the store's session connection failed", e);
        }
        try {
            // out of the pool for good rather than lent again dead; another pool finds it closed
            if (source.isWrapperFor(HikariDataSource.class)) {
                source.unwrap(HikariDataSource.class).evictConnection(s.connection());
            } else {
                s.connection().close();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("closing the store's session connection failed", e);
        }
    }

    /** Ends the session, and with it this store's hold on its leases (the process is going, or the store is). */
    @Override
    public void close() {
        Session s;
        synchronized (lock) {
            closed = true;
            s = live;
            live = null;
            watches.clear();
        }
        if (s != null) {
            shut(s);
        }
        // the live session's watch, and one still asking whether the server restarted
        for (Thread t : List.copyOf(threads)) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A failure to open the session as the store reports it. */
    static ConversationStoreException failed(@Nullable String threadId, SQLException e) {
        return new ConversationStoreException(threadId, "opening the conversation store's session with the database failed: "
                + e.getMessage(), e);
    }
}
