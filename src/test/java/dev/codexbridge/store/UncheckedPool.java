package dev.codexbridge.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A pool that hands out an idle connection without asking the database first, as HikariCP does
 * with one used within its last half second — the connection a restarted database has just ended —
 * and drops one whose statement failed with a connection's end (SQL state {@code 08…} or
 * {@code 57P0x}), as HikariCP evicts it. A test's way to meet that connection every time instead
 * of by timing. Counts the connections it opened.
 */
public final class UncheckedPool implements DataSource {
    private final String url;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private final AtomicInteger opened = new AtomicInteger();

    public UncheckedPool(String url) {
        this.url = url;
    }

    /** How many connections were opened to the database. */
    public int opened() {
        return opened.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection real;
        synchronized (idle) {
            real = idle.pollFirst();
        }
        if (real == null) {
            real = DriverManager.getConnection(url);
            opened.incrementAndGet();
        }
        return lent(real);
    }

    /** The connection as lent: {@code close} gives it back unless a statement on it met its end. */
    private Connection lent(Connection real) {
        boolean[] ended = {false};
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
            if (method.getName().equals("close")) {
                if (!ended[0] && !real.isClosed()) {
                    real.setAutoCommit(true);
                    synchronized (idle) {
                        idle.addFirst(real);
                    }
                } else {
                    real.close();
                }
                return null;
            }
            try {
                Object result = method.invoke(real, args);
                if (result instanceof java.sql.Statement s) {
                    // statements report the failures the pool must see: wrap them too
                    return statement(s, method.getReturnType(), ended);
                }
                return result;
            } catch (InvocationTargetException e) {
                noteEnd(e.getCause(), ended);
                throw e.getCause();
            }
        });
    }

    private static Object statement(java.sql.Statement s, Class<?> type, boolean[] ended) {
        return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            try {
                return method.invoke(s, args);
            } catch (InvocationTargetException e) {
                noteEnd(e.getCause(), ended);
                throw e.getCause();
            }
        });
    }

    private static void noteEnd(Throwable failure, boolean[] ended) {
        if (failure instanceof SQLException e && e.getSQLState() != null
                && (e.getSQLState().startsWith("08") || e.getSQLState().startsWith("57P0"))) {
            ended[0] = true;
        }
    }

    /** Closes the idle connections. */
    public void close() throws SQLException {
        synchronized (idle) {
            for (Connection c : idle) {
                c.close();
            }
            idle.clear();
        }
    }

    @Override
    public Connection getConnection(String username, String password) {
        throw new UnsupportedOperationException();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
