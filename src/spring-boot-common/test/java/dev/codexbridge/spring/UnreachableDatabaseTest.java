package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** Which failures say the store's database cannot be reached, and a URL shown without credentials. */
class UnreachableDatabaseTest {
    @Test
    void aRefusedOrTimedOutConnectionOrAConnectionStateIsUnreachable() {
        SQLException refused = new SQLException("Connection to db:5432 refused", "08001", new ConnectException("Connection refused"));
        assertThat(UnreachableDatabase.reason(new IllegalStateException("Failed to initialize pool", refused))).isSameAs(refused);
        SQLException startingUp = new SQLException("the database system is starting up", "57P03");
        assertThat(UnreachableDatabase.reason(new RuntimeException(startingUp))).isSameAs(startingUp);
        SQLException stopping = new SQLException("terminating connection due to administrator command", "57P01");
        assertThat(UnreachableDatabase.reason(stopping)).isSameAs(stopping);
        SocketTimeoutException silent = new SocketTimeoutException("connect timed out");
        assertThat(UnreachableDatabase.reason(new RuntimeException(new SQLException("failed", null, silent)))).isSameAs(silent);
        SQLTransientConnectionException pool = new SQLTransientConnectionException("not available", "08S01");
        assertThat(UnreachableDatabase.reason(pool)).isSameAs(pool);
    }

    @Test
    void aDatabaseThatAnswersAndRefusesIsNot() {
        assertThat(UnreachableDatabase.reason(new RuntimeException(new SQLException("password authentication failed", "28P01")))).isNull();
        assertThat(UnreachableDatabase.reason(new SQLException("database \"app\" does not exist", "3D000"))).isNull();
        assertThat(UnreachableDatabase.reason(new SQLException("protocol violation: not PostgreSQL", "08P01"))).isNull();
        assertThat(UnreachableDatabase.reason(new IllegalArgumentException("no driver"))).isNull();
    }

    @Test
    void aUrlLosesItsParametersAndAnyUserInfo() {
        assertThat(UnreachableDatabase.withoutCredentials(" jdbc:postgresql://db:5432/app?user=u&password=p "))
                .isEqualTo("jdbc:postgresql://db:5432/app");
        assertThat(UnreachableDatabase.withoutCredentials("jdbc:postgresql://u:p@db1:5432,db2/app")).isEqualTo("jdbc:postgresql://db1:5432,db2/app");
        assertThat(UnreachableDatabase.withoutCredentials("jdbc:postgresql://u:p@db")).isEqualTo("jdbc:postgresql://db");
        assertThat(UnreachableDatabase.withoutCredentials("jdbc:postgresql:app")).isEqualTo("jdbc:postgresql:app");
    }
}
