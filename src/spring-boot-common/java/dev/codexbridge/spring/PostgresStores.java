package dev.codexbridge.spring;

import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Opens the PostgreSQL store; a class of its own so that only a host with
 * {@code codex-bridge-store-postgresql} (an optional dependency of the starter) ever loads it.
 */
final class PostgresStores {
    static final String STORE = "dev.codexbridge.store.postgresql.PostgresConversationStore";

    private PostgresStores() {
    }

    /**
     * A pool of the store's own on {@code p.url}, waiting for a connection as long as the lease
     * lasts ({@code leaseTime}: decision 0087, as the CLI's {@code --store-timeout}), else
     * {@code applications}, which the store does not close, once its own waits are checked against
     * the lease ({@link DataSourceTimeouts}).
     */
    static ConversationStore open(StoreProperties.Postgresql p, DataSource applications, Duration leaseTime) {
        PostgresConversationStore.Builder b = PostgresConversationStore.builder();
        String where;
        if (p.getUrl() != null) {
            b.jdbcUrl(p.getUrl().strip()).username(p.getUsername()).password(p.getPassword()).connectionTimeout(leaseTime);
            where = "codex-bridge.store.postgresql.url";
        } else {
            // before anything connects: a pool that would hold requests past the lease is refused whether or not the database is up
            DataSourceTimeouts.check(applications, leaseTime, p.isRequireDataSourceTimeouts());
            b.dataSource(applications);
            where = "the application's DataSource";
        }
        try {
            return b.build();
        } catch (RuntimeException e) {
            Throwable unreachable = UnreachableDatabase.reason(e);
            if (unreachable != null) {
                // the database is down or out of reach, not misconfigured: said so, with its URL stripped of credentials
                throw new CodexDatabaseUnreachableException(database(p, applications), unreachable.getMessage(), e);
            }
            // the url is not repeated: it may carry a password
            throw new CodexPropertiesException("codex-bridge.store.type=postgresql: the store cannot be opened on " + where + ": "
                    + e.getMessage(), e);
        }
    }

    /** The database by its URL without credentials, the application's DataSource's when it tells it. */
    private static String database(StoreProperties.Postgresql p, DataSource applications) {
        if (p.getUrl() != null) {
            return UnreachableDatabase.withoutCredentials(p.getUrl());
        }
        String url = UnreachableDatabase.urlOf(applications);
        return url != null ? url + " (the application's DataSource)" : "the application's DataSource";
    }
}
