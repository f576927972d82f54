package dev.codexbridge.live;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tenant A's model tries to reach tenant B through the real codex (the attempts:
 * {@link TenantHomeEscapeRig}) with a host that approves everything A's model asks, escalations
 * outside codex's sandbox included: the mount namespace still holds. Needs bubblewrap (decision 0030).
 */
class TenantApprovedEscapeLiveTest extends TenantHomeEscapeRig {

    @ParameterizedTest(name = "mount namespace, every request approved, sandbox {0}")
    @MethodSource("sandboxes")
    void evenApprovedEscalationsFindNoOtherTenant(String sandbox) throws Exception {
        namespacedTenants(sandbox, "on-request");
        aliceApprovals = ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build();
        escapesFailInVarTmp(sandbox);
    }
}
