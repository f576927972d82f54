/**
 * How codex's server requests (command and file-change approvals, permission requests, MCP
 * elicitations, user-input questions, dynamic tool calls, auth-token refresh) are answered.
 *
 * <p>API a host uses: {@link dev.codexbridge.approval.ApprovalPolicy} (automatic rules, then the
 * host's {@link dev.codexbridge.approval.ApprovalHandler} with a deadline, then fail closed),
 * {@link dev.codexbridge.approval.ApprovalRequest}, {@link dev.codexbridge.approval.ApprovalDecision},
 * {@link dev.codexbridge.approval.ApprovalChoice}, {@link dev.codexbridge.approval.ApprovalKind}
 * and {@link dev.codexbridge.approval.DynamicTool}.
 *
 * <p>{@link dev.codexbridge.approval.ServerRequestBridge}, which turns a typed request into exactly
 * one schema-valid answer, is internal: public only because {@code session} uses it, and may change
 * without notice. It answers through a table with one entry per server request method (the
 * package-private {@code RequestTable}; one class per request family holds the entries, each
 * saying how its request is shown to the host and how a decision is answered).
 *
 * <p>Depends on {@code protocol} (plus {@code rpc}'s {@code RpcError} and shared threads); never on
 * {@code transcript}, which is why the change summary both show lives in
 * {@link dev.codexbridge.protocol.FileChanges}.
 */
package dev.codexbridge.approval;
