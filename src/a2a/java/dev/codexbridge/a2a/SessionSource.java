package dev.codexbridge.a2a;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.session.CodexSession;

/**
 * Opens the codex session behind one A2A context: called once per context, on its first message.
 * The session must use {@code approvals} (it routes codex's requests to the context's task as
 * {@code input-required}). {@code principal} is the authenticated caller: a host that serves
 * callers from separate codex homes or app-servers picks them here (for example one
 * {@code CodexTenants} tenant per principal).
 */
@FunctionalInterface
public interface SessionSource {
    CodexSession open(String principal, String contextId, ApprovalPolicy approvals);
}
