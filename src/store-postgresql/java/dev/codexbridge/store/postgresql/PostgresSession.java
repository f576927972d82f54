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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;

/**
 * The store's own session with the database, which its leases are bound to (decision 0113): one
 * connection held open, holding a session-level advisory lock on a random key. PostgreSQL drops a
 * session's advisory locks the moment the session ends — its process killed, its connection
 * closed, {@code pg_terminate_backend}, a restart — so another host that finds the key unlocked
 * knows the holder is gone and takes its conversations without waiting for their time
 * ({@link PostgresLeases}). A lease's token names the key it was granted under.
 *
 * <p>A thread blocks reading the connection, so an ended session is known here as soon as the
 * server says so or the socket closes: every lease under its key is lost at once (each watch told,
 * {@link #whenEnded}) and never used again. The next lease opens a new session under a new key;
 * leases of the old one are not taken back, another host may have them already. Opened at the
 * first lease, so a store that only reads holds no extra connection.
 */
final class PostgresSession implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(PostgresConversationStore.class);
    /** How long the watch blocks on the socket at a time: what a close waits for it at the most. */
    private static final int WATCH_MILLIS = 200;
    /** Keys below 10^18: 18 digits in a token, always a bigint, never 0. */
    private static final long KEYS = 1_000_000_000_000_000_000L;
    private static final Pattern TOKEN_KEY = Pattern.compile("@([0-9]{1,18})$");
    /** The key a token names, in SQL: NULL for a token without one (an earlier release's, a disk store's). */
    static final String KEY_OF_TOKEN = "substring(%s from '@([0-9]{1,18})$')::bigint";

    private final DataSource source;
    private final SecureRandom random = new SecureRandom();
    private final Object lock = new Object();
    /** Keys of this store's sessions that ended: their leases are lost for good. */
    private final Set<Long> ended = ConcurrentHashMap.newKeySet();
    /** What waits for a session to end, by key. */
    private final Map<Long, List<Runnable>> watches = new HashMap<>();
    private @Nullable Session live;
    private @Nullable CompletableFuture<Session> opening;
    private boolean closed;

    /** One session: its key, its connection, the thread reading it. */
    private record Session(long key, Connection connection, Thread watch) {
    }

    PostgresSession(DataSource source) {
        this.source = source;
    }

    /** The key {@code token} names, if it names one. */
    static OptionalLong keyOf(String token) {
        Matcher m = TOKEN_KEY.matcher(token);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** A lease token bound to session {@code key}. */
    static String token(String random, long key) {
        return random + "@" + key;
    }

    /**
     * The live session's key, a session opened first when there is none (callers at once share
     * one attempt, bounded by the pool's connection timeout).
     *
     * @throws SQLException when the database did not give a connection or the lock
     */
    long key() throws SQLException {
        CompletableFuture<Session> attempt;
        boolean mine = false;
        synchronized (lock) {
            if (closed) {
                throw new StoreClosedException(null, "on PostgreSQL");
            }
            if (live != null) {
                return live.key();
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
                        s.watch().start();
                    }
                }
                if (!kept) {
                    shut(s);        // the store closed meanwhile
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
            return attempt.join().key();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException s) {
                throw new SQLException(s.getMessage(), s.getSQLState(), s);
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Whether {@code token} was granted under a session of this store's that has ended since. */
    boolean endedUnder(String token) {
        OptionalLong key = keyOf(token);
        return key.isPresent() && ended.contains(key.getAsLong());
    }

    /**
     * Runs {@code action} once, on the thread that saw it, when the session {@code token} was
     * granted under ends; at once when it has. Returns what ends the watch. A token of no session of
     * this store's is not watched: its holder learns at its renewal.
     */
    Runnable whenEnded(String token, Runnable action) {
        OptionalLong key = keyOf(token);
        if (key.isEmpty()) {
            return () -> { };
        }
        long k = key.getAsLong();
        Runnable once = new Runnable() {
            private final java.util.concurrent.atomic.AtomicBoolean told = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public void run() {
                if (told.compareAndSet(false, true)) {
                    action.run();
                }
            }
        };
        synchronized (lock) {
            if (!ended.contains(k)) {
                if (live == null || live.key() != k) {
                    return () -> { };
                }
                watches.computeIfAbsent(k, x -> new ArrayList<>()).add(once);
                return () -> {
                    synchronized (lock) {
                        List<Runnable> w = watches.get(k);
                        if (w != null) {
                            w.remove(once);
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
            for (int tries = 0; ; tries++) {
                long key = 1 + (random.nextLong() & Long.MAX_VALUE) % (KEYS - 1);
                try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                    s.setLong(1, key);
                    try (ResultSet rs = s.executeQuery()) {
                        // false: another session holds that key (never seen; 1 in 10^18): draw again
                        if (rs.next() && rs.getBoolean(1)) {
                            Session[] self = new Session[1];
                            Thread t = new Thread(() -> watch(self[0]), "codex-bridge-store-session");
                            t.setDaemon(true);
                            self[0] = new Session(key, c, t);
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

    /** Reads the session's connection until it ends (the server ended it, its socket closed) or the store closes. */
    private void watch(Session s) {
        SQLException why = null;
        try {
            PGConnection pg = s.connection().unwrap(PGConnection.class);
            while (isLive(s)) {
                // blocks on the socket: returns at once with the server's FATAL or the socket's end
                pg.getNotifications(WATCH_MILLIS);
            }
        } catch (SQLException e) {
            why = e;
        }
        if (!endIt(s)) {
            return;         // the store closed it
        }
        LOG.warn("the conversation store's session with the database ended ({}): every conversation this host held is given up "
                + "now, another host may take it at once", why == null ? "no reason given" : why.getMessage());
        shut(s);
    }

    private boolean isLive(Session s) {
        synchronized (lock) {
            return live == s;
        }
    }

    /** Marks {@code s} ended and tells what watched it; false when it was no longer the live one (closed). */
    private boolean endIt(Session s) {
        List<Runnable> told;
        synchronized (lock) {
            if (live != s) {
                return false;
            }
            live = null;
            ended.add(s.key());
            told = watches.remove(s.key());
        }
        if (told != null) {
            for (Runnable r : told) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("acting on the end of the store's session failed", e);
                }
            }
        }
        return true;
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
            try {
                s.watch().join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A failure to open the session as the store reports it. */
    static ConversationStoreException failed(@Nullable String threadId, SQLException e) {
        return new ConversationStoreException(threadId, "opening the conversation store's session with the database failed: "
                + e.getMessage(), e);
    }
}
