/**
 * Switching a host's codex runtime on and off, as a host's slash command needs it:
 * {@link dev.codexbridge.runtime.RuntimeSwitch} ({@code status}, {@code enable}, {@code disable})
 * probes codex, runs the migration and records the result as a
 * {@link dev.codexbridge.runtime.RuntimeState} in a {@link dev.codexbridge.runtime.StateStore},
 * which a host can replace with its own. Depends on {@code config}, {@code process}, {@code client}
 * and, for the readiness probe's one-turn check, {@code session}.
 */
package dev.codexbridge.runtime;
