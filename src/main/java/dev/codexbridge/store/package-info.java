/**
 * The conversation store (decision 0053): where a sleeping conversation lives when no codex holds
 * it — its rollout lineage, byte for byte, and the few records codex does not keep in its rollouts
 * (owner, name, goal, the session's settings, the last turn the host saw complete). A conversation
 * put here by one host can be taken out and resumed on a codex with another {@code CODEX_HOME}.
 *
 * <p>{@link dev.codexbridge.store.ConversationStore} is the SPI: a lease says which host may write
 * or wake a conversation now, a version makes every write a compare-and-set, a lineage is stored
 * whole or not at all, and what is read back is checked against its hashes before it is returned —
 * its counts and sizes before it is read, and on disk no link followed (decision 0062).
 * {@link dev.codexbridge.store.DiskConversationStore} is the embedded implementation (a folder on
 * the local disk); {@code codex-bridge-store-postgresql} holds the PostgreSQL one. Depends on the
 * root, {@code json} and {@code internal} only: no session, pool or gateway type. docs/store.md.
 */
@NullMarked
package dev.codexbridge.store;

import org.jspecify.annotations.NullMarked;
