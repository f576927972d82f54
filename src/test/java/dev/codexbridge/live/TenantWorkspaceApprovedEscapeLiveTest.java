package dev.codexbridge.live;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tenant B's model tries to reach tenant A's workspace with a host that approves every escalation B's
 * model asks for, with a workspaces root and with the default workspace in each tenant's folder.
 * Needs bubblewrap (decision 0030).
 */
class TenantWorkspaceApprovedEscapeLiveTest extends TenantWorkspaceEscapeRig {

    /** The same with a host that approves every escalation B's model asks for. */
    @ParameterizedTest(name = "workspaces root, every request approved, sandbox {0}")
    @MethodSource("sandboxes")
    void evenApprovedEscalationsFindNoOtherTenantsWorkspace(String sandbox) throws Exception {
        bobApprovals = ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build();
        assertWorkspaceEscapesFail(sandbox, "on-request", true);
    }

    /** No workspaces root: each tenant's workspace is in its own folder under the homes root. */
    @ParameterizedTest(name = "workspace in the tenant's folder, every request approved, sandbox {0}")
    @MethodSource("sandboxes")
    void theDefaultWorkspaceInTheTenantsFolderIsHiddenToo(String sandbox) throws Exception {
        bobApprovals = ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build();
        assertWorkspaceEscapesFail(sandbox, "on-request", false);
    }
}
