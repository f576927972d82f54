/**
 * What a conversation store implementation uses so that every store refuses and accepts the same
 * records (the library's embedded one, {@code codex-bridge-store-postgresql}, and a host's own): the
 * checks of a record against the caps, the stream that hashes and counts a rollout while it is
 * stored, the check of a record read back, a lease's validity. For implementers, not for hosts
 * that use a store; its API is pinned like the rest (modules/library/api).
 */
@NullMarked
package dev.codexbridge.store.spi;

import org.jspecify.annotations.NullMarked;
