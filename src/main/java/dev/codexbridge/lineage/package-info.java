/**
 * A thread's rollout lineage moved out of one codex app-server and into another through codex's
 * own {@code fs/*} methods (decision 0056), so the app-servers may be on other machines: {@link
 * dev.codexbridge.lineage.ThreadLineage} exports the files codex needs to resume a thread by id
 * (its rollout, every file a revert started, a fork's source lineage) as {@link
 * dev.codexbridge.store.RolloutFile}s, imports them into another app-server's home (each written
 * under a temporary name, read back, then copied into place and read back again), sets the name
 * and goal codex keeps outside the rollouts, and removes the old copy. Uses {@code client},
 * {@code store}, {@code protocol} and {@code rpc}; the session layer uses it. API: {@code
 * ThreadLineage}, {@link dev.codexbridge.lineage.LineageException}.
 */
@NullMarked
package dev.codexbridge.lineage;

import org.jspecify.annotations.NullMarked;
