package dev.codexbridge.spring;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Tells a database that cannot be reached from one that refuses what it is given: only the first
 * is not a matter of the properties. Without PostgreSQL's classes, so it loads in any host.
 */
final class UnreachableDatabase {
    private static final Set<String> SERVER_GOING = Set.of("57P01", "57P02", "57P03");

    private UnreachableDatabase() {
    }

    /**
     * The cause in {@code failure}'s chain that says the database could not be reached: a refused
     * or timed-out connection, SQLState class 08 (connection exception; not 08P01, a protocol
     * violation: something answered) or 57P01 – 57P03 (the server shutting down, crashed, or not
     * accepting connections yet; the library's stores take these as an outage too); null if none does.
     */
    static Throwable reason(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof SQLException sql && unreachable(sql.getSQLState())) {
                return t;
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof SocketTimeoutException) {
                return t;
            }
        }
        return null;
    }

    private static boolean unreachable(String state) {
        return state != null && (state.startsWith("08") && !state.equals("08P01") || SERVER_GOING.contains(state));
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
