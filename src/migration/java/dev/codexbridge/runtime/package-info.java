/**
 * Switching a host's codex runtime on and off, as a host's slash command needs it:
 * {@link dev.codexbridge.runtime.RuntimeSwitch} ({@code status}, {@code enable}, {@code disable})
 * runs the migration and records the result as a {@link dev.codexbridge.runtime.RuntimeState} in a
 * {@link dev.codexbridge.runtime.StateStore}, which a host can replace with its own. What codex is
 * asked (the binary and its version; for {@code status} with a probe, the account, the model list
 * and a one-word turn on one short-lived codex) is the package-private {@code RuntimeProbe}, whose
 * typed findings {@link dev.codexbridge.runtime.RuntimeStatus} shows (a
 * {@link dev.codexbridge.runtime.Readiness}). {@link dev.codexbridge.runtime.RuntimeGate} keeps a
 * switch from happening while a turn runs, {@link dev.codexbridge.runtime.RuntimeWord} reads what
 * the user typed, and {@link dev.codexbridge.runtime.PermissionProfiles} names the permission
 * profile each codex version knows. Depends on {@code config}, {@code process}, {@code client},
 * {@code protocol} and, for the probe's turn, {@code session}.
 */
@NullMarked
package dev.codexbridge.runtime;

import org.jspecify.annotations.NullMarked;
