/**
 * The codex binary as a child process: finding it ({@link dev.codexbridge.process.CodexLocator}),
 * installing the pinned version ({@link dev.codexbridge.process.CodexInstaller}), gating its
 * version ({@link dev.codexbridge.process.CodexVersionProbe}), describing how to start it
 * ({@link dev.codexbridge.process.CodexLaunch}), running it with a drained stderr and a shutdown
 * ladder ({@link dev.codexbridge.process.CodexProcess}), and tying it to a JSON-RPC peer on its
 * stdio ({@link dev.codexbridge.process.CodexConnection}), so that codex's death wakes every
 * waiter with the exit code and stderr tail. Depends on {@code rpc} only; it does no handshake.
 *
 * <p>A host usually touches only {@code CodexLaunch}, {@code CodexLocator}, {@code CodexInstaller}
 * and the exceptions ({@link dev.codexbridge.process.CodexProcessException},
 * {@link dev.codexbridge.process.CodexNotFoundException}); {@code CodexConnection} and
 * {@code CodexProcess} are what {@code transport} builds on.
 */
@NullMarked
package dev.codexbridge.process;

import org.jspecify.annotations.NullMarked;
