package dev.codexbridge.spring;

import dev.codexbridge.store.spi.JdbcTransactions;
import javax.sql.DataSource;

/**
 * Tells a database that cannot be reached from one that refuses what it is given: only the first
 * is not a matter of the properties. Without PostgreSQL's classes, so it loads in any host.
 */
final class UnreachableDatabase {
    private UnreachableDatabase() {
    }

    /**
     * The cause in {@code failure}'s chain that says the database could not be reached, as the
     * library's stores tell it ({@link JdbcTransactions#unreachableCause}: a refused, timed-out or
     * unroutable connection, SQL state class 08 but not 08P01, 57P01 – 57P03); null if none does.
     */
    static Throwable reason(Throwable failure) {
        return JdbcTransactions.unreachableCause(failure);
    }

    /** A JDBC URL without what may carry credentials: its parameters ({@code ?user=…&password=…}) and any {@code user:password@}. */
    static String withoutCredentials(String url) {
        String u = url.strip();
        int query = u.indexOf('?');
        if (query >= 0) {
            u = u.substring(0, query);
        }
        int hosts = u.indexOf("//");
        if (hosts >= 0) {
            int path = u.indexOf('/', hosts + 2);
            int at = u.lastIndexOf('@', path < 0 ? u.length() - 1 : path - 1);
            if (at > hosts) {
                u = u.substring(0, hosts + 2) + u.substring(at + 1);
            }
        }
        return u;
    }

    /** The JDBC URL of a DataSource that tells it (HikariCP's getJdbcUrl, others' getUrl), without credentials; else null. */
    static String urlOf(DataSource dataSource) {
        for (String getter : new String[] {"getJdbcUrl", "getUrl"}) {
            try {
                Object url = dataSource.getClass().getMethod(getter).invoke(dataSource);
                if (url instanceof String s && !s.isBlank()) {
                    return withoutCredentials(s);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not this DataSource's getter: try the next
            }
        }
        return null;
    }
}
