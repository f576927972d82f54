/**
 * How codex's server requests (command and file-change approvals, permission requests, MCP
 * elicitations, user-input questions, dynamic tool calls, auth-token refresh) are answered.
 *
 * <p>API a host uses: {@link dev.codexbridge.approval.ApprovalPolicy} (automatic rules, then the
 * host's {@link dev.codexbridge.approval.ApprovalHandler} with a deadline, then fail closed),
 * {@link dev.codexbridge.approval.ApprovalRequest}, {@link dev.codexbridge.approval.ApprovalDecision},
 * {@link dev.codexbridge.approval.ApprovalChoice}, {@link dev.codexbridge.approval.ApprovalKind},
 * and {@link dev.codexbridge.approval.PersistentRule} (what an "always" would write into codex's
 * home). The tools a host offers codex ({@link dev.codexbridge.tool.DynamicTool}) are not
 * approvals and live in {@code tool}; their calls are answered here, by the same bridge.
 *
 * <p>The machinery that turns a typed request into exactly one schema-valid answer lives in
 * {@code approval.internal} ({@link dev.codexbridge.approval.internal.ServerRequestBridge}, a table
 * with one entry per server request method); it is not API.
 *
 * <p>Depends on {@code protocol} (plus {@code rpc}'s {@code RpcError} and shared threads); never on
 * {@code transcript}, which is why the change summary both show lives in
 * {@link dev.codexbridge.protocol.FileChanges}.
 */
@NullMarked
package dev.codexbridge.approval;

import org.jspecify.annotations.NullMarked;
