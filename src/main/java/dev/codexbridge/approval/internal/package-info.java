/**
 * How the session answers codex's server requests:
 * {@link dev.codexbridge.approval.internal.ServerRequestBridge}, one table with an entry per
 * request method (how the request is shown to the host as an
 * {@link dev.codexbridge.approval.ApprovalRequest}, how the host's decision becomes codex's typed
 * answer), the policy's rules and the handler's deadline. A host configures all of it through
 * {@link dev.codexbridge.approval.ApprovalPolicy}; this package is not API, with no compatibility
 * promise.
 */
package dev.codexbridge.approval.internal;
