package dev.codexbridge.spring;

import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.internal.SafeLogger;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.Driver;
import org.postgresql.PGProperty;
import org.postgresql.ds.common.BaseDataSource;
import org.slf4j.Logger;

/**
 * Whether the application's {@code DataSource}, when the PostgreSQL store runs on it, gives up on a
 * database that does not answer as the store's own pool does (decision 0100): a connection within
 * the lease time (HikariCP's {@code connectionTimeout}; Spring Boot's default is 30 s), a statement
 * already sent within pgjdbc's {@code socketTimeout} (none by default). The pool is only read,
 * never changed: it is the application's, and its other users chose its waits. A pool that waits
 * longer or has no socket timeout fails the start naming the Spring property to set, unless
 * {@value #REQUIRE} is false (then one WARN says the same). Loaded only with
 * {@code codex-bridge-store-postgresql}, which brings HikariCP and pgjdbc.
 */
final class DataSourceTimeouts {
    private static final Logger LOG = SafeLogger.getLogger(DataSourceTimeouts.class);
    static final String CONNECTION_TIMEOUT = "spring.datasource.hikari.connection-timeout";
    static final String SOCKET_TIMEOUT = "spring.datasource.hikari.data-source-properties.socketTimeout";
    static final String REQUIRE = "codex-bridge.store.postgresql.require-data-source-timeouts";
    /** The socket timeout the message proposes: the store's own pool's ({@code PostgresConversationStore.DEFAULT_SOCKET_TIMEOUT}). */
    private static final long SOCKET_SECONDS = 60;

    private DataSourceTimeouts() {
    }

    /**
     * Checks {@code applications} against {@code lease}: throws {@link CodexDataSourceTimeoutsException}
     * when its pool would hold a request longer than the store's own and {@code require}; logs one
     * WARN for what it cannot check or lets through.
     */
    static void check(DataSource applications, Duration lease, boolean require) {
        HikariDataSource hikari = hikari(applications);
        if (hikari == null) {
            LOG.warn("codex-bridge.store.type=postgresql runs on the application's DataSource, a {} and not HikariCP: the starter "
                            + "cannot check how long it waits for a connection or a statement. Give it a connection wait of at most "
                            + "the store's lease ({} s, codex-bridge.store.lease-time) and pgjdbc's socketTimeout (socketTimeout={} "
                            + "in its URL), or give the store a pool of its own (codex-bridge.store.postgresql.url): otherwise a "
                            + "request waits on a database that is gone as long as the pool does, past its conversation's lease",
                    applications.getClass().getName(), lease.toSeconds(), SOCKET_SECONDS);
            return;
        }
        List<String> refused = new ArrayList<>();
        List<String> told = new ArrayList<>();
        long wait = hikari.getConnectionTimeout();
        long leaseMillis = lease.toMillis();
        if (wait > leaseMillis) {
            refused.add("it waits " + seconds(wait) + " for a connection (HikariCP's connectionTimeout) while the store's lease is "
                    + seconds(leaseMillis) + " (codex-bridge.store.lease-time): with the database out of reach a request would wait "
                    + seconds(wait) + " before it is told, its conversation's lease running out under it; set "
                    + CONNECTION_TIMEOUT + "=" + leaseMillis + " (milliseconds)");
        } else if (wait < leaseMillis) {
            told.add("it waits " + seconds(wait) + " for a connection (HikariCP's connectionTimeout), less than the store's lease, "
                    + seconds(leaseMillis) + ": a turn whose store gives up while its lease still holds is told completed though "
                    + "another replica may go on without it (decision 0087); " + CONNECTION_TIMEOUT + "=" + leaseMillis + " avoids it");
        }
        OptionalLong socket = socketTimeoutSeconds(hikari);
        if (socket.isEmpty()) {
            told.add("the starter cannot tell its connections' socketTimeout (the pool is given a DataSource or a driver it does not "
                    + "read): make sure pgjdbc's socketTimeout is set, e.g. " + SOCKET_SECONDS + " (seconds)");
        } else if (socket.getAsLong() <= 0) {
            refused.add("its connections have no socketTimeout: a statement sent to a database that went silent (a partition, a "
                    + "frozen server) waits until TCP gives up, minutes or never; set " + SOCKET_TIMEOUT + "=" + SOCKET_SECONDS
                    + " (seconds; or socketTimeout=" + SOCKET_SECONDS + " in spring.datasource.url)");
        }
        String which = "the application's DataSource (HikariCP" + (hikari.getPoolName() != null ? " " + hikari.getPoolName() : "")
                + (UnreachableDatabase.urlOf(hikari) != null ? ", " + UnreachableDatabase.urlOf(hikari) : "") + ")";
        if (!refused.isEmpty() && require) {
            List<String> all = new ArrayList<>(refused);
            all.addAll(told);
            throw new CodexDataSourceTimeoutsException("codex-bridge.store.type=postgresql runs the store on " + which
                    + ", which would hold a request far longer than the store's own pool while the database does not answer:\n  - "
                    + String.join("\n  - ", all));
        }
        List<String> all = new ArrayList<>(refused);
        all.addAll(told);
        if (!all.isEmpty()) {
            LOG.warn("codex-bridge.store.type=postgresql runs the store on {}{}: {}", which,
                    refused.isEmpty() ? "" : " (" + REQUIRE + "=false lets it start)", String.join("; ", all));
        }
    }

    /** HikariCP's pool behind {@code dataSource} ({@code unwrap}, as Spring's proxies pass it on); null when it is another pool. */
    static HikariDataSource hikari(DataSource dataSource) {
        if (dataSource instanceof HikariDataSource h) {
            return h;
        }
        try {
            if (dataSource.isWrapperFor(HikariDataSource.class)) {
                return dataSource.unwrap(HikariDataSource.class);
            }
        } catch (SQLException | RuntimeException e) {
            // a wrapper that cannot say: taken as another pool
        }
        return null;
    }

    /**
     * pgjdbc's {@code socketTimeout} on the pool's connections, in seconds (0: none), as the driver
     * will read it: the URL's parameter over the pool's data source properties, as pgjdbc takes
     * them; a pgjdbc DataSource given to the pool, its own. Empty when the pool's connections come
     * from something the starter does not read (another DataSource, JNDI, a URL pgjdbc does not take).
     */
    static OptionalLong socketTimeoutSeconds(HikariDataSource hikari) {
        Properties properties = new Properties();
        for (Map.Entry<Object, Object> e : hikari.getDataSourceProperties().entrySet()) {
            // HikariCP hands the driver each value as text
            properties.setProperty(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
        }
        DataSource given = hikari.getDataSource();
        if (given != null) {
            return given instanceof BaseDataSource pg ? OptionalLong.of(pg.getSocketTimeout()) : OptionalLong.empty();
        }
        String url = hikari.getJdbcUrl();
        if (url == null) {
            // dataSourceClassName: HikariCP sets the properties on a DataSource it makes; pgjdbc's takes a url among them
            String className = hikari.getDataSourceClassName();
            if (className == null || !className.startsWith("org.postgresql.")) {
                return OptionalLong.empty();
            }
            url = properties.getProperty("url", properties.getProperty("URL"));
            if (url == null) {
                return number(properties.getProperty(PGProperty.SOCKET_TIMEOUT.getName(), "0"));
            }
        }
        Properties parsed = Driver.parseURL(url, properties);
        if (parsed == null) {
            return OptionalLong.empty();
        }
        return number(PGProperty.SOCKET_TIMEOUT.getOrDefault(parsed));
    }

    private static OptionalLong number(String text) {
        try {
            return OptionalLong.of(Long.parseLong(text.strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();        // pgjdbc refuses it at connect: not for this check to say
        }
    }

    /** Milliseconds as a person reads them: {@code 30 s}, {@code 6 s}, {@code 2.5 s}. */
    private static String seconds(long millis) {
        if (millis >= Integer.MAX_VALUE) {
            return "without end";
        }
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
