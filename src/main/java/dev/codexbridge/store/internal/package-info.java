/**
 * Plumbing the conversation stores share (the library's embedded one and
 * {@code codex-bridge-store-postgresql}): the checks of a record against the caps, the stream that
 * hashes and counts a rollout while it is stored, the check of a record read back. Not API: no
 * compatibility promise, public only because Java has no access level between packages.
 */
@NullMarked
package dev.codexbridge.store.internal;

import org.jspecify.annotations.NullMarked;
