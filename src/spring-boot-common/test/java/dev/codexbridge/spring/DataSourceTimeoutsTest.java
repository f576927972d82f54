package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * What the start-up check reads of the application's pool when the PostgreSQL store runs on it:
 * HikariCP's connection wait against the lease, pgjdbc's socketTimeout wherever the pool gives it
 * to the driver, a pool behind a wrapper. The pools never connect (HikariCP's starts at first use).
 */
@ExtendWith(OutputCaptureExtension.class)
class DataSourceTimeoutsTest {
    private static final Duration LEASE = Duration.ofSeconds(6);
    private static final String URL = "jdbc:postgresql://db.example:5432/app";
    private final HikariDataSource pool = new HikariDataSource();

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void hikarisDefaultsAreRefusedNamingBothProperties() {
        pool.setJdbcUrl(URL + "?password=secret");
        assertThatThrownBy(() -> DataSourceTimeouts.check(pool, LEASE, true)).isInstanceOf(CodexDataSourceTimeoutsException.class)
                .hasMessageContaining("(HikariCP, jdbc:postgresql://db.example:5432/app)")
                .hasMessageContaining("it waits 30 s for a connection")
                .hasMessageContaining("set spring.datasource.hikari.connection-timeout=6000 (milliseconds)")
                .hasMessageContaining("its connections have no socketTimeout")
                .hasMessageContaining("set spring.datasource.hikari.data-source-properties.socketTimeout=60")
                .hasMessageNotContaining("secret");
        pool.setConnectionTimeout(0);          // HikariCP: no end
        pool.addDataSourceProperty("socketTimeout", 60);
        assertThatThrownBy(() -> DataSourceTimeouts.check(pool, LEASE, true)).hasMessageContaining("it waits without end for a connection")
                .hasMessageNotContaining("socketTimeout:");
    }

    @Test
    void aPoolWaitingTheLeaseWithASocketTimeoutPassesWithoutAWord(CapturedOutput output) {
        pool.setJdbcUrl(URL);
        pool.setConnectionTimeout(6000);
        pool.addDataSourceProperty("socketTimeout", "60");
        assertThatCode(() -> DataSourceTimeouts.check(pool, LEASE, true)).doesNotThrowAnyException();
        pool.setConnectionTimeout(30_000);
        assertThatCode(() -> DataSourceTimeouts.check(pool, Duration.ofSeconds(30), true)).as("a longer lease bounds longer")
                .doesNotThrowAnyException();
        assertThat(output).doesNotContain("DataSourceTimeouts");
    }

    @Test
    void aShorterWaitOrTheCheckTurnedOffIsOneWarning(CapturedOutput output) {
        pool.setJdbcUrl(URL + "?socketTimeout=60");
        pool.setConnectionTimeout(3000);
        DataSourceTimeouts.check(pool, LEASE, true);
        assertThat(output).contains("it waits 3 s for a connection (HikariCP's connectionTimeout), less than the store's lease, 6 s: "
                + "a turn whose store gives up while its lease still holds is told completed");
        pool.setConnectionTimeout(30_000);
        pool.setPoolName("app-pool");
        DataSourceTimeouts.check(pool, LEASE, false);
        assertThat(output).contains("runs the store on the application's DataSource (HikariCP app-pool, " + URL + ") "
                + "(codex-bridge.store.postgresql.require-data-source-timeouts=false lets it start): it waits 30 s for a connection");
    }

    @Test
    void theSocketTimeoutIsReadAsPgjdbcWillTheUrlsWinning() {
        pool.setJdbcUrl(URL);
        assertThat(DataSourceTimeouts.socketTimeoutSeconds(pool)).hasValue(0);
        pool.addDataSourceProperty("socketTimeout", 45);
        assertThat(DataSourceTimeouts.socketTimeoutSeconds(pool)).hasValue(45);
        pool.setJdbcUrl(URL + "?ApplicationName=app&socketTimeout=0");
        assertThat(DataSourceTimeouts.socketTimeoutSeconds(pool)).as("the URL's over the properties").hasValue(0);
        pool.setJdbcUrl("jdbc:mysql://db/app");
        assertThat(DataSourceTimeouts.socketTimeoutSeconds(pool)).as("not pgjdbc's").isEmpty();
    }

    @Test
    void aDataSourceGivenToThePoolOrNamedByClassIsReadToo() {
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setURL(URL + "?socketTimeout=30");
        pool.setDataSource(pg);
        assertThat(DataSourceTimeouts.socketTimeoutSeconds(pool)).hasValue(30);

        HikariDataSource byClass = new HikariDataSource();
        byClass.setDataSourceClassName(PGSimpleDataSource.class.getName());
        byClass.addDataSourceProperty("serverName", "db.example");
        assertThat(DataSourceTimeouts.socketTimeoutSeconds(byClass)).hasValue(0);
        byClass.addDataSourceProperty("socketTimeout", "20");
        assertThat(DataSourceTimeouts.socketTimeoutSeconds(byClass)).hasValue(20);
        byClass.addDataSourceProperty("url", URL + "?socketTimeout=25");
        assertThat(DataSourceTimeouts.socketTimeoutSeconds(byClass)).hasValue(25);

        HikariDataSource other = new HikariDataSource();
        other.setDataSource(new Wrapper(pool));
        assertThat(DataSourceTimeouts.socketTimeoutSeconds(other)).as("a DataSource it does not read").isEqualTo(OptionalLong.empty());
    }

    @Test
    void aPoolBehindAWrapperIsCheckedAndAnotherPoolIsOneWarning(CapturedOutput output) {
        pool.setJdbcUrl(URL);
        Wrapper proxy = new Wrapper(pool);
        assertThat(DataSourceTimeouts.hikari(proxy)).isSameAs(pool);
        assertThatThrownBy(() -> DataSourceTimeouts.check(proxy, LEASE, true)).isInstanceOf(CodexDataSourceTimeoutsException.class);

        DataSourceTimeouts.check(new PGSimpleDataSource(), LEASE, true);
        assertThat(output).contains("runs on the application's DataSource, a org.postgresql.ds.PGSimpleDataSource and not HikariCP: "
                + "the starter cannot check how long it waits for a connection or a statement");
    }

    /** A DataSource that passes everything on to another, as Spring's DelegatingDataSource and proxies do. */
    private record Wrapper(DataSource target) implements DataSource {
        @Override
        public Connection getConnection() throws java.sql.SQLException {
            return target.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws java.sql.SQLException {
            return target.getConnection(user, password);
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws java.sql.SQLException {
            return iface.isInstance(this) ? iface.cast(this) : target.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws java.sql.SQLException {
            return iface.isInstance(this) || target.isWrapperFor(iface);
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
    }
}
