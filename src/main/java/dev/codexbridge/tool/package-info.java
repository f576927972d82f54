/**
 * The tools a host offers codex for a session: {@link dev.codexbridge.tool.DynamicTool}, given to
 * {@code CodexSession.Builder.dynamicTool} and sent with {@code thread/start}. Codex calls one
 * with the server request {@code item/tool/call}, which the session's server-request bridge
 * ({@code approval.internal}) answers by running the tool's handler off the turn's thread.
 *
 * <p>Depends on {@code json} only. (Driving a session turn by turn for a chat-model framework is
 * {@code session.ToolCallRelay}: it needs the session.)
 */
@NullMarked
package dev.codexbridge.tool;

import org.jspecify.annotations.NullMarked;
