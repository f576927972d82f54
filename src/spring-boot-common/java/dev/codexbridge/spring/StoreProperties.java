package dev.codexbridge.spring;

import java.nio.file.Path;
import dev.codexbridge.session.ConversationStorage;
import java.time.Duration;

/**
 * The {@code codex-bridge.store.*} properties: where conversations live while no codex holds
 * them (docs/store.md), so that they outlive the application's codex processes, the tenants'
 * homes and the application itself, and wake on another replica sharing the store. {@code type}
 * chooses the store; the other settings are {@code ConversationStorage}'s.
 */
public class StoreProperties {
    /** Which store: none (the default: codex's own homes keep conversations), disk (disk.path) or postgresql (postgresql.*). */
    private Type type = Type.NONE;
    /** This instance's name in the store's leases (what another replica is told); unset: the host's name and a random suffix, new at each start. */
    private String holder;
    // a constant the configuration processor cannot read: its default is in additional-spring-configuration-metadata.json
    /**
     * How long a lease lasts unless renewed (at a third of it while a session holds the conversation): a dead replica's
     * conversations are free for the others within it. At least 5s; held 75s at least on a pool's or a remote codex.
     */
    private Duration leaseTime = ConversationStorage.DOORS_LEASE;
    /** Store every completed turn before its result is handed out (else only when a session sleeps or closes). */
    private boolean afterEachTurn = true;
    // a constant the configuration processor cannot read: its default is in additional-spring-configuration-metadata.json
    /**
     * How long codex's copy of a conversation that slept stays in the home it slept in, for a wake there that imports
     * nothing; then the store's is the one copy at rest. 0 removes it at the sleep.
     */
    private Duration keepSleptCopy = ConversationStorage.DEFAULT_KEEP_SLEPT_COPY;
    private final Retention retention = new Retention();
    private final Disk disk = new Disk();
    private final Postgresql postgresql = new Postgresql();

    /** The stores {@code codex-bridge.store.type} names. */
    public enum Type {
        /** No store: conversations stay in codex's homes, as without the setting. */
        NONE,
        /** {@code DiskConversationStore} in {@code codex-bridge.store.disk.path}: one machine. */
        DISK,
        /** {@code PostgresConversationStore} (needs codex-bridge-store-postgresql): shared by every replica. */
        POSTGRESQL
    }

    public Type getType() {
        return type;
    }

    public void setType(Type type) {
        this.type = type;
    }

    public String getHolder() {
        return holder;
    }

    public void setHolder(String holder) {
        this.holder = holder;
    }

    public Duration getLeaseTime() {
        return leaseTime;
    }

    public void setLeaseTime(Duration leaseTime) {
        this.leaseTime = leaseTime;
    }

    public boolean isAfterEachTurn() {
        return afterEachTurn;
    }

    public void setAfterEachTurn(boolean afterEachTurn) {
        this.afterEachTurn = afterEachTurn;
    }

    public Duration getKeepSleptCopy() {
        return keepSleptCopy;
    }

    public void setKeepSleptCopy(Duration keepSleptCopy) {
        this.keepSleptCopy = keepSleptCopy;
    }

    public Retention getRetention() {
        return retention;
    }

    /** {@code codex-bridge.store.retention.*}: conversations nobody came back to, deleted (decision 0122); off unless a bound is set. */
    public static class Retention {
        /** How long a conversation is kept after it was last stored, unless a host holds it (unset: kept). */
        private Duration keepFor;
        /** A tenant's own bound instead of keep-for, by tenant id. */
        private final java.util.Map<String, Duration> tenants = new java.util.LinkedHashMap<>();
        /** How often the store is swept (unset: a tenth of the shortest bound, between a minute and an hour). */
        private Duration sweepEvery;

        public Duration getKeepFor() {
            return keepFor;
        }

        public void setKeepFor(Duration keepFor) {
            this.keepFor = keepFor;
        }

        public java.util.Map<String, Duration> getTenants() {
            return tenants;
        }

        public Duration getSweepEvery() {
            return sweepEvery;
        }

        public void setSweepEvery(Duration sweepEvery) {
            this.sweepEvery = sweepEvery;
        }

        boolean isSet() {
            return keepFor != null || !tenants.isEmpty();
        }
    }

    public Disk getDisk() {
        return disk;
    }

    public Postgresql getPostgresql() {
        return postgresql;
    }

    /** {@code codex-bridge.store.disk.*}. */
    public static class Disk {
        /** The store's folder (created owner-only; a local disk, not a network file system). */
        private Path path;

        public Path getPath() {
            return path;
        }

        public void setPath(Path path) {
            this.path = path;
        }
    }

    /** {@code codex-bridge.store.postgresql.*}: a database of the store's own, or none of them for the application's DataSource. */
    public static class Postgresql {
        /** jdbc:postgresql://HOST:PORT/DATABASE, for a connection pool of the store's own; unset: the application's DataSource bean. */
        private String url;
        /** The database user (with url). */
        private String username;
        /** The database user's password (with url); best given through the environment: CODEX_BRIDGE_STORE_POSTGRESQL_PASSWORD. */
        private String password;
        /**
         * Without url: refuse to start when the application's DataSource (HikariCP) waits longer than the lease for a
         * connection or has no socketTimeout, naming the spring.datasource.hikari.* property to set; false: a WARN instead.
         */
        private boolean requireDataSourceTimeouts = true;

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public boolean isRequireDataSourceTimeouts() {
            return requireDataSourceTimeouts;
        }

        public void setRequireDataSourceTimeouts(boolean requireDataSourceTimeouts) {
            this.requireDataSourceTimeouts = requireDataSourceTimeouts;
        }

        /** Whether any of url, username, password is set, or require-data-source-timeouts turned off. */
        boolean isSet() {
            return url != null || username != null || password != null || !requireDataSourceTimeouts;
        }
    }
}
