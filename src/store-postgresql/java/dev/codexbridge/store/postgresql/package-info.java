/**
 * {@link dev.codexbridge.store.postgresql.PostgresConversationStore}: the
 * {@link dev.codexbridge.store.ConversationStore} on PostgreSQL, for hosts on several machines
 * that share their sleeping conversations. Plain JDBC over a HikariCP pool (or the host's own
 * {@code DataSource}); the store creates and migrates its own tables. docs/store.md, decision 0053.
 */
@NullMarked
package dev.codexbridge.store.postgresql;

import org.jspecify.annotations.NullMarked;
