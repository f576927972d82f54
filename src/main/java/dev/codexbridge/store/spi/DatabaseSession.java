package dev.codexbridge.store.spi;

import java.util.Optional;

/**
 * A store's own session with its database, which its leases end with (decision 0113), as other
 * records on the same database can name it: a replica's row that says it is alive names its
 * session, and a reader that finds the session ended knows the replica is gone at once, without
 * waiting for its heartbeat to grow old (decision 0138). PostgreSQL drops a session's advisory
 * locks the moment the session ends; a server restarted since ended every session without a word
 * about their hosts, so a mark of a server before counts as not ended (its owner's own clock decides).
 */
public interface DatabaseSession {
    /**
     * The live session's mark, {@code @KEY.STARTED} (the session's advisory lock key, and when the
     * server it is on started, {@code YYYYMMDDHH24MISSUS} in UTC): the text a lease's token ends
     * with. Empty while the store holds no session (none opened yet, or one ended and not yet
     * replaced); never opens one.
     */
    Optional<String> mark();

    /**
     * PostgreSQL, true when the session the mark in {@code markSql} (a column or expression
     * ending with a mark) names ended while the server ran: the mark names this server's start,
     * and its key's advisory lock is free. The lock is then taken shared for the reading
     * transaction and let go as it ends, so readers at once all see the same. False for a null
     * mark, a mark of a server before, and text that is no mark.
     */
    static String endedSql(String markSql) {
        String started = "to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS')";
        return "coalesce(substring(" + markSql + " from '\\.([0-9]{20})$') = " + started
                + " AND pg_try_advisory_xact_lock_shared(substring(" + markSql + " from '@([0-9]{1,18})\\.[0-9]{20}$')::bigint), false)";
    }
}
