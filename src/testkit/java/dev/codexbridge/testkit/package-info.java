/**
 * Offline testing against the real codex binary, shipped so hosts can use it too: a loopback
 * model API ({@link dev.codexbridge.testkit.ScriptedModelServer}, {@link dev.codexbridge.testkit.ModelReply})
 * in a throw-away {@link dev.codexbridge.testkit.IsolatedCodexHome}, a stdio MCP server
 * ({@link dev.codexbridge.testkit.EchoMcpServer}), fixture recording and replay
 * ({@link dev.codexbridge.testkit.FixtureRecorder}, {@link dev.codexbridge.testkit.FixtureReplayer},
 * {@link dev.codexbridge.testkit.FixtureNormalizer}) and the recorded scenarios
 * ({@link dev.codexbridge.testkit.Scenario}, {@link dev.codexbridge.testkit.Scenarios},
 * {@link dev.codexbridge.testkit.ScenarioRunner}). A replay runs the same session code that made
 * the recording, through a {@link dev.codexbridge.transport.CodexTransport} with no process.
 *
 * <p>Depends on {@code session} and the layers below it ({@code transport}, {@code rpc},
 * {@code process}, {@code approval}, {@code transcript}) and on {@code config} for TOML rendering.
 */
@NullMarked
package dev.codexbridge.testkit;

import org.jspecify.annotations.NullMarked;
